import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { RoomBook, dmPeer, roomLabel } = await load('rooms_data.js');

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
