import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { EPOCH_MS, TIMESTAMP_SHIFT } = await load('ids.js');
const { OpenRoom, RecentLive, continues, mergeMessage } = await load('messages_data.js');

const idAt = (ms) => (((BigInt(ms) - EPOCH_MS) << TIMESTAMP_SHIFT) | 1n).toString();
const T = Date.UTC(2026, 0, 1);

test('a later edit replaces the text; an older state arriving late changes nothing', () => {
  const first = { message_id: '1', text: 'v1', edited_at: null };
  const second = { message_id: '1', text: 'v2', edited_at: '2026-01-01T00:00:02Z' };
  assert.deepEqual(mergeMessage(first, second), second);
  assert.equal(mergeMessage(second, first), null);
  assert.equal(mergeMessage(undefined, first), first);
});

test('a deletion is final, even when an edit arrives after it', () => {
  const deleted = { message_id: '1', text: '', deleted: true };
  assert.equal(mergeMessage(deleted, { message_id: '1', text: 'v3', edited_at: '2030-01-01T00:00:00Z' }), null);
  const shown = { message_id: '1', text: 'v2', edited_at: '2026-01-01T00:00:02Z' };
  assert.equal(mergeMessage(shown, { ...deleted, edited_at: null }).deleted, true);
});

test('messages of one author within five minutes read as one group', () => {
  const a = { message_id: idAt(T), author_id: 'u1' };
  const b = { message_id: idAt(T + 4 * 60 * 1000), author_id: 'u1' };
  const late = { message_id: idAt(T + 10 * 60 * 1000), author_id: 'u1' };
  assert.equal(continues(a, b), true);
  assert.equal(continues(b, late), false);
  assert.equal(continues(a, { ...b, author_id: 'u2' }), false);
  assert.equal(continues(a, { ...b, deleted: true }), false);
  assert.equal(continues(null, a), false);
  assert.equal(continues(a, null), false);
});

test('the open room takes only its own messages and knows its newest by id, not by text order', () => {
  const room = new OpenRoom();
  const load = room.open('r1');
  assert.equal(room.upsert({ message_id: '9', room_id: 'r2' }), null);
  room.upsert({ message_id: '9', room_id: 'r1', author_id: 'u1' });
  room.upsert({ message_id: '10', room_id: 'r1', author_id: 'u2' });
  assert.equal(room.newestId(), '10');
  assert.deepEqual(room.sorted().map((m) => m.message_id), ['9', '10']);
  assert.equal(room.hasAuthor('u2'), true);
  assert.equal(room.hasAuthor('u3'), false);
  assert.equal(room.isCurrent(load), true);
});

test('answers meant for a room left behind are recognised as stale', () => {
  const room = new OpenRoom();
  const first = room.open('r1');
  const second = room.open('r2');
  assert.equal(room.isCurrent(first), false);
  room.close();
  assert.equal(room.isCurrent(second), false);
  assert.equal(room.roomId, null);
  assert.equal(room.newestId(), null);
});

test('live messages of closed rooms are kept for when the room opens, their latest state, bounded', () => {
  const recent = new RecentLive(2, 2);
  recent.note({ message_id: '1', room_id: 'a', text: 'v1', edited_at: null });
  recent.note({ message_id: '1', room_id: 'a', text: 'v2', edited_at: '2026-01-01T00:00:02Z' });
  recent.note({ message_id: '1', room_id: 'a', text: 'v1', edited_at: null }); // a late older state
  assert.deepEqual(recent.take('a').map((m) => m.text), ['v2']);
  assert.deepEqual(recent.take('a'), []); // taken once
  for (const id of ['1', '2', '3']) recent.note({ message_id: id, room_id: 'a' });
  assert.deepEqual(recent.take('a').map((m) => m.message_id), ['2', '3']);
  recent.note({ message_id: '1', room_id: 'r1' });
  recent.note({ message_id: '2', room_id: 'r2' });
  recent.note({ message_id: '3', room_id: 'r3' });
  assert.deepEqual(recent.take('r1'), []);
  assert.equal(recent.take('r3').length, 1);
});

test('opened at an older message, live messages wait until the newer pages have loaded, then come in order', () => {
  const room = new OpenRoom();
  room.open('r1');
  room.gap = true;
  const a = { message_id: idAt(T + 2000), room_id: 'r1', author_id: '1', text: 'b' };
  const b = { message_id: idAt(T + 1000), room_id: 'r1', author_id: '1', text: 'a' };
  room.hold(a);
  room.hold(b);
  room.hold({ ...b, text: 'edited', edited_at: '2026-01-01T00:00:05Z' });
  room.hold({ message_id: idAt(T), room_id: 'elsewhere', author_id: '1', text: 'x' });
  assert.equal(room.messages.size, 0);
  assert.deepEqual(room.release().map((m) => m.text), ['edited', 'b']);
  assert.equal(room.gap, false);
  assert.equal(room.held.size, 0);
  room.gap = true;
  room.hold(a);
  room.open('r2');
  assert.equal(room.gap, false, 'another room starts without a gap');
  assert.equal(room.held.size, 0);
});

test('a patch sets reactions or a reply count even on a deleted message, and only on one the room has', () => {
  const room = new OpenRoom();
  room.open('r1');
  const id = idAt(T);
  room.upsert({ message_id: id, room_id: 'r1', author_id: '1', text: 'x', deleted: true });
  assert.equal(room.patch(id, { reply_count: 3 }).reply_count, 3);
  assert.equal(room.get(id).deleted, true);
  assert.equal(room.patch(idAt(T + 1), { reply_count: 1 }), null);
  // A later state of the message keeps what was patched unless it says otherwise.
  const live = { message_id: idAt(T + 5), room_id: 'r1', author_id: '1', text: 'y' };
  room.upsert({ ...live, reactions: [{ emoji: '👍', count: 1, users: [] }], reply_count: 2 });
  room.upsert({ ...live, text: 'y2', edited_at: '2026-01-01T00:00:01Z' });
  assert.equal(room.get(live.message_id).reply_count, 2);
  assert.equal(room.get(live.message_id).reactions.length, 1);
});
