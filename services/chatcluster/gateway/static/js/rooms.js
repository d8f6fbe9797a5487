// The sidebar: the user's rooms and direct messages with unread badges (read_state.js counts them)
// and the presence of each direct message's other person, the directory, and the forms that create
// a room, open a direct message or join one. Opening a room is the chat's business (messages.js):
// the sidebar asks for it through the `open` hook.
import { api, roomPath } from './api.js';
import { $, element, showError } from './dom.js';
import { avatarColor } from './format.js';
import { dmPeerId } from './presence_data.js';
import { presenceDot } from './presence.js';
import { badgeText, titleText } from './read_state_data.js';
import { forgetReadState, seedSummaries, totalUnread, unreadOf } from './read_state.js';
import { RoomBook, roomLabel } from './rooms_data.js';
import { mergeRoom } from './room_settings_data.js';
import { currentUserId, currentUsername, signedIn } from './session.js';
import { isMuted, seedMuted } from './settings.js';

const hooks = {
  open: () => {}, // (room_id) the user chose a room
  changed: () => {}, // the room list or the directory was reloaded from the server
};

let book = new RoomBook();
let selected = null; // the room shown as open
let directoryTimer = null;
let refreshQueued = false;

export function setRoomHooks(h) {
  Object.assign(hooks, h);
}

export const hasRoom = (roomId) => book.has(roomId);
export const getRoom = (roomId) => book.get(roomId);
export const label = (room) => roomLabel(room, currentUsername());
export const displayName = (roomId) => book.displayName(roomId, currentUsername());
export const joinedRooms = () => [...book.joined.values()];
export const roomsToJoin = () => book.toJoin();

export function resetRooms() {
  clearInterval(directoryTimer);
  book = new RoomBook();
  selected = null;
}

// Marks the open room (null for none).
export function selectRoom(roomId) {
  selected = roomId;
  renderRooms();
}

export function addRoom(room) {
  book.add(room);
  renderRooms();
  renderDirectory();
}

// A room changed (renamed, a new topic, private or public, the user's role): the list and the
// directory show it so; a room turned private leaves the directory.
export function updateRoom(room) {
  const known = book.get(room.room_id);
  if (known) book.add(mergeRoom(known, room));
  book.directory = book.directory
    .map((r) => (r.room_id === room.room_id ? mergeRoom(r, room) : r))
    .filter((r) => !r.private);
  renderRooms();
  renderDirectory();
}

export function forgetRoom(roomId) {
  book.remove(roomId);
  forgetReadState(roomId);
}

// The other people of the user's direct messages, for their presence.
export const dmPeers = () => [...book.joined.values()]
  .filter((r) => r.kind === 'direct')
  .map((r) => dmPeerId(r.room_id, currentUserId()))
  .filter((id) => id != null);

// Room summaries (GET /v1/rooms or the `ready` frame): the rooms with their unread counts.
export function applySummaries(rooms) {
  book.setJoined(rooms);
  seedMuted(rooms);
  seedSummaries(rooms);
  renderRooms();
  renderDirectory();
  hooks.changed();
}

export async function refreshRooms() {
  const rooms = await api('GET', '/v1/rooms');
  if (signedIn()) applySummaries(rooms);
}

// Several events of unknown rooms in a burst make one request.
export function queueRoomsRefresh() {
  if (refreshQueued) return;
  refreshQueued = true;
  setTimeout(() => {
    refreshQueued = false;
    if (signedIn()) refreshRooms().catch(() => {});
  }, 200);
}

export async function refreshDirectory() {
  const rooms = await api('GET', '/v1/rooms/directory');
  if (!signedIn()) return;
  book.directory = rooms;
  renderDirectory();
  hooks.changed();
}

export function startDirectoryTimer(tick) {
  clearInterval(directoryTimer);
  directoryTimer = setInterval(() => {
    refreshDirectory().catch(() => {});
    tick();
  }, 30000);
}

