// The rooms the signed-in user is in, the directory of rooms to join, and unread counts.
// Pure state: the sidebar (rooms.js) owns one of each and draws them.

// A direct message's room is named "alice & bob": the label is the other person.
export function dmPeer(room, me) {
  const mine = (me || '').toLowerCase();
  return room.name.split(' & ').find((n) => n.toLowerCase() !== mine) || room.name;
}

export const roomLabel = (room, me) => (room.kind === 'direct' ? dmPeer(room, me) : room.name);

export const byName = (a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' });

export class RoomBook {
  constructor() {
    this.joined = new Map(); // room_id -> room
    this.directory = []; // public rooms, joined or not
  }

  has(roomId) {
    return this.joined.has(roomId);
  }

  get(roomId) {
    return this.joined.get(roomId);
  }

  setJoined(rooms) {
    this.joined = new Map(rooms.map((r) => [r.room_id, r]));
  }

  add(room) {
    this.joined.set(room.room_id, room);
  }

  remove(roomId) {
    this.joined.delete(roomId);
  }

  // Group rooms and direct messages, each sorted by what the sidebar shows.
  sorted(me) {
    const groups = [];
    const dms = [];
    for (const room of this.joined.values()) (room.kind === 'direct' ? dms : groups).push(room);
    const order = (a, b) => byName(roomLabel(a, me), roomLabel(b, me));
    return { groups: groups.sort(order), dms: dms.sort(order) };
  }

  // Directory rooms the user has not joined.
  toJoin() {
    return this.directory.filter((r) => !this.joined.has(r.room_id));
  }

  // The name a room shows outside the sidebar: "@peer" for a direct message; null when unknown.
  displayName(roomId, me) {
    const mine = this.joined.get(roomId);
    if (mine) return mine.kind === 'direct' ? `@${roomLabel(mine, me)}` : mine.name;
    const listed = this.directory.find((r) => r.room_id === roomId);
    return listed ? listed.name : null;
  }
}

// Counts messages that arrive in rooms other than the open one; each message counts once,
// however often its event is replayed.
export class UnreadCounts {
  constructor(remember = 5000) {
    this.remember = remember;
    this.counts = new Map(); // room_id -> count
    this.counted = new Set(); // message ids already counted
  }

  // A live event of a room that is not open; true when it raised a count.
  note(event, mine) {
    const m = event.message;
    const id = String(m.message_id);
    if (event.kind !== 'created' || mine || m.deleted || this.counted.has(id)) return false;
    this.counted.add(id);
    if (this.counted.size > this.remember) this.counted = new Set([...this.counted].slice(-this.remember / 2));
    this.counts.set(m.room_id, (this.counts.get(m.room_id) || 0) + 1);
    return true;
  }

  get(roomId) {
    return this.counts.get(roomId) || 0;
  }

  clear(roomId) {
    this.counts.delete(roomId);
  }

  total() {
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }
}

export const badgeText = (n) => (n > 99 ? '99+' : String(n));
