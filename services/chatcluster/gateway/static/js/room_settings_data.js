// Rooms people run: who may do what in a group room (the page hides what the user may not do; the
// server is the check), what a room's settings form changes, what `room` and `member` frames do to
// the page's copy of a room, and the lines they leave in the room. Pure: room_settings.js draws.
import { cmpId } from './ids.js';

export const ROLE_LABEL = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const ROLE_RANK = { owner: 0, admin: 1, member: 2 };

const isGroup = (room) => !!room && room.kind !== 'direct';

// Owners and admins rename, set the topic, invite, kick, ban, pin and delete others' messages.
export const canManage = (room) => isGroup(room) && (room.my_role === 'owner' || room.my_role === 'admin');
// Only the owner promotes, demotes, hands the room over and deletes it.
export const isOwner = (room) => isGroup(room) && room.my_role === 'owner';

// What `myRole` may do to member `m` (never to themselves, never to the owner): an admin kicks and
// bans members; the owner also makes admins, unmakes them and hands the room over.
export function memberActions(myRole, myId, m) {
  if (!m || String(m.user_id) === String(myId) || m.role === 'owner') return [];
  if (myRole === 'admin') return m.role === 'admin' ? [] : ['kick', 'ban'];
  if (myRole !== 'owner') return [];
  return [m.role === 'admin' ? 'demote' : 'promote', 'transfer', 'kick', 'ban'];
}

// Owner first, then admins, then members; by name within each.
export function byRole(a, b) {
  const rank = (m) => ROLE_RANK[m.role] ?? 2;
  return rank(a) - rank(b) || a.username.localeCompare(b.username, undefined, { sensitivity: 'base' });
}

// The PATCH body of what the settings form changes in `room`; null when nothing does. The name and
// topic go as typed, trimmed: the server says what is wrong with them.
export function settingsChanges(room, form) {
  const body = {};
  const name = (form.name ?? '').trim();
  const topic = (form.topic ?? '').trim();
  if (name !== room.name) body.name = name;
  if (topic !== (room.topic || '')) body.topic = topic;
  if (!!form.private !== !!room.private) body.private = !!form.private;
  return Object.keys(body).length ? body : null;
}

// The page's copy of a room after a `room` frame or an answer that carries the room: the new name,
// topic and privacy, keeping what only the room list knows (the user's role, unread counts).
export function mergeRoom(known, room) {
  if (!known) return room;
  const next = { ...known };
  for (const key of ['name', 'topic', 'private', 'kind', 'created_by', 'created_at', 'my_role']) {
    if (room[key] !== undefined) next[key] = room[key];
  }
  return next;
}

// The line a `member` frame leaves in its room; null for an op the page does not know.
export function memberNoticeText(frame) {
  const who = frame.username;
  switch (frame.op) {
    case 'joined': return `${who} joined the room`;
    case 'left': return `${who} left the room`;
    case 'kicked': return `${who} was removed from the room`;
    case 'banned': return `${who} was banned from the room`;
    case 'role':
      if (frame.role === 'owner') return `${who} is now the owner`;
      if (frame.role === 'admin') return `${who} is now an admin`;
      if (frame.role === 'member') return `${who} is no longer an admin`;
      return null;
    default: return null;
  }
}

// What the user reads when a room leaves their list without their asking.
export function removedText(room, reason) {
  const name = room && room.name ? `#${room.name}` : 'a room';
  if (reason === 'deleted') return `${name} was deleted.`;
  if (reason === 'banned') return `You were banned from ${name}.`;
  if (reason === 'kicked') return `You were removed from ${name}.`;
  return `You are no longer in ${name}.`;
}

// The latest event applied per key (a room's settings, a message's pin): a replayed or late
// older event changes nothing.
export class LatestEvents {
  constructor() {
    this.last = new Map();
  }

  // True when `eventId` is newer than what `key` saw (an event without an id always applies).
  accept(key, eventId) {
    if (eventId == null) return true;
    const seen = this.last.get(key);
    if (seen != null && cmpId(String(eventId), seen) <= 0) return false;
    this.last.set(key, String(eventId));
    return true;
  }

  forget(key) {
    this.last.delete(key);
  }
}
