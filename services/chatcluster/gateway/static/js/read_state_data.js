// Read state: how far the user has read each room, what is unread (seeded from the server's room
// summaries, then counted live), where the "new messages" divider goes, when the open room may be
// marked read, and the sent ✓ / read ✓✓ of the user's messages in a direct message. Pure:
// read_state.js does the I/O and the drawing.
import { cmpId, maxId } from './ids.js';

export const UNREAD_CAP = 9999; // the server stops counting here (its summaries say `unread_capped`)

const after = (id, mark) => mark == null || cmpId(id, mark) > 0;

// One room's unread messages: what the server counted up to its summary's last message, and
// the messages counted live since, each once. Rooms the page has no summary for count live only.
class RoomRead {
  constructor(summary = {}) {
    this.marker = summary.read_marker != null ? String(summary.read_marker) : null;
    this.seeded = Math.max(0, Number(summary.unread) || 0);
    this.capped = !!summary.unread_capped;
    this.seededMentions = Math.max(0, Number(summary.unread_mentions) || 0);
    const last = summary.last_message;
    this.seededNewest = last && last.message_id != null ? String(last.message_id) : null;
    this.live = new Map(); // message_id -> mentions the user
  }

  // Whether a message is already in the server's count or before the marker.
  known(id) {
    return !after(id, this.marker) || !after(id, this.seededNewest);
  }
}

export class ReadBook {
  constructor(remember = 2000) {
    this.remember = remember; // live ids kept per room; a backlog that large is refreshed from the server anyway
    this.rooms = new Map(); // room_id -> RoomRead
  }

  // Takes the server's summaries (GET /v1/rooms or the `ready` frame) as the truth; messages
  // counted live after a summary's last message stay counted.
  seed(summaries) {
    const rooms = new Map();
    for (const s of summaries) {
      const room = new RoomRead(s);
      const old = this.rooms.get(s.room_id);
      if (old) {
        if (old.marker != null && after(old.marker, room.marker)) room.marker = old.marker; // a newer read not yet summarised
        for (const [id, mention] of old.live) if (!room.known(id)) room.live.set(id, mention);
        if (!after(room.seededNewest ?? '0', room.marker)) room.seeded = room.seededMentions = 0;
      }
      rooms.set(s.room_id, room);
    }
    this.rooms = rooms;
  }

  room(roomId) {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new RoomRead();
      this.rooms.set(roomId, room);
    }
    return room;
  }

  // A live message event; true when it raised a count. The user's own messages, edits, deletions
  // and anything already read or already counted do not count.
  note(event, { mine = false, mentionsMe = false } = {}) {
    const m = event.message;
    if (event.kind !== 'created' || mine || m.deleted) return false;
    const id = String(m.message_id);
    const room = this.room(m.room_id);
    if (room.known(id) || room.live.has(id)) return false;
    room.live.set(id, !!mentionsMe);
    if (room.live.size > this.remember) room.live.delete(room.live.keys().next().value);
    return true;
  }

  // A message the user deleted or that was deleted stops counting when it was counted live.
  unnote(roomId, messageId) {
    const room = this.rooms.get(roomId);
    return !!room && room.live.delete(String(messageId));
  }

  // The marker moved to `messageId` (this window, another of the user's, or the server's answer).
  // `changed`: the counts or the marker moved; `complete`: the counts are exact, otherwise part of
  // the server's count lies beyond the marker and only a fresh summary can say how much.
  read(roomId, messageId) {
    const id = String(messageId);
    const room = this.room(roomId);
    const moved = after(id, room.marker);
    if (moved) room.marker = id;
    let changed = moved;
    for (const seen of [...room.live.keys()]) {
      if (!after(seen, id)) {
        room.live.delete(seen);
        changed = true;
      }
    }
    let complete = true;
    if (room.seeded || room.seededMentions) {
      if (!after(room.seededNewest ?? '0', id)) {
        room.seeded = room.seededMentions = 0;
        room.capped = false;
        changed = true;
      } else if (moved) {
        complete = false;
      }
    }
    return { changed, complete };
  }

  marker(roomId) {
    const room = this.rooms.get(roomId);
    return room ? room.marker : null;
  }

  // {count, capped, mentions} of a room.
  unread(roomId) {
    const room = this.rooms.get(roomId);
    if (!room) return { count: 0, capped: false, mentions: 0 };
    let mentions = room.seededMentions;
    for (const mention of room.live.values()) if (mention) mentions += 1;
    const count = room.seeded + room.live.size;
    return { count: Math.min(count, UNREAD_CAP), capped: room.capped || count > UNREAD_CAP, mentions };
  }

  // The unread messages of every room `counts(room_id)` accepts (muted rooms are left out).
  total(counts = () => true) {
    let count = 0;
    let capped = false;
    for (const roomId of this.rooms.keys()) {
      if (!counts(roomId)) continue;
      const u = this.unread(roomId);
      count += u.count;
      capped = capped || u.capped;
    }
    return { count: Math.min(count, UNREAD_CAP), capped: capped || count > UNREAD_CAP };
  }

  forget(roomId) {
    this.rooms.delete(roomId);
  }
}

