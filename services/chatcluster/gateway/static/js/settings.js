// The user's settings (GET/PUT /v1/settings, the whole object each time): the e-mail digest on or
// off, where to and after how many minutes, and the muted rooms. A muted room raises no browser notification
// and no tab-title count; the Mute button above the open room toggles it. The server checks every
// value and says what is wrong in a sentence, which the panel shows as it is.
import { api } from './api.js';
import { $, showError } from './dom.js';

const hooks = {
  changed: () => {}, // the muted rooms changed: redraw the sidebar and the title
};

let settings = null; // null until the server answered (a server without settings hides their controls)
let muted = new Set();
let openRoomId = null;

export function setSettingsHooks(h) {
  Object.assign(hooks, h);
}

export const isMuted = (roomId) => muted.has(roomId);

export function resetSettings() {
  settings = null;
  muted = new Set();
  openRoomId = null;
  closeSettings();
  paintMuteButton(null);
  $('settings-button').hidden = true;
}

function take(next) {
  settings = next;
  muted = new Set((next.muted_rooms || []).map(String));
  $('settings-button').hidden = false;
  paintMuteButton(openRoomId);
  hooks.changed();
}

export async function loadSettings() {
  try {
    take(await api('GET', '/v1/settings'));
  } catch {
    /* no settings: the page works without them */
  }
}

// Room summaries say which rooms are muted too, before the settings arrive.
export function seedMuted(summaries) {
  if (settings) return;
  for (const s of summaries) if (s.muted) muted.add(s.room_id);
}

async function save(next) {
  take(await api('PUT', '/v1/settings', next));
}

// The Mute button above the open room (null: none open).
export function paintMuteButton(roomId) {
  openRoomId = roomId;
  const button = $('mute-button');
  button.hidden = !roomId || !settings;
  const on = !!roomId && isMuted(roomId);
  button.textContent = on ? 'Unmute' : 'Mute';
  button.setAttribute('aria-pressed', String(on));
  button.title = on ? 'Notifications from this room are off' : 'Turn off notifications from this room';
}

async function toggleMute() {
  const roomId = openRoomId;
  if (!roomId || !settings) return;
  const rooms = new Set(settings.muted_rooms || []);
  if (rooms.has(roomId)) rooms.delete(roomId);
  else rooms.add(roomId);
  const button = $('mute-button');
  button.disabled = true;
  try {
    await save({ ...settings, muted_rooms: [...rooms] });
  } catch (err) {
    showError(err.message);
  } finally {
    button.disabled = false;
  }
}

function showSettingsError(message) {
  const box = $('settings-error');
  box.textContent = message;
  box.hidden = !message;
}

function openSettings() {
  if (!settings) return;
  $('settings-email').checked = !!settings.email_digest;
  $('settings-address').value = settings.email || '';
  $('settings-interval').value = String(settings.digest_after_minutes);
  showSettingsError('');
  $('settings-saved').hidden = true;
  $('settings-panel').hidden = false;
  $('settings-button').setAttribute('aria-expanded', 'true');
  $('settings-email').focus();
}

export function closeSettings() {
  $('settings-panel').hidden = true;
  $('settings-button').setAttribute('aria-expanded', 'false');
}

async function submitSettings(event) {
  event.preventDefault();
  if (!settings) return;
  const raw = $('settings-interval').value.trim();
  const next = {
    ...settings,
    email_digest: $('settings-email').checked,
    email: $('settings-address').value.trim() || null,
    // Sent as typed (a number when it reads as one): the server says what is wrong with a bad value.
    digest_after_minutes: raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw,
  };
  $('settings-saved').hidden = true;
  $('settings-save').disabled = true;
  try {
    await save(next);
    showSettingsError('');
    $('settings-saved').hidden = false;
  } catch (err) {
    showSettingsError(err.message);
  } finally {
    $('settings-save').disabled = false;
  }
}

export function wireSettings() {
  $('settings-button').addEventListener('click', () => {
    if ($('settings-panel').hidden) openSettings();
    else closeSettings();
  });
  $('settings-close').addEventListener('click', closeSettings);
  $('settings-form').addEventListener('submit', submitSettings);
  $('mute-button').addEventListener('click', toggleMute);
}
