import assert from 'node:assert/strict';
import { beforeEach, afterEach, mock, test } from 'node:test';

import { load } from './static.js';

const { MAX_BACKOFF_MS, PING_EVERY_MS, PONG_TIMEOUT_MS, Transport, reconnectDelay } = await load('transport.js');

class FakeSocket extends EventTarget {
  static OPEN = 1;
  static made = [];

  constructor(url) {
    super();
    this.url = url;
    this.readyState = FakeSocket.OPEN;
    this.sent = [];
    this.closedWith = null;
    FakeSocket.made.push(this);
  }

  send(data) {
    this.sent.push(JSON.parse(data));
  }

  close(code) {
    this.closedWith = code;
  }

  serverSends(frame) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: JSON.stringify(frame) }));
  }

  serverCloses(code) {
    this.dispatchEvent(Object.assign(new Event('close'), { code }));
  }
}

function makeTransport(token = 'tok') {
  const seen = { frames: [], statuses: [], rejected: [] };
  const transport = new Transport({
    endpoint: 'ws://chat.test/v1/ws',
    token: () => token,
    onFrame: (frame, info) => seen.frames.push([frame.type, info]),
    onStatus: (state, label) => seen.statuses.push([state, label]),
    onRejected: (refusals, used) => seen.rejected.push([refusals, used]),
    WebSocketImpl: FakeSocket,
    random: () => 1,
  });
  return { transport, seen };
}

const last = () => FakeSocket.made.at(-1);

beforeEach(() => {
  FakeSocket.made = [];
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
});
afterEach(() => mock.timers.reset());

test('the back-off doubles from half a second, is capped, and is jittered down to half', () => {
  assert.equal(reconnectDelay(0, () => 1), 500);
  assert.equal(reconnectDelay(3, () => 1), 4000);
  assert.equal(reconnectDelay(20, () => 1), MAX_BACKOFF_MS);
  assert.equal(reconnectDelay(3, () => 0), 2000);
});

test('the socket carries the token, and after events the cursor to resume from', () => {
  const { transport, seen } = makeTransport('a b');
  transport.connect();
  assert.equal(last().url, 'ws://chat.test/v1/ws?token=a%20b');
  last().serverSends({ type: 'ready' });
  last().serverSends({ type: 'event', event: { event_id: '99', message: { message_id: '1' } } });
  last().serverSends({ type: 'event', event: { event_id: '100', message: { message_id: '2' } } });
  last().serverSends({ type: 'event', event: { event_id: '98', message: { message_id: '0' } } });
  assert.equal(transport.lastEventId, '100');
  last().serverCloses(1006);
  mock.timers.tick(500);
  assert.equal(last().url, 'ws://chat.test/v1/ws?token=a%20b&since=100');
  last().serverSends({ type: 'ready' });
  assert.deepEqual(seen.frames.at(-1), ['ready', { reconnect: true, since: '100' }]);
});

test('reactions, pins and room changes move the cursor too (the server replays them after it); other frames do not', () => {
  const { transport } = makeTransport();
  transport.connect();
  last().serverSends({ type: 'ready' });
  last().serverSends({ type: 'event', event: { event_id: '100', message: { message_id: '1' } } });
  last().serverSends({ type: 'reaction', event: { event_id: '120', op: 'added', emoji: '👍' } });
  assert.equal(transport.lastEventId, '120');
  last().serverSends({ type: 'pin', event: { event_id: '130' } });
  last().serverSends({ type: 'room', event: { event_id: '140' } });
  assert.equal(transport.lastEventId, '140');
  last().serverSends({ type: 'scored', event: { event_id: '999', message_id: '1' } });
  last().serverSends({ type: 'event', event: { event_id: '998' } });
  last().serverSends({ type: 'reaction', event: {} });
  last().serverSends({ type: 'member', event_id: '997' });
  assert.equal(transport.lastEventId, '140');
});

test('reconnects wait longer after each failure and start over once the server says ready', () => {
  const { transport, seen } = makeTransport();
  transport.connect();
  last().serverCloses(1006);
  assert.deepEqual(seen.statuses.at(-1), ['offline', 'Offline · retrying in 1s']);
  mock.timers.tick(500);
  last().serverCloses(1006);
  assert.deepEqual(seen.statuses.at(-1), ['offline', 'Offline · retrying in 1s']);
  mock.timers.tick(999);
  assert.equal(FakeSocket.made.length, 2);
  mock.timers.tick(1);
  assert.equal(FakeSocket.made.length, 3);
  assert.deepEqual(seen.statuses.at(-1), ['connecting', 'Connecting…']);
  last().serverSends({ type: 'ready' });
  assert.deepEqual(seen.statuses.at(-1), ['online', 'Live']);
  assert.equal(transport.attempts, 0);
});

test('a socket refused for its token is not retried on its own: the session is told, with the count of refusals', () => {
  const { seen, transport } = makeTransport();
  transport.connect();
  last().serverCloses(4401);
  mock.timers.tick(MAX_BACKOFF_MS);
  assert.equal(FakeSocket.made.length, 1);
  assert.deepEqual(seen.rejected, [[1, 'tok']]);
  transport.connect(); // with a renewed token, refused again
  last().serverCloses(4401);
  assert.deepEqual(seen.rejected.at(-1), [2, 'tok']);
  transport.connect();
  last().serverSends({ type: 'ready' });
  last().serverCloses(4401);
  assert.deepEqual(seen.rejected.at(-1), [1, 'tok']); // counted afresh once a socket opened
});

test('a socket that does not answer a ping is dropped and replaced', () => {
  const { transport } = makeTransport();
  transport.connect();
  const first = last();
  first.serverSends({ type: 'ready' });
  mock.timers.tick(PING_EVERY_MS);
  assert.deepEqual(first.sent, [{ type: 'ping', ref: 'ping' }]);
  first.serverSends({ type: 'pong', ref: 'ping' });
  mock.timers.tick(PONG_TIMEOUT_MS);
  assert.equal(first.closedWith, null); // answered in time
  mock.timers.tick(PING_EVERY_MS - PONG_TIMEOUT_MS); // the next ping, never answered
  assert.equal(first.sent.length, 2);
  mock.timers.tick(PONG_TIMEOUT_MS);
  assert.equal(first.closedWith, 1000);
  mock.timers.tick(500);
  assert.equal(FakeSocket.made.length, 2);
});

test('frames are sent only once the server said ready', () => {
  const { transport } = makeTransport();
  assert.equal(transport.send({ type: 'send' }), false);
  transport.connect();
  assert.equal(transport.send({ type: 'send' }), false);
  last().serverSends({ type: 'ready' });
  assert.equal(transport.send({ type: 'send', ref: 'm1' }), true);
  assert.deepEqual(last().sent, [{ type: 'send', ref: 'm1' }]);
});

test('without a session nothing connects, and a closed transport does not come back', () => {
  const { transport } = makeTransport(null);
  transport.connect();
  assert.equal(FakeSocket.made.length, 0);
  const live = makeTransport().transport;
  live.connect();
  live.close();
  last().serverCloses(1000);
  mock.timers.tick(MAX_BACKOFF_MS);
  assert.equal(FakeSocket.made.length, 1);
  assert.equal(live.connected, false);
});
