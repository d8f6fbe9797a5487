import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { Outbox, markAccepted, markFailed, startSending } = await load('outbox_data.js');
const { ApiError } = await load('errors.js');

function outboxWith(...texts) {
  const outbox = new Outbox();
  const pending = texts.map((text, i) => outbox.add('room-1', text, `web-${i}`));
  return { outbox, pending };
}

test('the echo of a socket send confirms the pending message by its client id', () => {
  const { outbox, pending } = outboxWith('hello', 'world');
  const confirmed = outbox.confirmedBy({ message_id: '100', client_id: 'web-0', room_id: 'room-1' });
  assert.deepEqual(confirmed, [pending[0]]);
});

test('a message without client id confirms the pending message the server acknowledged with its id', () => {
  const { outbox, pending } = outboxWith('hello', 'world');
  markAccepted(pending[1], 200, () => false);
  assert.deepEqual(outbox.confirmedBy({ message_id: '200', room_id: 'room-1' }), [pending[1]]);
  assert.deepEqual(outbox.confirmedBy({ message_id: '201', room_id: 'room-1' }), []);
});

test('an acknowledgement of a message already shown drops the pending copy; otherwise it reads "sent"', () => {
  const { pending } = outboxWith('hello', 'world');
  assert.equal(markAccepted(pending[0], '300', (id) => id === '300'), true);
  assert.equal(markAccepted(pending[1], '301', (id) => id === '300'), false);
  assert.equal(pending[1].status, 'sent');
  assert.equal(pending[1].message_id, '301');
});

test('acks and errors of the socket find their message by ref', () => {
  const { outbox, pending } = outboxWith('hello', 'world');
  pending[1].ref = outbox.nextRef();
  assert.equal(outbox.byRef(pending[1].ref), pending[1]);
  assert.equal(outbox.byRef('m999'), null);
  assert.equal(outbox.byRef(null), null);
  assert.notEqual(outbox.nextRef(), pending[1].ref);
});

test('an outage leaves the message waiting for the socket; a refusal fails it and is told', () => {
  const { outbox, pending } = outboxWith('offline', 'server down', 'too long');
  assert.equal(markFailed(pending[0], new ApiError(0, 'Cannot reach the server.')), false);
  assert.equal(markFailed(pending[1], new ApiError(503, 'the store is unavailable')), false);
  assert.equal(markFailed(pending[2], new ApiError(422, 'text: too long')), true);
  assert.deepEqual(pending.map((p) => p.status), ['waiting', 'waiting', 'failed']);
  assert.equal(pending[2].error, 'text: too long');
  assert.deepEqual(outbox.toResend(), [pending[0], pending[1]]);
});

test('socket sends never acknowledged are sent again when the socket is back; REST sends in flight are not', () => {
  const { outbox, pending } = outboxWith('over the socket', 'over REST');
  pending[0].via = 'ws';
  pending[1].via = 'rest';
  assert.deepEqual(outbox.toResend(), [pending[0]]);
  startSending(pending[1]);
  assert.equal(pending[1].error, null);
});

test('a room shows only its own pending messages, and a dropped one is gone', () => {
  const outbox = new Outbox();
  const here = outbox.add('room-1', 'here', 'web-a');
  outbox.add('room-2', 'elsewhere', 'web-b');
  assert.deepEqual(outbox.forRoom('room-1'), [here]);
  outbox.drop(here);
  assert.deepEqual(outbox.forRoom('room-1'), []);
  assert.equal(outbox.has(here), false);
  assert.equal(outbox.size, 1);
});
