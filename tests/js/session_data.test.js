import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { REFRESH_LEAD_MS, parseSession, refreshDelay, refreshFailure, sessionFromToken, storedChange } = await load('session_data.js');

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (ms) => new Date(ms).toISOString();
const session = (refresh, expiresMs) => ({
  access_token: `a-${expiresMs}`, expires_at: at(expiresMs), refresh_token: refresh, user_id: '7', username: 'alice',
});

test('the session kept is what the token answer says, with the user id as a string', () => {
  const token = {
    access_token: 'a', token_type: 'bearer', expires_at: at(NOW), refresh_token: '1.s', session_id: '1', user_id: '7', username: 'alice',
  };
  assert.deepEqual(sessionFromToken(token), { access_token: 'a', expires_at: at(NOW), refresh_token: '1.s', user_id: '7', username: 'alice' });
});

test('a saved session needs its tokens; corrupt and older-format entries are no session', () => {
  assert.deepEqual(parseSession(JSON.stringify(session('1.s', NOW))), session('1.s', NOW));
  assert.equal(parseSession(null), null);
  assert.equal(parseSession('{not json'), null);
  assert.equal(parseSession(JSON.stringify({ token: 'old', user_id: '7', username: 'alice' })), null);
});

test('an access token is refreshed a minute before it expires, or halfway through a shorter life', () => {
  assert.equal(refreshDelay(session('r', NOW + 15 * 60000), NOW), 15 * 60000 - REFRESH_LEAD_MS);
  assert.equal(refreshDelay(session('r', NOW + 4000), NOW), 2000);
  assert.equal(refreshDelay(session('r', NOW - 1), NOW), 0);
  assert.equal(refreshDelay({ expires_at: 'garbage' }, NOW), 0);
});

test('a tab follows what another tab did to the shared session', () => {
  const mine = session('1.s', NOW);
  assert.equal(storedChange(mine, session('1.s', NOW + 900000)), 'renewed');
  assert.equal(storedChange(mine, session('1.s', NOW)), 'same');
  assert.equal(storedChange(session('1.s', NOW + 900000), mine), 'same'); // an older token never replaces a newer one
  assert.equal(storedChange(mine, session('2.t', NOW)), 'switched');
  assert.equal(storedChange(mine, null), 'signed-out');
  assert.equal(storedChange(null, mine), 'signed-in');
  assert.equal(storedChange(null, null), 'same');
});

test('a refused refresh ends the session; an unreachable or busy server does not', () => {
  assert.equal(refreshFailure(401), 'ended');
  assert.equal(refreshFailure(422), 'ended');
  assert.equal(refreshFailure(429), 'unavailable');
  assert.equal(refreshFailure(503), 'unavailable');
  assert.equal(refreshFailure(0), 'unavailable');
});
