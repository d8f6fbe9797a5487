// The notification feed (GET /v1/notifications, live `notification` frames): the bell with the
// unread count, the panel that lists them (a click opens the message's room and marks it read;
// "Mark all read"), and the browser's own notification while the tab is hidden — unless the room is
// muted, and only once the user allowed it with a click on the panel's button (browsers ask only
// on a user gesture). Reading a room marks its notifications read as well.
import { api } from './api.js';
import { $, element, showError } from './dom.js';
import { formatTime } from './format.js';
import { idDate } from './ids.js';
import {
  FEED_PAGE, NotificationFeed, canAskPermission, describeNotification, feedCountText, shouldAlert,
} from './notifications_data.js';
import { isMuted } from './settings.js';

const hooks = {
  open: () => {}, // (room_id) show a room
  roomName: () => null, // (room_id) the name to show for a room
};

let feed = new NotificationFeed();
let available = false; // the server has a feed
let loading = 0; // bumps on every reset, so answers meant for an earlier session are dropped

export function setNotificationHooks(h) {
  Object.assign(hooks, h);
}

export function resetNotifications() {
  feed = new NotificationFeed();
  available = false;
  loading += 1;
  closeFeed();
  render();
}

const permission = () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);

// The first page (at sign-in, after a reconnect, when the panel opens).
export async function loadFeed() {
  const load = loading;
  let page;
  try {
    page = await api('GET', `/v1/notifications?limit=${FEED_PAGE}`);
  } catch {
    return; // no feed on this server, or unreachable: the bell stays as it was
  }
  if (load !== loading) return;
  available = true;
  feed.load(page);
  render();
}

async function loadOlder() {
  const load = loading;
  const before = feed.oldest();
  if (!before) return;
  try {
    const page = await api('GET', `/v1/notifications?limit=${FEED_PAGE}&before=${encodeURIComponent(before)}`);
    if (load !== loading) return;
    feed.take(page);
    render();
  } catch (err) {
    showError(err.message);
  }
}

// A `notification` frame.
export function onNotification(n) {
  if (!n || n.notification_id == null) return;
  available = true;
  if (!feed.add(n)) return;
  render();
  if (shouldAlert(n, { hidden: document.visibilityState === 'hidden', muted: isMuted(n.room_id), permission: permission() })) popUp(n);
}

function popUp(n) {
  const { title, body } = describeNotification(n, hooks.roomName(n.room_id));
  let shown;
  try {
    shown = new Notification(title, { body, tag: String(n.notification_id) });
  } catch {
    return; // some browsers show notifications only from a service worker: the bell and the title still tell
  }
  shown.addEventListener('click', () => {
    window.focus();
    hooks.open(n.room_id);
    shown.close();
  });
}

async function postRead(body) {
  try {
    const answer = await api('POST', '/v1/notifications/read', body);
    if (answer && Number.isFinite(answer.unread)) feed.unread = answer.unread;
    render();
  } catch (err) {
    showError(err.message);
  }
}

function markRead(ids) {
  if (!feed.markRead(ids).length) return;
  render();
  postRead({ ids });
}

function markAllRead() {
  feed.markAllRead();
  render();
  postRead({ all: true });
}

// The user read a room up to `messageId`: its notifications up to there are read too. `here`: in
// this window (which tells the server); otherwise another window already did.
export function roomRead(roomId, messageId, here) {
  const ids = feed.unreadUpTo(roomId, messageId);
  if (!ids.length) return;
  if (here) {
    markRead(ids);
  } else {
    feed.markRead(ids);
    render();
  }
}

function item(n) {
  const { title, body } = describeNotification(n, hooks.roomName(n.room_id));
  const li = element('li', n.read ? 'notification' : 'notification unread');
  li.dataset.testid = 'notification-item';
  li.dataset.notificationId = n.notification_id;
  li.dataset.kind = n.kind;
  li.tabIndex = 0;
  li.setAttribute('role', 'button');
  const when = element('time', 'notification-time', formatTime(idDate(n.message_id)));
  const head = element('div', 'notification-head');
  head.append(element('span', 'notification-title', title), when);
  li.append(head, element('div', 'notification-preview', body));
  const go = () => {
    markRead([n.notification_id]);
    closeFeed();
    hooks.open(n.room_id);
  };
  li.addEventListener('click', go);
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      go();
    }
  });
  return li;
}

function render() {
  const count = $('notifications-count');
  count.textContent = feedCountText(feed.unread);
  count.hidden = !feed.unread;
  const bell = $('notifications-button');
  bell.hidden = !available;
  bell.setAttribute('aria-label', feed.unread ? `Notifications, ${feed.unread} unread` : 'Notifications');
  if ($('notifications-panel').hidden) return;
  const list = feed.list();
  $('notification-list').replaceChildren(...list.map(item));
  $('notifications-empty').hidden = list.length > 0;
  $('notifications-older').hidden = !feed.more;
  $('notifications-read-all').disabled = !feed.unread;
  $('notifications-permission').hidden = !canAskPermission(permission());
}

function openFeed() {
  $('notifications-panel').hidden = false;
  $('notifications-button').setAttribute('aria-expanded', 'true');
  render();
  loadFeed();
}

export function closeFeed() {
  $('notifications-panel').hidden = true;
  $('notifications-button').setAttribute('aria-expanded', 'false');
}

export function wireNotifications() {
  $('notifications-button').addEventListener('click', () => {
    if ($('notifications-panel').hidden) openFeed();
    else closeFeed();
  });
  $('notifications-close').addEventListener('click', closeFeed);
  $('notifications-read-all').addEventListener('click', markAllRead);
  $('notifications-older').addEventListener('click', loadOlder);
  $('notifications-permission').addEventListener('click', async () => {
    await Notification.requestPermission(); // on this click: browsers refuse to ask otherwise
    render();
  });
}
