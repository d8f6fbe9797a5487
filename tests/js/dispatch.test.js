import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { createDispatcher, parseFrame } = await load('dispatch.js');

test('a frame is a JSON object with a type; anything else is dropped', () => {
  assert.deepEqual(parseFrame('{"type":"ready"}'), { type: 'ready' });
  for (const data of ['not json', 'null', '42', '"ready"', '[{"type":"ready"}]', '{"kind":"ready"}', '{"type":7}']) {
    assert.equal(parseFrame(data), null, data);
  }
  assert.equal(parseFrame(new ArrayBuffer(4)), null);
});

test('each frame goes to the handler of its type, with what the socket knows', () => {
  const seen = [];
  const dispatch = createDispatcher({
    event: (frame, info) => seen.push(['event', frame.n, info]),
    ack: (frame) => seen.push(['ack', frame.n]),
  });
  assert.equal(dispatch({ type: 'event', n: 1 }, { reconnect: false }), true);
  assert.equal(dispatch({ type: 'ack', n: 2 }), true);
  assert.deepEqual(seen, [['event', 1, { reconnect: false }], ['ack', 2]]);
});

test('a frame type the page does not know is ignored, including names every object has', () => {
  const dispatch = createDispatcher({ ready: () => assert.fail('not a ready frame') });
  for (const type of ['reaction', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    assert.equal(dispatch({ type }), false, type);
  }
});
