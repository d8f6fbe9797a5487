import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { RoomBook, UnreadCounts, badgeText, dmPeer, roomLabel } = await load('rooms_data.js');

const created = (id, room = 'r1', extra = {}) => ({ kind: 'created', message: { message_id: id, room_id: room, ...extra } });

test('each new message of someone else counts once, however often its event is replayed', () => {
  const unread = new UnreadCounts();
  assert.equal(unread.note(created('1'), false), true);
  assert.equal(unread.note(created('1'), false), false);
  assert.equal(unread.note(created('2', 'r2'), false), true);
  assert.equal(unread.get('r1'), 1);
  assert.equal(unread.get('r2'), 1);
  assert.equal(unread.total(), 2);
});

test('own messages, edits and deletions do not count as unread', () => {
  const unread = new UnreadCounts();
  assert.equal(unread.note(created('1'), true), false);
  assert.equal(unread.note({ kind: 'edited', message: { message_id: '2', room_id: 'r1' } }, false), false);
  assert.equal(unread.note(created('3', 'r1', { deleted: true }), false), false);
  assert.equal(unread.total(), 0);
});

test('opening a room clears its count', () => {
  const unread = new UnreadCounts();
  unread.note(created('1'), false);
  unread.clear('r1');
  assert.equal(unread.get('r1'), 0);
  assert.equal(unread.note(created('1'), false), false); // still remembered as counted
});

test('the memory of counted messages stays bounded, keeping the latest', () => {
  const unread = new UnreadCounts(10);
  for (let i = 0; i < 11; i += 1) unread.note(created(String(i)), false);
  assert.equal(unread.counted.size, 5);
  assert.equal(unread.note(created('10'), false), false);
  assert.equal(unread.get('r1'), 11);
});

test('a badge shows at most 99+', () => {
  assert.equal(badgeText(7), '7');
  assert.equal(badgeText(99), '99');
  assert.equal(badgeText(100), '99+');
});

test('a direct message is labelled with the other person, whatever the case of the names', () => {
  const dm = { room_id: 'd', kind: 'direct', name: 'Alice & bob' };
  assert.equal(dmPeer(dm, 'alice'), 'bob');
  assert.equal(dmPeer(dm, 'BOB'), 'Alice');
  assert.equal(roomLabel(dm, 'bob'), 'Alice');
  assert.equal(roomLabel({ kind: 'group', name: 'lounge' }, 'bob'), 'lounge');
});

test('rooms sort by label, the directory lists only rooms not joined, and names resolve', () => {
  const book = new RoomBook();
  book.setJoined([
    { room_id: '1', kind: 'group', name: 'zoo' },
    { room_id: '2', kind: 'group', name: 'Attic' },
    { room_id: '3', kind: 'direct', name: 'me & Zed' },
    { room_id: '4', kind: 'direct', name: 'me & amy' },
  ]);
  book.directory = [{ room_id: '1', name: 'zoo' }, { room_id: '9', name: 'garden' }];
  const { groups, dms } = book.sorted('me');
  assert.deepEqual(groups.map((r) => r.name), ['Attic', 'zoo']);
  assert.deepEqual(dms.map((r) => r.room_id), ['4', '3']);
  assert.deepEqual(book.toJoin().map((r) => r.room_id), ['9']);
  assert.equal(book.displayName('3', 'me'), '@Zed');
  assert.equal(book.displayName('9', 'me'), 'garden');
  assert.equal(book.displayName('404', 'me'), null);
});
