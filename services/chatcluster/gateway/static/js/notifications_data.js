// The notification feed: mentions of the user, direct messages to them, replies to their messages.
// A notification is {notification_id, kind, room_id, message_id, author, preview, created_at, read}
// as GET /v1/notifications lists it and a `notification` frame carries it. Pure: notifications.js
// asks the server, draws the panel and raises the browser's notifications.
import { cmpId } from './ids.js';

export const FEED_PAGE = 50;

export class NotificationFeed {
  constructor() {
    this.items = new Map(); // notification_id -> notification
    this.unread = 0; // the server's count (it may know of more than the page has loaded)
    this.more = false; // an older page may follow
  }

  // Newest first.
  list() {
    return [...this.items.values()].sort((a, b) => cmpId(b.notification_id, a.notification_id));
  }

  // The first page of GET /v1/notifications: what the feed is now.
  load(page) {
    this.items = new Map();
    this.take(page);
  }

  // An older page.
  take(page) {
    const items = page.notifications || [];
    for (const n of items) this.items.set(String(n.notification_id), { ...n, notification_id: String(n.notification_id) });
    this.unread = Math.max(0, Number(page.unread) || 0);
    this.more = items.length >= FEED_PAGE;
  }

  // The cursor of the next older page.
  oldest() {
    const list = this.list();
    return list.length ? list[list.length - 1].notification_id : null;
  }

  // A live notification; true when it is new to the page.
  add(n) {
    const id = String(n.notification_id);
    if (this.items.has(id)) return false;
    this.items.set(id, { ...n, notification_id: id });
    if (!n.read) this.unread += 1;
    return true;
  }

  // Marks notifications read here (the server's answer then gives the exact count); the ids that were unread.
  markRead(ids) {
    const changed = [];
    for (const id of ids) {
      const n = this.items.get(String(id));
      if (n && !n.read) {
        n.read = true;
        changed.push(n.notification_id);
      }
    }
    this.unread = Math.max(0, this.unread - changed.length);
    return changed;
  }

  markAllRead() {
    for (const n of this.items.values()) n.read = true;
    this.unread = 0;
  }

  // The unread notifications of the messages of a room up to `messageId` (read in the room itself).
  unreadUpTo(roomId, messageId) {
    return [...this.items.values()]
      .filter((n) => !n.read && n.room_id === roomId && cmpId(n.message_id, messageId) <= 0)
      .map((n) => n.notification_id);
  }
}

// What a notification says: "alice mentioned you in #lounge" and the message's preview.
export function describeNotification(n, roomName) {
  const where = roomName ? ` in ${roomName}` : '';
  const title = n.kind === 'mention' ? `${n.author} mentioned you${where}`
    : n.kind === 'direct' ? `${n.author} sent you a direct message`
      : n.kind === 'reply' ? `${n.author} replied to you${where}`
        : `${n.author}${where}`;
  return { title, body: n.preview || '' };
}

export const feedCountText = (n) => (n <= 0 ? '' : n > 99 ? '99+' : String(n));

// Whether a live notification also pops up as the browser's own notification: only while the tab
// is hidden, for an unread one of a room that is not muted, when the user allowed it.
export function shouldAlert(n, { hidden, muted, permission }) {
  return hidden && !muted && !n.read && permission === 'granted';
}

// Whether to offer the button that asks for the browser's permission (asked on a click only).
export const canAskPermission = (permission) => permission === 'default';
