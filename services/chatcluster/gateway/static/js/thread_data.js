// A thread: one message and its replies (messages whose reply_to names it), as the thread panel
// shows them — from GET …/messages/{id}/replies (oldest first, paged) and live events. Pure:
// thread.js draws it.
import { cmpId } from './ids.js';
import { mergeMessage } from './messages_data.js';

export const REPLIES_PAGE = 100;

export const replyCountText = (n) => (n === 1 ? '1 reply' : `${n} replies`);

// The path of a page of replies: `before` for older ones, `after` for newer ones.
export function repliesPath(roomPath, messageId, { before = null, after = null, limit = REPLIES_PAGE } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (before != null) params.set('before', String(before));
  if (after != null) params.set('after', String(after));
  return `${roomPath}/messages/${messageId}/replies?${params}`;
}

export class Thread {
  constructor(roomId, parentId) {
    this.roomId = roomId;
    this.parentId = String(parentId);
    this.parent = null;
    this.replies = new Map(); // message_id -> message
    this.before = null; // cursor of older replies not loaded yet
    this.loaded = false;
  }

  // Whether `m` is this thread's message or one of its replies.
  holds(m) {
    if (!m || m.room_id !== this.roomId) return false;
    return String(m.message_id) === this.parentId || (m.reply_to != null && String(m.reply_to) === this.parentId);
  }

  // Takes a state of the parent or of a reply; the merged message, or null when nothing changes.
  upsert(m) {
    if (!this.holds(m)) return null;
    if (String(m.message_id) === this.parentId) {
      const merged = mergeMessage(this.parent, m);
      if (merged) this.parent = merged;
      return merged;
    }
    const id = String(m.message_id);
    const merged = mergeMessage(this.replies.get(id), m);
    if (merged) this.replies.set(id, merged);
    return merged;
  }

  // The replies in id order (oldest first); deleted ones leave the thread, as on the server.
  sorted() {
    return [...this.replies.values()].filter((m) => !m.deleted).sort((a, b) => cmpId(a.message_id, b.message_id));
  }

  // A page of replies from the server.
  takePage(page, { older = false } = {}) {
    for (const m of (page && page.messages) || []) this.upsert(m);
    if (older || !this.loaded) this.before = page && page.before != null ? String(page.before) : null;
    this.loaded = true;
  }
}

// How many replies a message has after one live event of a reply, given the state of that reply
// the page had before (null when it had none). The server counts the replies that are not
// deleted: a reply counts once, when it first arrives, and stops counting when a reply the page
// knew is deleted. (The server's own count, in every message it answers, replaces this whenever
// the message is loaded again.)
export function countAfter(count, event, before) {
  const n = Number(count) || 0;
  const m = event.message;
  if (event.kind === 'created' && !before && !m.deleted) return n + 1;
  if (m.deleted && before && !before.deleted) return Math.max(0, n - 1);
  return n;
}
