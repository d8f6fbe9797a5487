// The rooms the signed-in user is in and the directory of rooms to join (unread counts are
// read_state_data.js's). Pure state: the sidebar (rooms.js) owns one of each and draws them.

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
