// Rooms people run, in the page: the room settings panel (the Settings button above a group room,
// for its owner and admins): name, topic, private or public, invite by username, the members with
// their roles and what the user may do to each (kick, ban, make or unmake an admin, hand the room
// over), the banned with unban, and deleting the room (the owner, after a second click). What the
// user may not do is hidden; the server checks everything. Also what `room` frames (renamed, new
// topic, private, deleted) and `member` frames about roles do to the sidebar and the header, and
// the notice when a room leaves the user's list without their asking (kicked, banned, deleted).
import { api, roomPath } from './api.js';
import { $, element, showInfo } from './dom.js';
import { fillMessage, messageList } from './message_view.js';
import { closeRoom, currentRoomId, messageOf, showRoomHeader } from './messages.js';
import {
  LatestEvents, ROLE_LABEL, byRole, canManage, isOwner, memberActions, removedText, settingsChanges,
} from './room_settings_data.js';
import { forgetRoom, getRoom, hasRoom, refreshDirectory, renderDirectory, renderRooms, updateRoom } from './rooms.js';
import { currentUserId } from './session.js';
import { attachUserPicker } from './user_picker.js';

const CONFIRM_MS = 4000;
const ACTION_LABEL = { promote: 'Make admin', demote: 'Remove admin', transfer: 'Make owner', kick: 'Remove', ban: 'Ban' };
// Asked twice: handing the room over and banning cannot be undone by the one who clicked.
const CONFIRM_LABEL = { transfer: 'Really make owner?', ban: 'Really ban?' };

const hooks = {
  opened: () => {}, // the panel opened: other panels beside the room close
};

let panelRoom = null; // the room whose settings the panel shows
let shownRole = null; // the user's role in the open room, as its header and messages were drawn
let panelLoad = 0;
let members = [];
let bans = [];
let latest = new LatestEvents();
let leaving = new Set(); // rooms the user left or deleted from this page: no notice for those
let reasons = new Map(); // room_id -> 'kicked' | 'banned', when a frame said so before the room went
let reloadTimer = null;
let invitePicker = null;

export function setRoomSettingsHooks(h) {
  Object.assign(hooks, h);
}

export function resetRoomSettings() {
  closeRoomSettings();
  latest = new LatestEvents();
  leaving = new Set();
  reasons = new Map();
}

// Whether the user may moderate the room (delete others' messages, pin).
export const canModerate = (roomId) => canManage(getRoom(roomId));

// The topic under the open room's title and the Settings button (owners and admins).
export function paintRoomSettings(open) {
  shownRole = open ? open.my_role ?? null : null;
  const topic = open && open.kind !== 'direct' ? open.topic || '' : '';
  $('room-topic').textContent = topic;
  $('room-topic').title = topic;
  $('room-topic').hidden = !topic;
  $('room-settings-button').hidden = !canManage(open);
  if (!panelRoom) return;
  if (!open || open.room_id !== panelRoom || !canManage(open)) closeRoomSettings();
  else paintRights(open);
}

// A member's role, as a badge beside the name (none for plain members).
export function roleBadge(m) {
  if (m.role !== 'owner' && m.role !== 'admin') return null;
  const badge = element('span', `role-badge role-${m.role}`, ROLE_LABEL[m.role]);
  badge.dataset.testid = 'role-badge';
  return badge;
}

// The messages of the open room are drawn again: what the user may do to them changed.
function repaintOpenRoom() {
  for (const el of messageList().querySelectorAll('li.msg[data-message-id]')) {
    const m = messageOf(el.dataset.messageId);
    if (m) fillMessage(el, m);
  }
}

// The room as an answer or a frame has it now: sidebar, directory, header and panel follow.
function roomChanged(room) {
  const before = getRoom(room.room_id);
  updateRoom(room);
  const after = getRoom(room.room_id);
  if (room.room_id !== currentRoomId()) return;
  showRoomHeader();
  if (before && after && before.my_role !== after.my_role) repaintOpenRoom();
  if (panelRoom === room.room_id) fillForm(after, false);
}

// The room list was read again (a reconnect, a room joined): the user's role in the open room may
// have changed meanwhile.
export function roomsReloaded() {
  const open = getRoom(currentRoomId());
  if (!open || (open.my_role ?? null) === shownRole) return;
  showRoomHeader();
  repaintOpenRoom();
}

// ------------------------------------------------ frames

// A `room` frame: an owner or admin changed one of the user's rooms, or deleted it.
export function onRoomFrame(frame) {
  const event = frame.event;
  if (!event || !event.room || !event.room.room_id) return;
  const id = event.room.room_id;
  if (!latest.accept(`room/${id}`, event.event_id)) return;
  if (event.op === 'deleted') {
    if (hasRoom(id) && !leaving.has(id)) showInfo(removedText(getRoom(id), 'deleted'));
    dropRoom(id);
    return;
  }
  const known = getRoom(id);
  roomChanged(event.room);
  if (!known || !!known.private !== !!event.room.private) refreshDirectory().catch(() => {});
}

