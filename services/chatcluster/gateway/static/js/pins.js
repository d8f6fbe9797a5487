// Pinned messages: owners and admins pin and unpin a message from its actions; a pin mark beside
// pinned messages; the Pins button above a group room opens the list everyone in it can read
// (GET /v1/rooms/{id}/pins, newest pin first), live from `pin` frames, where a click shows the
// message in the room (loaded around it when it is far back).
import { api, roomPath } from './api.js';
import { $, element, showError } from './dom.js';
import { formatTime } from './format.js';
import { idDate } from './ids.js';
import { paintText } from './mentions.js';
import { messageElement, messageList } from './message_view.js';
import { currentRoomId, messageOf, openRoom } from './messages.js';
import { PinBook } from './pins_data.js';
import { canModerate } from './room_settings.js';
import { getRoom } from './rooms.js';

const hooks = {
  opened: () => {}, // the panel opened: other panels beside the room close
  open: openRoom, // (room_id, message_id) shows the message in its room
};

let book = new PinBook();
let panelRoom = null;
let panelLoad = 0;
let reloadTimer = null;

export function setPinHooks(h) {
  Object.assign(hooks, h);
}

export function resetPins() {
  book = new PinBook();
  closePins();
}

const isGroupRoom = (roomId) => {
  const room = getRoom(roomId);
  return !!room && room.kind !== 'direct';
};

// The pin mark and the Pin / Unpin action of a message in the room's list.
export function paintPin(el, m) {
  const group = isGroupRoom(m.room_id);
  if (group && !book.known(m.room_id)) loadPinned(m.room_id);
  const pinned = group && !m.deleted && book.isPinned(m.room_id, m.message_id);
  el.classList.toggle('pinned', pinned);
  const mark = el.querySelector('.msg-pin-mark');
  if (mark) mark.hidden = !pinned;
  const button = el.querySelector('[data-action="pin"]');
  if (!button) return;
  button.hidden = !group || !!m.deleted || !canModerate(m.room_id);
  button.textContent = pinned ? 'Unpin' : 'Pin';
  button.dataset.pinned = String(pinned);
}

function repaint(roomId, messageId) {
  if (roomId !== currentRoomId()) return;
  const ids = messageId != null ? [messageId] : [...messageList().querySelectorAll('li.msg[data-message-id]')].map((el) => el.dataset.messageId);
  for (const id of ids) {
    const el = messageElement(id);
    const m = messageOf(id);
    if (el && m) paintPin(el, m);
  }
}

// Reads which messages of a room are pinned; the list, or null when it could not be read.
async function loadPinned(roomId) {
  book.startLoad(roomId);
  let answer;
  try {
    answer = await api('GET', `${roomPath(roomId)}/pins`);
  } catch {
    book.failLoad(roomId);
    return null;
  }
  if (!book.known(roomId)) return null; // the session was reset meanwhile
  book.finishLoad(roomId, answer);
  repaint(roomId);
  return answer;
}

// A `pin` frame: a message of one of the user's rooms was pinned or unpinned.
export function onPinFrame(frame) {
  const event = frame.event;
  if (!event || event.room_id == null) return;
  if (book.apply(event)) repaint(event.room_id, String(event.message_id));
  if (panelRoom === event.room_id) {
    clearTimeout(reloadTimer); // a burst of pins makes one request
    reloadTimer = setTimeout(loadPanel, 200);
  }
}

async function setPinned(roomId, messageId, pinned, button) {
  if (button) button.disabled = true;
  try {
    await api(pinned ? 'PUT' : 'DELETE', `${roomPath(roomId)}/pins/${messageId}`);
    if (book.apply({ room_id: roomId, message_id: messageId, pinned })) repaint(roomId, String(messageId));
    if (panelRoom === roomId) loadPanel();
  } catch (err) {
    showError(err.message);
  } finally {
    if (button) button.disabled = false;
  }
}

// ------------------------------------------------ the panel

// The Pins button above a group room; the panel closes when another room opens.
export function paintPinsButton(open) {
  $('pins-button').hidden = !open || open.kind === 'direct';
  if (panelRoom && (!open || open.room_id !== panelRoom)) closePins();
}

function pinItem(m) {
  const li = element('li', 'pin-item');
  li.dataset.testid = 'pinned-message';
  li.dataset.messageId = String(m.message_id);
  li.tabIndex = 0;
  li.setAttribute('role', 'button');
  const head = element('div', 'pin-head');
  const time = element('time', 'pin-time', formatTime(idDate(m.message_id)));
  head.append(element('span', 'pin-author', m.author), time);
  const text = element('div', 'pin-text');
  text.dataset.testid = 'pinned-text';
  if (m.deleted) text.textContent = 'This message was deleted.';
  else paintText(text, m);
  li.append(head, text);
  if (canModerate(m.room_id)) {
    const unpin = element('button', 'btn btn-link btn-tiny', 'Unpin');
    unpin.type = 'button';
    unpin.dataset.testid = 'pinned-unpin';
    unpin.addEventListener('click', (e) => {
      e.stopPropagation();
      setPinned(m.room_id, m.message_id, false, unpin);
    });
    head.append(unpin);
  }
  const show = () => hooks.open(m.room_id, m.message_id);
  li.addEventListener('click', show);
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      show();
    }
  });
  return li;
}

async function loadPanel() {
  const roomId = panelRoom;
  if (!roomId) return;
  const mine = ++panelLoad;
  const answer = await loadPinned(roomId);
  if (mine !== panelLoad || panelRoom !== roomId) return;
  if (!answer) {
    $('pins-empty').textContent = 'The pinned messages could not be read.';
    $('pins-empty').hidden = false;
    return;
  }
  const pins = answer.pins || [];
  $('pin-list').replaceChildren(...pins.map(pinItem));
  $('pins-empty').textContent = 'Nothing is pinned in this room yet.';
  $('pins-empty').hidden = pins.length > 0;
}

function openPins() {
  const roomId = currentRoomId();
  if (!isGroupRoom(roomId)) return;
  hooks.opened();
  panelRoom = roomId;
  $('pin-list').replaceChildren();
  $('pins-empty').hidden = true;
  $('pins-panel').hidden = false;
  $('pins-button').setAttribute('aria-expanded', 'true');
  loadPanel();
}

export function closePins() {
  panelRoom = null;
  panelLoad += 1;
  clearTimeout(reloadTimer);
  $('pins-panel').hidden = true;
  $('pins-button').setAttribute('aria-expanded', 'false');
}

export function wirePins() {
  $('pins-button').addEventListener('click', () => {
    if ($('pins-panel').hidden) openPins();
    else closePins();
  });
  $('pins-close').addEventListener('click', closePins);
  $('message-list').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action="pin"]');
    if (!button) return;
    const m = messageOf(button.closest('li.msg').dataset.messageId);
    if (m) setPinned(m.room_id, m.message_id, button.dataset.pinned !== 'true', button);
  });
}