export const badgeText = (n, capped = false) => (n > 99 || (capped && n > 0) ? '99+' : String(n));

// "(3) ChatCluster", "(9999+) ChatCluster", or the bare name when nothing is unread.
export function titleText(total, base = 'ChatCluster') {
  if (!total.count) return base;
  return `(${total.capped ? `${UNREAD_CAP}+` : total.count}) ${base}`;
}

// The message the open room may be marked read up to: its newest message, once the page is
// visible, the room open and scrolled to the bottom, and only when that is past what is marked
// (or already being marked); null otherwise.
export function readTarget({ visible, open, atBottom, newest, marker, sending }) {
  if (!visible || !open || !atBottom || newest == null) return null;
  return after(String(newest), maxId(marker, sending)) ? String(newest) : null;
}

// The message the "new messages" divider goes before: the first one after `marker` that someone
// else wrote and that is not deleted; null for none. `messages` are in id order.
export function dividerBefore(messages, marker, isMine) {
  for (const m of messages) {
    if (after(String(m.message_id), marker) && !m.deleted && !isMine(m.author_id)) return String(m.message_id);
  }
  return null;
}

// How far the other people of each room have read, from the room's receipts and `read` frames.
export class ReceiptBook {
  constructor() {
    this.rooms = new Map(); // room_id -> Map(user_id -> message_id)
  }

  // True when the user's marker moved forward.
  note(roomId, userId, messageId) {
    if (messageId == null) return false;
    let users = this.rooms.get(roomId);
    if (!users) {
      users = new Map();
      this.rooms.set(roomId, users);
    }
    const user = String(userId);
    const id = String(messageId);
    if (!after(id, users.get(user) ?? null)) return false;
    users.set(user, id);
    return true;
  }

  // The furthest any other member of the room has read; null when none has.
  furthestOthers(roomId, me) {
    let furthest = null;
    for (const [user, id] of this.rooms.get(roomId) || []) if (user !== String(me)) furthest = maxId(furthest, id);
    return furthest;
  }

  forget(roomId) {
    this.rooms.delete(roomId);
  }
}

// The mark on one of the user's messages in a direct message: 'read' (✓✓) once the other person
// has read that far, 'sent' (✓) otherwise; null for others' messages, deleted ones, and groups.
export function receiptOf(m, { mine, direct, othersRead }) {
  if (!mine || !direct || m.deleted) return null;
  return othersRead != null && !after(String(m.message_id), othersRead) ? 'read' : 'sent';
}

export const RECEIPT_TEXT = { sent: '✓', read: '✓✓' };
export const RECEIPT_TITLE = { sent: 'Sent', read: 'Read' };
