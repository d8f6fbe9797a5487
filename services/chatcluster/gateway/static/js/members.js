// The open room's members (GET /v1/rooms/{id}/members) with their presence, in the panel the
// Members button opens; and "bob joined the room" / "bob left the room" in the room itself, from
// the `member` frames the server sends to the room's members.
import { api, roomPath, serverNow } from './api.js';
import { $, element } from './dom.js';
import { byName } from './rooms_data.js';
import { idAt } from './ids.js';
import { learnPerson } from './mentions.js';
import { presenceDot, presenceOf, setPresence } from './presence.js';
import { memberNoticeText } from './room_settings_data.js';

const NOTICES_KEPT = 50; // per room, while the page is open
const STATUS_ORDER = { online: 0, away: 1, offline: 2 };

const hooks = {
  loaded: () => {}, // (answer) the open room's member list arrived
  notice: () => {}, // (notice) a joined/left line for the open room
  decorate: () => {}, // (li, member) adds what other features show beside a member (role, Block)
};

let roomId = null;
let members = [];
let load = 0;
let notices = new Map(); // room_id -> [{sortId, text}]
let reloadTimer = null;

export function setMemberHooks(h) {
  Object.assign(hooks, h);
}

export function resetMembers() {
  roomId = null;
  members = [];
  load += 1;
  notices = new Map();
  clearTimeout(reloadTimer);
  closeMembers();
  $('member-list').replaceChildren();
}

export const memberIds = () => members.map((m) => String(m.user_id));

// The member list of a room (now the open one); the answer, or null when it could not be read.
export async function loadMembers(id) {
  if (id !== roomId) {
    roomId = id;
    members = [];
    renderMembers();
  }
  const mine = ++load;
  let answer;
  try {
    answer = await api('GET', `${roomPath(id)}/members`);
  } catch {
    return null;
  }
  if (mine !== load) return null;
  members = answer.members || [];
  for (const m of members) {
    learnPerson(m.username, m.user_id);
    if (m.presence) setPresence(m.user_id, m.presence);
  }
  renderMembers();
  hooks.loaded(answer);
  return answer;
}

// No room open: nothing to list.
export function clearMembers() {
  roomId = null;
  members = [];
  load += 1;
  renderMembers();
}

export function renderMembers() {
  const rank = (m) => STATUS_ORDER[presenceOf(m.user_id)] ?? 2;
  const sorted = [...members].sort((a, b) => rank(a) - rank(b) || byName(a.username, b.username));
  $('member-list').replaceChildren(...sorted.map((m) => {
    const li = element('li', 'member-item');
    li.dataset.testid = 'member-item';
    li.dataset.username = m.username;
    li.append(presenceDot(m.user_id), element('span', 'member-name', m.username));
    hooks.decorate(li, m);
    return li;
  }));
}

function openMembers() {
  $('member-panel').hidden = false;
  $('members-button').setAttribute('aria-expanded', 'true');
  if (roomId) loadMembers(roomId);
}

export function closeMembers() {
  $('member-panel').hidden = true;
  $('members-button').setAttribute('aria-expanded', 'false');
}

// The notices of a room to draw when it opens.
export const noticesOf = (id) => notices.get(id) || [];

// A `member` frame: someone joined or left one of the user's rooms, was removed or banned, or got a new role.
export function onMember(frame) {
  const text = frame.room_id && frame.username ? memberNoticeText(frame) : null;
  if (!text) return;
  learnPerson(frame.username, frame.user_id);
  // The event's id orders the notice among the messages (and tells a replayed one); else the moment it came.
  const sortId = frame.event_id != null ? String(frame.event_id) : idAt(serverNow());
  if (noticesOf(frame.room_id).some((n) => n.sortId === sortId)) return;
  const notice = { sortId, text };
  const kept = [...noticesOf(frame.room_id), notice].slice(-NOTICES_KEPT);
  notices.set(frame.room_id, kept);
  if (frame.room_id !== roomId) return;
  hooks.notice(notice);
  clearTimeout(reloadTimer); // a burst of joins makes one request
  reloadTimer = setTimeout(() => {
    if (roomId === frame.room_id) loadMembers(roomId);
  }, 300);
}

export function wireMembers() {
  $('members-button').addEventListener('click', () => {
    if ($('member-panel').hidden) openMembers();
    else closeMembers();
  });
}