// A `member` frame: the user's own role changed, or the panel's member list did.
export function onMemberChange(frame) {
  if (!frame.room_id) return;
  const mine = frame.user_id != null && String(frame.user_id) === String(currentUserId());
  if (mine && (frame.op === 'kicked' || frame.op === 'banned')) reasons.set(frame.room_id, frame.op);
  if (mine && frame.op === 'role' && frame.role && latest.accept(`role/${frame.room_id}`, frame.event_id)) {
    roomChanged({ room_id: frame.room_id, my_role: frame.role });
  }
  if (panelRoom === frame.room_id) {
    clearTimeout(reloadTimer); // a burst of changes makes one request
    reloadTimer = setTimeout(loadPanel, 300);
  }
}

// The user leaves (or deletes) a room from this page: its `left` frame needs no notice.
export function leavingRoom(roomId) {
  leaving.add(roomId);
}

// A `left` frame, before the room leaves the list: say so unless the user asked for it here.
export function roomLeft(room) {
  const id = room.room_id;
  const asked = leaving.delete(id);
  const reason = reasons.get(id);
  reasons.delete(id);
  if (panelRoom === id) closeRoomSettings();
  if (!asked && hasRoom(id)) showInfo(removedText(getRoom(id), reason));
}

function dropRoom(id) {
  forgetRoom(id);
  if (currentRoomId() === id) closeRoom();
  if (panelRoom === id) closeRoomSettings();
  renderRooms();
  renderDirectory();
}

// ------------------------------------------------ the panel

function panelError(message) {
  $('room-settings-error').textContent = message || '';
  $('room-settings-error').hidden = !message;
}

function panelStatus(message) {
  $('room-settings-status').textContent = message || '';
  $('room-settings-status').hidden = !message;
}

// The form shows the room; a field the user is typing in keeps what they typed unless `force`.
function fillForm(room, force) {
  const typing = (el) => !force && document.activeElement === el;
  if (!typing($('room-name-input'))) $('room-name-input').value = room.name;
  if (!typing($('room-topic-input'))) $('room-topic-input').value = room.topic || '';
  $('room-private-input').checked = !!room.private;
  paintRights(room);
}

function paintRights(room) {
  $('room-danger-zone').hidden = !isOwner(room);
  renderPanelMembers();
}

function openRoomSettings() {
  const room = getRoom(currentRoomId());
  if (!canManage(room)) return;
  hooks.opened();
  panelRoom = room.room_id;
  panelError('');
  panelStatus('');
  members = [];
  bans = [];
  fillForm(room, true);
  cancelDelete();
  renderBans();
  $('room-settings-panel').hidden = false;
  $('room-settings-button').setAttribute('aria-expanded', 'true');
  loadPanel();
}

export function closeRoomSettings() {
  panelRoom = null;
  panelLoad += 1;
  clearTimeout(reloadTimer);
  if (invitePicker) invitePicker.close();
  $('room-settings-panel').hidden = true;
  $('room-settings-button').setAttribute('aria-expanded', 'false');
}

async function loadPanel() {
  const id = panelRoom;
  if (!id) return;
  const mine = ++panelLoad;
  const [memberAnswer, banAnswer] = await Promise.all([
    api('GET', `${roomPath(id)}/members`).catch((err) => err),
    api('GET', `${roomPath(id)}/bans`).catch((err) => err),
  ]);
  if (mine !== panelLoad) return;
  const failed = [memberAnswer, banAnswer].find((a) => a instanceof Error);
  if (failed) panelError(failed.message);
  if (!(memberAnswer instanceof Error)) members = memberAnswer.members || [];
  if (!(banAnswer instanceof Error)) bans = banAnswer.bans || [];
  renderPanelMembers();
  renderBans();
}

function smallButton(text, testid, danger) {
  const b = element('button', `btn btn-link btn-tiny${danger ? ' danger' : ''}`, text);
  b.type = 'button';
  b.dataset.testid = testid;
  return b;
}

function renderPanelMembers() {
  const room = getRoom(panelRoom);
  if (!room) return;
  const me = currentUserId();
  $('room-admin-members').replaceChildren(...[...members].sort(byRole).map((m) => {
    const li = element('li', 'admin-member');
    li.dataset.testid = 'room-admin-member';
    li.dataset.username = m.username;
    li.dataset.role = m.role || 'member';
    const name = element('span', 'member-name', m.username);
    li.append(name);
    const badge = roleBadge(m);
    if (badge) li.append(badge);
    const actions = element('span', 'admin-actions');
    for (const action of memberActions(room.my_role, me, m)) {
      const b = smallButton(ACTION_LABEL[action], `member-${action}`, action === 'kick' || action === 'ban');
      b.addEventListener('click', () => act(b, action, m));
      actions.append(b);
    }
    li.append(actions);
    return li;
  }));
}

