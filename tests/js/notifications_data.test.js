import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  FEED_PAGE, NotificationFeed, canAskPermission, describeNotification, feedCountText, shouldAlert,
} = await load('notifications_data.js');

const note = (id, extra = {}) => ({
  notification_id: id, kind: 'mention', room_id: 'r', message_id: id, author: 'bob', preview: 'hi', created_at: '', read: false, ...extra,
});

test('the feed lists notifications newest first, by id and not by string order', () => {
  const feed = new NotificationFeed();
  feed.load({ notifications: [note('9'), note('100', { read: true }), note('20')], unread: 2 });
  assert.deepEqual(feed.list().map((n) => n.notification_id), ['100', '20', '9']);
  assert.equal(feed.unread, 2);
  assert.equal(feed.oldest(), '9');
  assert.equal(feed.more, false);
});

test('a full page says an older one may follow', () => {
  const feed = new NotificationFeed();
  const page = Array.from({ length: FEED_PAGE }, (_, i) => note(String(1000 + i)));
  feed.load({ notifications: page, unread: FEED_PAGE + 5 });
  assert.equal(feed.more, true);
  feed.take({ notifications: [note('5')], unread: FEED_PAGE + 5 });
  assert.equal(feed.more, false);
  assert.equal(feed.list().length, FEED_PAGE + 1);
  assert.equal(feed.unread, FEED_PAGE + 5);
});

test('a live notification is added once and raises the unread count once', () => {
  const feed = new NotificationFeed();
  feed.load({ notifications: [], unread: 0 });
  assert.equal(feed.add(note('5')), true);
  assert.equal(feed.add(note('5')), false);
  assert.equal(feed.add(note('6', { read: true })), true);
  assert.equal(feed.unread, 1);
});

test('marking one read lowers the count once; marking all read clears it', () => {
  const feed = new NotificationFeed();
  feed.load({ notifications: [note('1'), note('2'), note('3', { read: true })], unread: 2 });
  assert.deepEqual(feed.markRead(['1', '3', '404']), ['1']);
  assert.deepEqual(feed.markRead(['1']), []);
  assert.equal(feed.unread, 1);
  feed.markAllRead();
  assert.equal(feed.unread, 0);
  assert.ok(feed.list().every((n) => n.read));
});

test('reading a room finds its unread notifications up to the message read', () => {
  const feed = new NotificationFeed();
  feed.load({ notifications: [note('10'), note('20'), note('30', { room_id: 'other' }), note('5', { read: true })], unread: 3 });
  assert.deepEqual(feed.unreadUpTo('r', '20').sort(), ['10', '20']);
  assert.deepEqual(feed.unreadUpTo('r', '15'), ['10']);
});

test('a notification says who did what where', () => {
  assert.deepEqual(describeNotification(note('1'), '#lounge'), { title: 'bob mentioned you in #lounge', body: 'hi' });
  assert.equal(describeNotification(note('1', { kind: 'direct' }), '@bob').title, 'bob sent you a direct message');
  assert.equal(describeNotification(note('1', { kind: 'reply' }), '#lounge').title, 'bob replied to you in #lounge');
  assert.equal(describeNotification(note('1', { kind: 'tip', preview: null }), null).body, '');
  assert.equal(describeNotification(note('1', { kind: 'tip' }), null).title, 'bob');
});

test('the feed count is empty at zero and stops at 99+', () => {
  assert.equal(feedCountText(0), '');
  assert.equal(feedCountText(4), '4');
  assert.equal(feedCountText(100), '99+');
});

test('the browser notification shows only while the tab is hidden, unmuted, unread and allowed', () => {
  const allowed = { hidden: true, muted: false, permission: 'granted' };
  assert.equal(shouldAlert(note('1'), allowed), true);
  assert.equal(shouldAlert(note('1'), { ...allowed, hidden: false }), false);
  assert.equal(shouldAlert(note('1'), { ...allowed, muted: true }), false);
  assert.equal(shouldAlert(note('1'), { ...allowed, permission: 'default' }), false);
  assert.equal(shouldAlert(note('1', { read: true }), allowed), false);
  assert.equal(canAskPermission('default'), true);
  assert.equal(canAskPermission('denied'), false);
  assert.equal(canAskPermission('granted'), false);
});
