import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { load } from './static.js';

const { EPOCH_MS, TIMESTAMP_SHIFT, cmpId, idAt, idDate, maxId, newClientId } = await load('ids.js');

test('ids compare as numbers, not as text, even beyond what a JS number holds exactly', () => {
  assert.ok(cmpId('9', '10') < 0);
  assert.ok(cmpId('10', '9') > 0);
  assert.equal(cmpId('9223372036854775806', '9223372036854775806'), 0);
  assert.ok(cmpId('9223372036854775806', '9223372036854775807') < 0); // equal as JS numbers
  assert.ok(cmpId(123, '122') > 0);
});

test('the larger of two ids wins and a missing one is ignored', () => {
  assert.equal(maxId(null, '5'), '5');
  assert.equal(maxId('5', null), '5');
  assert.equal(maxId('99', '100'), '100');
  assert.equal(maxId(null, null), null);
});

test('an id tells when it was minted, to the millisecond', () => {
  const at = Date.UTC(2026, 10, 23, 12, 34, 56, 789);
  const id = ((BigInt(at) - EPOCH_MS) << TIMESTAMP_SHIFT) | (7n << 12n) | 42n;
  assert.equal(idDate(id.toString()).toISOString(), '2026-11-23T12:34:56.789Z');
  assert.equal(idDate('not an id'), null);
});

test('the id of a moment sorts before every message minted in it and after those minted before', () => {
  const at = Date.UTC(2026, 10, 23, 12, 34, 56, 789);
  const sameMs = (((BigInt(at) - EPOCH_MS) << TIMESTAMP_SHIFT) | 5n).toString();
  const earlier = (((BigInt(at - 1) - EPOCH_MS) << TIMESTAMP_SHIFT) | 4095n).toString();
  assert.ok(cmpId(idAt(at), sameMs) < 0);
  assert.ok(cmpId(idAt(at), earlier) > 0);
  assert.equal(idDate(idAt(at + 0.5)).toISOString(), '2026-11-23T12:34:56.789Z');
});

test('the Snowflake layout is the server one', () => {
  const server = readFileSync(new URL('../../services/chatcluster/ids.py', import.meta.url), 'utf8');
  const constant = (name) => BigInt(server.match(new RegExp(`^${name} = ([0-9_]+)`, 'm'))[1].replaceAll('_', ''));
  assert.equal(EPOCH_MS, constant('EPOCH_MS'));
  assert.equal(TIMESTAMP_SHIFT, constant('WORKER_BITS') + constant('SEQUENCE_BITS'));
});

test('client ids are random and never repeat', () => {
  const a = newClientId();
  assert.match(a, /^web-[0-9a-f]{32}$/);
  assert.notEqual(a, newClientId());
});
