import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { BlockList, ContactBook, typedUsername } = await load('contacts_data.js');

test('a typed username loses its spaces and a leading @', () => {
  assert.equal(typedUsername('  @bob '), 'bob');
  assert.equal(typedUsername('bob'), 'bob');
  assert.equal(typedUsername(' @ '), '');
  assert.equal(typedUsername(undefined), '');
});

test('contacts sort by name whatever the case and are found by id or name', () => {
  const book = new ContactBook();
  book.set([{ user_id: 3, username: 'zed' }, { user_id: '4', username: 'Amy' }, { user_id: '5', username: 'bob' }]);
  assert.deepEqual(book.sorted().map((c) => c.username), ['Amy', 'bob', 'zed']);
  assert.equal(book.has('3'), true);
  assert.equal(book.has(6), false);
  assert.equal(book.byUsername('AMY').user_id, '4');
  assert.equal(book.byUsername('nobody'), null);
  assert.deepEqual(book.ids(), ['3', '4', '5']);
});

test('a blocks frame says who was added and who removed, and forgets the names of the unblocked', () => {
  const blocks = new BlockList();
  assert.deepEqual(blocks.setPeople([{ user_id: 2, username: 'bob' }, { user_id: '3', username: 'Amy' }]),
    { added: ['2', '3'], removed: [] });
  assert.deepEqual(blocks.people.map((p) => p.username), ['Amy', 'bob']);
  assert.equal(blocks.has(2), true);
  assert.equal(blocks.has(null), false);
  assert.deepEqual(blocks.setIds(['3', '9']), { added: ['9'], removed: ['2'] });
  assert.equal(blocks.has('2'), false);
  assert.deepEqual(blocks.people.map((p) => p.username), ['Amy']);
  assert.deepEqual(blocks.unnamed(), ['9']);
  assert.deepEqual(blocks.setIds([]), { added: [], removed: ['3', '9'] });
});

test('blocking and unblocking from the page change the list at once, keeping the ids a frame named', () => {
  const blocks = new BlockList();
  blocks.setIds(['7']);
  assert.deepEqual(blocks.add({ user_id: 5, username: 'zed' }), { added: ['5'], removed: [] });
  assert.deepEqual(blocks.add({ user_id: '5', username: 'zed' }), { added: [], removed: [] });
  assert.deepEqual(blocks.add({ user_id: '6', username: 'Amy' }), { added: ['6'], removed: [] });
  assert.deepEqual(blocks.people.map((p) => p.username), ['Amy', 'zed']);
  assert.equal(blocks.has('7'), true);
  assert.deepEqual(blocks.remove(5), { added: [], removed: ['5'] });
  assert.deepEqual(blocks.remove('404'), { added: [], removed: [] });
  assert.deepEqual(blocks.people.map((p) => p.username), ['Amy']);
  assert.deepEqual([...blocks.ids].sort(), ['6', '7']);
});