function renderBans() {
  $('room-bans').replaceChildren(...bans.map((b) => {
    const li = element('li', 'admin-member');
    li.dataset.testid = 'room-ban';
    li.dataset.username = b.username;
    const unban = smallButton('Unban', 'unban-button');
    unban.addEventListener('click', () => run(unban, () => api('DELETE', `${roomPath(panelRoom)}/bans/${b.user_id}`), `${b.username} may join again.`));
    li.append(element('span', 'member-name', b.username), unban);
    return li;
  }));
  $('room-bans-empty').hidden = bans.length > 0;
}

// The first click of a risky action asks again for a few seconds; true when this click acts.
function confirmed(button, question) {
  if (!question || button.dataset.confirm === 'yes') return true;
  const label = button.textContent;
  button.dataset.confirm = 'yes';
  button.textContent = question;
  setTimeout(() => {
    button.dataset.confirm = '';
    button.textContent = label;
  }, CONFIRM_MS);
  return false;
}

// Runs a request of the panel: its refusal shows in the panel in the server's words; the panel reloads.
async function run(button, request, done) {
  const id = panelRoom;
  button.disabled = true;
  panelError('');
  panelStatus('');
  try {
    const answer = await request();
    if (panelRoom !== id) return;
    if (done) panelStatus(done);
    return answer;
  } catch (err) {
    if (panelRoom === id) panelError(err.message);
    return undefined;
  } finally {
    button.disabled = false;
    if (panelRoom === id) loadPanel();
  }
}

function act(button, action, m) {
  if (!confirmed(button, CONFIRM_LABEL[action])) return;
  const path = roomPath(panelRoom);
  const requests = {
    promote: [() => api('PUT', `${path}/members/${m.user_id}/role`, { role: 'admin' }), `${m.username} is now an admin.`],
    demote: [() => api('PUT', `${path}/members/${m.user_id}/role`, { role: 'member' }), `${m.username} is no longer an admin.`],
    kick: [() => api('DELETE', `${path}/members/${m.user_id}`), `${m.username} was removed.`],
    ban: [() => api('PUT', `${path}/bans/${m.user_id}`), `${m.username} was banned.`],
    transfer: [async () => {
      const room = await api('POST', `${path}/owner`, { user_id: m.user_id });
      if (room && room.room_id) roomChanged(room);
      return room;
    }, `${m.username} owns the room now.`],
  };
  const [request, done] = requests[action];
  run(button, request, done);
}

async function saveSettings(event) {
  event.preventDefault();
  const room = getRoom(panelRoom);
  if (!room) return;
  const body = settingsChanges(room, {
    name: $('room-name-input').value,
    topic: $('room-topic-input').value,
    private: $('room-private-input').checked,
  });
  if (!body) {
    panelStatus('Nothing to save.');
    return;
  }
  const answer = await run($('room-settings-save'), () => api('PATCH', roomPath(room.room_id), body), 'Saved.');
  if (answer && answer.room_id) {
    const wasPrivate = !!room.private;
    roomChanged(answer);
    if (panelRoom === answer.room_id) fillForm(getRoom(answer.room_id), true);
    if (wasPrivate !== !!answer.private) refreshDirectory().catch(() => {});
  }
}

async function invite(event) {
  event.preventDefault();
  const input = $('room-invite-input');
  const username = input.value.trim().replace(/^@/, '');
  if (!username) {
    panelError('Type the username of the person to invite.');
    return;
  }
  invitePicker.close();
  const answer = await run($('room-invite-button'), () => api('POST', `${roomPath(panelRoom)}/members`, { username }), `${username} was added to the room.`);
  if (answer) input.value = '';
}

function cancelDelete() {
  $('room-delete-confirm').hidden = true;
  $('room-delete-button').hidden = false;
}

function askDelete() {
  const room = getRoom(panelRoom);
  if (!room) return;
  $('room-delete-question').textContent = `Delete #${room.name} and its history for everyone in it?`;
  $('room-delete-button').hidden = true;
  $('room-delete-confirm').hidden = false;
}

async function deleteRoom() {
  const id = panelRoom;
  if (!id) return;
  const button = $('room-delete-yes');
  button.disabled = true;
  leavingRoom(id);
  try {
    await api('DELETE', roomPath(id));
    dropRoom(id);
    refreshDirectory().catch(() => {});
  } catch (err) {
    leaving.delete(id);
    if (panelRoom === id) panelError(err.message);
  } finally {
    button.disabled = false;
  }
}

export function wireRoomSettings() {
  $('room-settings-button').addEventListener('click', () => {
    if ($('room-settings-panel').hidden) openRoomSettings();
    else closeRoomSettings();
  });
  $('room-settings-close').addEventListener('click', closeRoomSettings);
  $('room-settings-form').addEventListener('submit', saveSettings);
  $('room-invite-form').addEventListener('submit', invite);
  invitePicker = attachUserPicker($('room-invite-input'), {
    exclude: (u) => members.some((m) => String(m.user_id) === String(u.user_id)),
  });
  $('room-delete-button').addEventListener('click', askDelete);
  $('room-delete-no').addEventListener('click', cancelDelete);
  $('room-delete-yes').addEventListener('click', deleteRoom);
}
