// The open room's messages: which state of a message wins, how they group, where history
// continues. Pure: messages.js draws them.
import { cmpId, idDate, maxId } from './ids.js';

export const PAGE_SIZE = 50;
const GROUP_WITHIN_MS = 5 * 60 * 1000;

// A message's version: its last edit, 0 when never edited.
export const editedMs = (m) => (m.edited_at ? Date.parse(m.edited_at) : 0);

// What a message becomes when `m` arrives and `known` is what the page has: null when `m` is
// stale (a tombstone is final; an older edit arriving late changes nothing).
export function mergeMessage(known, m) {
  if (!known) return m;
  if (known.deleted) return null;
  if (!m.deleted && editedMs(m) < editedMs(known)) return null;
  return { ...known, ...m };
}

// Whether `m` reads as a continuation of `prev`: same author within five minutes, neither deleted.
export function continues(prev, m) {
  if (!m || !prev || m.deleted || prev.deleted || prev.author_id !== m.author_id) return false;
  const a = idDate(prev.message_id);
  const b = idDate(m.message_id);
  return !!(a && b && b - a < GROUP_WITHIN_MS);
}

export class OpenRoom {
  constructor() {
    this.roomId = null;
    this.messages = new Map(); // message_id -> message
    this.before = null; // cursor of the next older page
    this.historyLoaded = false;
    this.loadingOlder = false;
    this.load = 0; // bumps on every switch, so answers meant for an earlier room are dropped
    // Opened at an older message (around=): newer messages exist that are not loaded yet. Live
    // messages wait in `held` until the pages in between have loaded (the list has no holes).
    this.gap = false;
    this.newer = null; // cursor of the next newer page while there is a gap
    this.loadingNewer = false;
    this.held = new Map();
  }

  // Starts showing `roomId` with nothing loaded; the new load number.
  open(roomId) {
    this.roomId = roomId;
    this.messages.clear();
    this.before = null;
    this.historyLoaded = false;
    this.loadingOlder = false;
    this.clearGap();
    this.load += 1;
    return this.load;
  }

  close() {
    this.roomId = null;
    this.messages.clear();
    this.before = null;
    this.historyLoaded = false;
    this.clearGap();
    this.load += 1;
  }

  clearGap() {
    this.gap = false;
    this.newer = null;
    this.loadingNewer = false;
    this.held = new Map();
  }

  // A live message of the room while newer pages are missing: kept for when they have loaded.
  hold(m) {
    if (m.room_id !== this.roomId) return;
    const id = String(m.message_id);
    const merged = mergeMessage(this.held.get(id), m);
    if (merged) this.held.set(id, merged);
  }

  // The gap closed: the held messages, oldest first, to take in; none are held any more.
  release() {
    const held = [...this.held.values()].sort((a, b) => cmpId(a.message_id, b.message_id));
    this.clearGap();
    return held;
  }

  isCurrent(load) {
    return load === this.load;
  }

  get(id) {
    return this.messages.get(String(id));
  }

  // Takes `m` into the room; the merged message to draw, or null when nothing changes.
  upsert(m) {
    if (m.room_id !== this.roomId) return null;
    const id = String(m.message_id);
    const merged = mergeMessage(this.messages.get(id), m);
    if (merged) this.messages.set(id, merged);
    return merged;
  }

  // Sets fields the server keeps beside a message's own state (reply_count, reactions): no edit
  // order applies to them. The changed message, or null when the room does not have it.
  patch(id, changes) {
    const known = this.messages.get(String(id));
    if (!known) return null;
    const patched = { ...known, ...changes };
    this.messages.set(String(id), patched);
    return patched;
  }

  // The messages in id order.
  sorted() {
    return [...this.messages.values()].sort((a, b) => cmpId(a.message_id, b.message_id));
  }

  newestId() {
    let newest = null;
    for (const id of this.messages.keys()) newest = maxId(newest, id);
    return newest;
  }

  hasAuthor(authorId) {
    for (const m of this.messages.values()) if (m.author_id === authorId) return true;
    return false;
  }
}

// The latest live messages of the rooms that are not open, so a room opened while its history
// still lags behind the persister shows them anyway (its history and these merge as any two
// states of a message do). Bounded per room and in rooms.
export class RecentLive {
  constructor(perRoom = PAGE_SIZE, rooms = 200) {
    this.perRoom = perRoom;
    this.maxRooms = rooms;
    this.rooms = new Map(); // room_id -> Map(message_id -> message), oldest first
  }

  note(m) {
    let kept = this.rooms.get(m.room_id);
    if (!kept) {
      kept = new Map();
      this.rooms.set(m.room_id, kept);
      if (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value);
    }
    const id = String(m.message_id);
    const merged = mergeMessage(kept.get(id), m);
    if (merged) {
      kept.delete(id);
      kept.set(id, merged);
    }
    if (kept.size > this.perRoom) kept.delete(kept.keys().next().value);
  }

  // The messages kept for a room, which are then forgotten (the open room takes over).
  take(roomId) {
    const kept = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    return kept ? [...kept.values()] : [];
  }
}
