import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  IDLE_AFTER_MS, PresenceBook, StatusReporter, dmPeerId, ownStatus, presenceLabel, presenceQuery, presenceTargets,
} = await load('presence_data.js');

test('the other person of a direct message comes from its id, whichever of the two I am', () => {
  assert.equal(dmPeerId('dm-12-345', '12'), '345');
  assert.equal(dmPeerId('dm-12-345', '345'), '12');
  assert.equal(dmPeerId('dm-12-345', '7'), null);
  assert.equal(dmPeerId('lounge', '12'), null);
  assert.equal(dmPeerId('dm-12-345-6', '12'), null);
  assert.equal(dmPeerId(null, '12'), null);
});

test('presence takes the three statuses only and says when one changed', () => {
  const book = new PresenceBook();
  assert.equal(book.get('2'), null);
  assert.equal(book.set('2', 'online'), true);
  assert.equal(book.set(2, 'online'), false);
  assert.equal(book.set('2', 'busy'), false);
  assert.equal(book.get('2'), 'online');
  assert.equal(book.merge({ 2: 'away', 3: 'offline' }), true);
  assert.equal(book.merge({ 2: 'away' }), false);
  assert.equal(book.merge(null), false);
  assert.equal(book.get('3'), 'offline');
  assert.equal(presenceLabel('away'), 'Away');
  assert.equal(presenceLabel(null), 'Offline');
});

test('the page asks for each person once, never for the user, at most one request’s worth', () => {
  assert.deepEqual(presenceTargets(['2', '3', '2', '1', null, 4], '1'), ['2', '3', '4']);
  assert.deepEqual(presenceTargets(['2', '3', '4'], '1', 2), ['2', '3']);
  assert.equal(presenceQuery(['2', '3']), 'user=2&user=3');
});

test('the user is away while the page is hidden or idle, online otherwise', () => {
  assert.equal(ownStatus({ hidden: false, idleFor: 0 }), 'online');
  assert.equal(ownStatus({ hidden: true, idleFor: 0 }), 'away');
  assert.equal(ownStatus({ hidden: false, idleFor: IDLE_AFTER_MS }), 'away');
  assert.equal(ownStatus({ hidden: false, idleFor: 10, idleAfter: 5 }), 'away');
});

test('the status goes to the server on a change only, and again after a reconnect', () => {
  const reporter = new StatusReporter();
  assert.equal(reporter.next('online'), 'online');
  assert.equal(reporter.next('online'), null);
  assert.equal(reporter.next('away'), 'away');
  assert.equal(reporter.next('away'), null);
  reporter.reconnected(); // a new socket starts online
  assert.equal(reporter.next('away'), 'away');
  reporter.reconnected();
  assert.equal(reporter.next('online'), null);
});
