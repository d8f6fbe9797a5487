import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { Thread, countAfter, repliesPath, replyCountText } = await load('thread_data.js');

const msg = (id, replyTo = null, extra = {}) => ({ message_id: id, room_id: 'r1', author: 'a', text: `m${id}`, reply_to: replyTo, ...extra });

test('a thread holds its message and the replies to it, nothing of other rooms or threads', () => {
  const thread = new Thread('r1', '10');
  assert.equal(thread.holds(msg('10')), true);
  assert.equal(thread.holds(msg('11', '10')), true);
  assert.equal(thread.holds(msg('12', '99')), false);
  assert.equal(thread.holds(msg('13')), false);
  assert.equal(thread.holds({ ...msg('14', '10'), room_id: 'r2' }), false);
  assert.equal(thread.upsert(msg('12', '99')), null);
});

test('replies come out oldest first whatever order they arrived in; edits merge; a deletion is final', () => {
  const thread = new Thread('r1', 10);
  thread.takePage({ messages: [msg('30', '10'), msg('20', '10')], before: null });
  thread.upsert(msg('100', '10'));
  thread.upsert(msg('10'));
  assert.deepEqual(thread.sorted().map((m) => m.message_id), ['20', '30', '100']);
  assert.equal(thread.parent.text, 'm10');
  thread.upsert(msg('20', '10', { text: 'edited', edited_at: '2026-01-01T00:00:01Z' }));
  thread.upsert(msg('20', '10', { text: 'older edit', edited_at: '2026-01-01T00:00:00Z' }));
  assert.equal(thread.replies.get('20').text, 'edited');
  thread.upsert(msg('30', '10', { deleted: true }));
  assert.equal(thread.upsert(msg('30', '10', { text: 'late' })), null);
  assert.equal(thread.replies.get('30').deleted, true);
  assert.deepEqual(thread.sorted().map((m) => m.message_id), ['20', '100'], 'a deleted reply leaves the thread');
});

test('the cursor of earlier replies comes from the first page, then from each earlier page', () => {
  const thread = new Thread('r1', '10');
  thread.takePage({ messages: [msg('50', '10')], before: '50' });
  assert.equal(thread.before, '50');
  assert.equal(thread.loaded, true);
  thread.takePage({ messages: [msg('40', '10')], before: null }, { older: true });
  assert.equal(thread.before, null);
  assert.deepEqual(thread.sorted().map((m) => m.message_id), ['40', '50']);
});

test('the replies path pages with before or after', () => {
  assert.equal(repliesPath('/v1/rooms/r1', '10'), '/v1/rooms/r1/messages/10/replies?limit=100');
  assert.equal(repliesPath('/v1/rooms/r1', '10', { before: '5', limit: 20 }), '/v1/rooms/r1/messages/10/replies?limit=20&before=5');
  assert.equal(repliesPath('/v1/rooms/r1', '10', { after: '7' }), '/v1/rooms/r1/messages/10/replies?limit=100&after=7');
});

test('a live reply counts once, when it is new; a deleted one stops counting; edits and repeats change nothing', () => {
  const created = { kind: 'created', message: msg('11', '10') };
  const known = msg('11', '10');
  assert.equal(countAfter(2, created, null), 3);
  assert.equal(countAfter(2, created, known), 2, 'seen before (a replay)');
  assert.equal(countAfter(undefined, created, null), 1);
  assert.equal(countAfter(2, { kind: 'edited', message: msg('11', '10', { text: 'x' }) }, known), 2);
  assert.equal(countAfter(2, { kind: 'created', message: msg('11', '10', { deleted: true }) }, null), 2);
  const deleted = { kind: 'deleted', message: msg('11', '10', { deleted: true }) };
  assert.equal(countAfter(2, deleted, known), 1);
  assert.equal(countAfter(2, deleted, { ...known, deleted: true }), 2, 'deleted again (a replay)');
  assert.equal(countAfter(2, deleted, null), 2, 'a reply the page never saw: the next load tells');
  assert.equal(countAfter(0, deleted, known), 0);
});

test('the count reads as a phrase', () => {
  assert.equal(replyCountText(1), '1 reply');
  assert.equal(replyCountText(2), '2 replies');
});
