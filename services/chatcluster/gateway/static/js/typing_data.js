// "alice is typing…": who is typing where, forgotten a few seconds after their last `typing` frame
// or as soon as their message arrives; and when the page tells the server the user is typing (at
// most every few seconds per room, as the server forwards at most that often). Pure: typing.js
// does the I/O and the drawing.

export const TYPING_SEND_EVERY_MS = 3000;
// The server forwards at most one frame per person every 3 s while they type and never says they
// stopped: two of those periods without one means they did.
export const TYPING_SHOWN_MS = 6000;

export class TypingBook {
  constructor(shownMs = TYPING_SHOWN_MS) {
    this.shownMs = shownMs;
    this.rooms = new Map(); // room_id -> Map(user_id -> {username, until})
  }

  // A `typing` frame.
  note(roomId, userId, username, now) {
    let people = this.rooms.get(roomId);
    if (!people) {
      people = new Map();
      this.rooms.set(roomId, people);
    }
    people.delete(String(userId)); // re-inserted last: names show in the order people started typing again
    people.set(String(userId), { username, until: now + this.shownMs });
  }

  // Their message arrived (or they left): they are no longer typing; true when they were shown.
  stop(roomId, userId) {
    const people = this.rooms.get(roomId);
    return !!people && people.delete(String(userId));
  }

  // The names typing in a room at `now`, in the order they started; expired ones are dropped.
  who(roomId, now) {
    const people = this.rooms.get(roomId);
    if (!people) return [];
    const names = [];
    for (const [id, p] of people) {
      if (p.until <= now) people.delete(id);
      else names.push(p.username);
    }
    if (!people.size) this.rooms.delete(roomId);
    return names;
  }

  // When the next name in the room expires (for the redraw), or null.
  nextExpiry(roomId) {
    let next = null;
    for (const p of (this.rooms.get(roomId) || new Map()).values()) if (next == null || p.until < next) next = p.until;
    return next;
  }

  clear() {
    this.rooms.clear();
  }
}

export function typingText(names) {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  return 'Several people are typing…';
}

// Whether to send a `typing` frame for a room now, at most one per room every `everyMs`.
export class TypingSender {
  constructor(everyMs = TYPING_SEND_EVERY_MS) {
    this.everyMs = everyMs;
    this.last = new Map(); // room_id -> when the last frame went
  }

  // Called on every keystroke that leaves text in the composer; true when a frame should go.
  shouldSend(roomId, now) {
    const last = this.last.get(roomId);
    if (last != null && now - last < this.everyMs) return false;
    this.last.set(roomId, now);
    return true;
  }

  // The message was sent: the next keystroke starts a new burst at once.
  sent(roomId) {
    this.last.delete(roomId);
  }
}