export function renderRooms() {
  const { groups, dms } = book.sorted(currentUsername());
  $('room-list').replaceChildren(...groups.map(roomItem));
  $('dm-list').replaceChildren(...dms.map(roomItem));
  $('room-list-empty').hidden = groups.length > 0;
  document.title = titleText(totalUnread((roomId) => !isMuted(roomId)));
}

function roomItem(room) {
  const name = label(room);
  const li = element('li', 'room-item');
  li.dataset.testid = 'room-item';
  li.dataset.roomId = room.room_id;
  li.dataset.roomName = name;
  li.dataset.kind = room.kind;
  li.tabIndex = 0;
  li.setAttribute('role', 'button');
  if (room.room_id === selected) {
    li.classList.add('active');
    li.setAttribute('aria-current', 'true');
  }
  const icon = element('span', 'room-icon');
  if (room.kind === 'direct') {
    icon.classList.add('avatar', 'avatar-small');
    icon.textContent = name.charAt(0).toUpperCase();
    icon.style.background = avatarColor(name);
    const peer = dmPeerId(room.room_id, currentUserId());
    if (peer) icon.append(presenceDot(peer));
  } else {
    icon.textContent = '#';
  }
  li.append(icon, element('span', 'room-name', name));
  const muted = isMuted(room.room_id);
  li.classList.toggle('muted', muted);
  if (muted) li.dataset.muted = 'true';
  const { count, capped, mentions } = unreadOf(room.room_id);
  if (count > 0) {
    li.classList.add('has-unread');
    const badge = element('span', 'unread-badge', badgeText(count, capped));
    badge.dataset.testid = 'unread-badge';
    badge.title = `${capped ? `more than ${count}` : count} unread${mentions ? `, ${mentions} mentioning you` : ''}`;
    if (mentions > 0) {
      badge.classList.add('mentioned');
      badge.dataset.mentions = String(mentions);
    }
    li.append(badge);
  }
  li.addEventListener('click', () => hooks.open(room.room_id));
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      hooks.open(room.room_id);
    }
  });
  return li;
}

export function renderDirectory() {
  const open = book.toJoin();
  $('directory-list').replaceChildren(...open.map((room) => {
    const li = element('li', 'directory-item');
    li.dataset.testid = 'directory-item';
    li.dataset.roomId = room.room_id;
    li.dataset.roomName = room.name;
    const join = element('button', 'btn btn-small btn-ghost', 'Join');
    join.type = 'button';
    join.dataset.testid = 'join-button';
    join.addEventListener('click', () => joinRoom(room.room_id, join));
    li.append(element('span', 'room-name', `# ${room.name}`), join);
    return li;
  }));
  $('directory-empty').hidden = open.length > 0;
}

async function joinRoom(roomId, button) {
  button.disabled = true;
  try {
    const room = await api('POST', `${roomPath(roomId)}/join`);
    addRoom(room);
    hooks.open(room.room_id);
  } catch (err) {
    showError(err.message);
    button.disabled = false;
  }
}

// Creates a room or opens a direct message from one of the sidebar's forms.
async function openFromForm(event, inputId, valueOf, emptyText, request) {
  event.preventDefault();
  const input = $(inputId);
  const value = valueOf(input.value);
  if (!value) {
    showError(emptyText);
    return;
  }
  try {
    const room = await request(value);
    input.value = '';
    book.add(room);
    renderRooms();
    hooks.open(room.room_id);
  } catch (err) {
    showError(err.message);
  }
}

export function wireRooms() {
  $('create-room-form').addEventListener('submit', (e) => openFromForm(
    e, 'create-room-input', (v) => v.trim(), 'Give the new room a name.',
    (name) => api('POST', '/v1/rooms', { name }),
  ));
  $('dm-form').addEventListener('submit', (e) => openFromForm(
    e, 'dm-input', (v) => v.trim().replace(/^@/, ''), 'Type the username of the person to message.',
    (username) => api('POST', `/v1/dms/${encodeURIComponent(username)}`),
  ));
  $('directory-refresh').addEventListener('click', () => refreshDirectory().catch((err) => showError(err.message)));
}
