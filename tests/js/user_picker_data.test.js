import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { Suggestions, directoryPrefix, usersQuery } = await load('user_picker_data.js');

test('the directory is asked for the typed name in lower case, without an @, and not for nothing', () => {
  assert.equal(directoryPrefix(' @Bo '), 'bo');
  assert.equal(directoryPrefix('   '), null);
  assert.equal(directoryPrefix('@'), null);
  assert.equal(usersQuery('a b&c'), '/v1/users?prefix=a%20b%26c&limit=8');
});

test('only the latest question answer is shown, without the people left out', () => {
  const s = new Suggestions();
  const first = s.ask();
  const second = s.ask();
  assert.equal(s.answer(first, [{ username: 'old' }]), false);
  assert.equal(s.answer(second, [{ username: 'me' }, { username: 'bob' }], (u) => u.username === 'me'), true);
  assert.deepEqual(s.users.map((u) => u.username), ['bob']);
  const third = s.ask();
  s.clear();
  assert.equal(s.answer(third, [{ username: 'late' }]), false);
  assert.deepEqual(s.users, []);
});

test('arrow keys move the highlight around the suggestions and wrap', () => {
  const s = new Suggestions();
  assert.equal(s.move(1), null);
  s.answer(s.ask(), [{ username: 'a' }, { username: 'b' }, { username: 'c' }]);
  assert.equal(s.current(), null);
  assert.equal(s.move(-1).username, 'c');
  assert.equal(s.move(1).username, 'a');
  assert.equal(s.move(1).username, 'b');
  assert.equal(s.current().username, 'b');
});
