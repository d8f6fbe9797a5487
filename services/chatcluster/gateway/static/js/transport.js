// The WebSocket: connect with the session's token, resume from the last event seen, reconnect
// with jittered exponential back-off, and ping so a dead connection is noticed within seconds.
// No DOM: what the page shows comes through the callbacks.
import { parseFrame } from './dispatch.js';
import { maxId } from './ids.js';

export const PING_EVERY_MS = 20000;
export const PONG_TIMEOUT_MS = 10000;
export const MAX_BACKOFF_MS = 15000;
const SESSION_CLOSE_CODE = 4401; // the server refused the token

// Half to all of 500 ms doubled per failed attempt, capped: clients that lost the server
// together do not come back together.
export function reconnectDelay(attempts, random = Math.random) {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts);
  return Math.round(base * (0.5 + random() * 0.5));
}

// The frames of events the server replays after `since`: the socket resumes after the newest seen.
const REPLAYED = new Set(['event', 'reaction', 'pin', 'room']);

export function resumesFrom(frame) {
  if (!REPLAYED.has(frame.type) || !frame.event || frame.event.event_id == null) return false;
  return frame.type !== 'event' || !!frame.event.message;
}

export class Transport {
  // endpoint: the socket's URL without query; token(): the access token, or null when signed out;
  // onFrame(frame, {reconnect, since}); onStatus(state, label) with state connecting|online|offline;
  // onRejected(refusals, token): the server refused `token`, `refusals` times since a socket last
  // opened; the session decides whether to connect again (with a renewed token) or sign out.
  constructor({ endpoint, token, onFrame, onStatus, onRejected, WebSocketImpl = globalThis.WebSocket, random = Math.random }) {
    Object.assign(this, { endpoint, token, onFrame, onStatus, onRejected, WebSocketImpl, random });
    this.ws = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.reconnectTimer = null;
    this.forget();
  }

  // A new session starts from nothing: no replay cursor, a first connect.
  forget() {
    this.lastEventId = null;
    this.ready = false;
    this.everReady = false;
    this.attempts = 0;
    this.refusals = 0;
  }

  get connected() {
    return this.ws != null;
  }

  connect() {
    const token = this.token();
    if (!token) return;
    clearTimeout(this.reconnectTimer);
    let url = `${this.endpoint}?token=${encodeURIComponent(token)}`;
    const since = this.lastEventId;
    if (since) url += `&since=${since}`;
    const ws = new this.WebSocketImpl(url);
    this.ws = ws;
    this.ready = false;
    this.onStatus('connecting', this.everReady ? 'Reconnecting…' : 'Connecting…');
    ws.addEventListener('message', (e) => {
      if (ws !== this.ws) return;
      const frame = parseFrame(e.data);
      if (frame) this.receive(frame, since);
    });
    ws.addEventListener('close', (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.ready = false;
      this.stopPing();
      if (e.code === SESSION_CLOSE_CODE) {
        this.refusals += 1;
        this.onRejected(this.refusals, token);
      } else {
        this.scheduleReconnect();
      }
    });
  }

  receive(frame, since) {
    let reconnect = false;
    if (frame.type === 'ready') {
      reconnect = this.everReady;
      this.ready = true;
      this.everReady = true;
      this.attempts = 0;
      this.refusals = 0;
      this.onStatus('online', 'Live');
      this.startPing();
    } else if (frame.type === 'pong') {
      clearTimeout(this.pongTimer);
    } else if (resumesFrom(frame)) {
      this.lastEventId = maxId(this.lastEventId, String(frame.event.event_id));
    }
    this.onFrame(frame, { reconnect, since });
  }

  // Sends a frame when the socket is up and the server said ready; false otherwise.
  send(frame) {
    const ws = this.ws;
    if (!ws || !this.ready || ws.readyState !== this.WebSocketImpl.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    this.ready = false;
    this.stopPing();
    clearTimeout(this.reconnectTimer);
    if (ws) {
      try {
        ws.close(1000, 'bye');
      } catch {
        /* already closed */
      }
    }
  }

  scheduleReconnect() {
    if (!this.token()) return;
    clearTimeout(this.reconnectTimer);
    const delay = reconnectDelay(this.attempts, this.random);
    this.attempts += 1;
    this.onStatus('offline', `Offline · retrying in ${Math.ceil(delay / 1000)}s`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (!ws || ws.readyState !== this.WebSocketImpl.OPEN) return;
      ws.send(JSON.stringify({ type: 'ping', ref: 'ping' }));
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        // No answer: treat the socket as dead now rather than waiting for TCP to notice.
        if (this.ws === ws) {
          this.close();
          this.scheduleReconnect();
        }
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
