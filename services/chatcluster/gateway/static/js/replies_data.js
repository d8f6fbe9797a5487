// Replies: the quote a reply shows of its original, the originals the page knows (to quote them
// without asking the server again), and what the composer is replying to. Pure: replies.js draws.

export const QUOTE_CHARS = 140;
export const NOT_AVAILABLE = 'The original message is not available.';
export const DELETED = 'This message was deleted.';

// One line of at most `max` characters (code points): whitespace collapsed, an ellipsis when cut.
export function snippet(text, max = QUOTE_CHARS) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

// What a quote shows: {author, text, missing} for an original (a message), or for none (not found).
export function quoteOf(original) {
  if (!original) return { author: '', text: NOT_AVAILABLE, missing: true };
  if (original.deleted) return { author: original.author, text: DELETED, missing: false };
  return { author: original.author, text: snippet(original.text), missing: false };
}

// The originals quoted on the page, by message id; a missing one is remembered as null (so it is
// not asked for again and again). Bounded: the least recently stored go first.
export class Originals {
  constructor(limit = 2000) {
    this.limit = limit;
    this.known = new Map(); // message_id -> message | null
  }

  has(id) {
    return this.known.has(String(id));
  }

  get(id) {
    return this.known.get(String(id)) ?? null;
  }

  // Keeps `m` (or null for `id` when the server has no such message).
  put(id, m) {
    const key = String(id);
    this.known.delete(key);
    this.known.set(key, m ?? null);
    if (this.known.size > this.limit) this.known.delete(this.known.keys().next().value);
  }

  // A newer state of a message the page already quotes (an edit, a delete); true when kept.
  update(m) {
    const key = String(m.message_id);
    if (!this.known.has(key)) return false;
    this.known.set(key, m);
    return true;
  }
}

// The composer's reply target: {room_id, message_id} or null. A draft belongs to its room.
export function replyDraftFor(draft, roomId) {
  return draft && draft.room_id === roomId ? draft : null;
}
