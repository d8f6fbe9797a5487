import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  LatestEvents, byRole, canManage, isOwner, memberActions, memberNoticeText, mergeRoom, removedText, settingsChanges,
} = await load('room_settings_data.js');

const group = (role) => ({ room_id: 'r', kind: 'group', name: 'lounge', topic: '', private: false, my_role: role });

test('owners and admins manage a group room, only the owner owns it, nobody manages a direct message', () => {
  assert.equal(canManage(group('owner')), true);
  assert.equal(canManage(group('admin')), true);
  assert.equal(canManage(group('member')), false);
  assert.equal(canManage(group(null)), false);
  assert.equal(canManage({ ...group('owner'), kind: 'direct' }), false);
  assert.equal(canManage(undefined), false);
  assert.equal(isOwner(group('owner')), true);
  assert.equal(isOwner(group('admin')), false);
});

test('an admin kicks and bans members only; the owner also promotes, demotes and hands over; nobody acts on themselves or the owner', () => {
  const member = { user_id: '2', role: 'member' };
  const admin = { user_id: '3', role: 'admin' };
  const owner = { user_id: '1', role: 'owner' };
  assert.deepEqual(memberActions('admin', '3', member), ['kick', 'ban']);
  assert.deepEqual(memberActions('admin', '9', admin), []);
  assert.deepEqual(memberActions('admin', '3', owner), []);
  assert.deepEqual(memberActions('owner', '1', member), ['promote', 'transfer', 'kick', 'ban']);
  assert.deepEqual(memberActions('owner', '1', admin), ['demote', 'transfer', 'kick', 'ban']);
  assert.deepEqual(memberActions('owner', '1', owner), []);
  assert.deepEqual(memberActions('owner', 2, member), []);
  assert.deepEqual(memberActions('member', '2', admin), []);
  assert.deepEqual(memberActions(null, '2', member), []);
});

test('members list the owner first, then admins, then members, by name within each', () => {
  const people = [
    { username: 'zed', role: 'member' }, { username: 'Amy', role: 'admin' }, { username: 'bob', role: 'owner' },
    { username: 'al', role: 'member' }, { username: 'Yan', role: 'admin' }, { username: 'old', role: undefined },
  ];
  assert.deepEqual(people.sort(byRole).map((m) => m.username), ['bob', 'Amy', 'Yan', 'al', 'old', 'zed']);
});

test('the settings form sends only what it changes, trimmed, and nothing when nothing changed', () => {
  const room = { ...group('owner'), topic: 'tea' };
  assert.equal(settingsChanges(room, { name: ' lounge ', topic: 'tea', private: false }), null);
  assert.deepEqual(settingsChanges(room, { name: 'parlour', topic: 'tea', private: false }), { name: 'parlour' });
  assert.deepEqual(settingsChanges(room, { name: 'lounge', topic: '', private: true }), { topic: '', private: true });
  assert.deepEqual(settingsChanges({ ...room, topic: undefined }, { name: 'lounge', topic: ' coffee ' }), { topic: 'coffee' });
  // An empty name goes to the server, which says what is wrong with it.
  assert.deepEqual(settingsChanges(room, { name: '  ', topic: 'tea', private: false }), { name: '' });
});

test('a room frame renames and retopics the page copy, keeping the role and the unread counts', () => {
  const known = { ...group('admin'), unread: 4 };
  const merged = mergeRoom(known, { room_id: 'r', kind: 'group', name: 'parlour', topic: 'cake', private: true });
  assert.deepEqual(merged, { ...known, name: 'parlour', topic: 'cake', private: true });
  assert.equal(known.name, 'lounge');
  assert.deepEqual(mergeRoom(undefined, { room_id: 'x', name: 'new' }), { room_id: 'x', name: 'new' });
});

test('member frames leave readable lines, none for an op the page does not know', () => {
  const f = (op, role) => memberNoticeText({ username: 'bob', op, role });
  assert.equal(f('joined'), 'bob joined the room');
  assert.equal(f('left'), 'bob left the room');
  assert.equal(f('kicked'), 'bob was removed from the room');
  assert.equal(f('banned'), 'bob was banned from the room');
  assert.equal(f('role', 'admin'), 'bob is now an admin');
  assert.equal(f('role', 'member'), 'bob is no longer an admin');
  assert.equal(f('role', 'owner'), 'bob is now the owner');
  assert.equal(f('role', 'king'), null);
  assert.equal(f('teleported'), null);
});

test('a room taken away says why when the page knows', () => {
  const room = { name: 'lounge' };
  assert.equal(removedText(room, 'deleted'), '#lounge was deleted.');
  assert.equal(removedText(room, 'kicked'), 'You were removed from #lounge.');
  assert.equal(removedText(room, 'banned'), 'You were banned from #lounge.');
  assert.equal(removedText(room, undefined), 'You are no longer in #lounge.');
  assert.equal(removedText(null, undefined), 'You are no longer in a room.');
});

test('an event older than or equal to the last one applied per key is not applied again', () => {
  const latest = new LatestEvents();
  assert.equal(latest.accept('r', '100'), true);
  assert.equal(latest.accept('r', '100'), false);
  assert.equal(latest.accept('r', '99'), false);
  assert.equal(latest.accept('r', '1000'), true); // numeric order, not string order
  assert.equal(latest.accept('other', '5'), true);
  assert.equal(latest.accept('r', null), true);
  latest.forget('r');
  assert.equal(latest.accept('r', '7'), true);
});
