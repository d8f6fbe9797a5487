// Messages the user sent that the page has not yet seen come back as events: the "pending"
// reconciliation. A pending message is {client_id, ref, room_id, text, reply_to, status, error,
// message_id, via}; status is sending | sent | waiting (for the socket) | failed. Pure.

export class Outbox {
  constructor() {
    this.pending = new Map(); // client_id -> pending message, in sending order
    this.refSeq = 0;
  }

  get size() {
    return this.pending.size;
  }

  add(roomId, text, clientId, replyTo = null) {
    const p = {
      client_id: clientId, ref: null, room_id: roomId, text, reply_to: replyTo, status: 'sending', error: null, message_id: null, via: null,
    };
    this.pending.set(clientId, p);
    return p;
  }

  get(clientId) {
    return this.pending.get(clientId);
  }

  has(p) {
    return this.pending.has(p.client_id);
  }

  drop(p) {
    this.pending.delete(p.client_id);
  }

  // A fresh `ref` for a socket send, so its ack or error finds the message.
  nextRef() {
    this.refSeq += 1;
    return `m${this.refSeq}`;
  }

  byRef(ref) {
    if (ref == null) return null;
    for (const p of this.pending.values()) if (p.ref === ref) return p;
    return null;
  }

  forRoom(roomId) {
    return [...this.pending.values()].filter((p) => p.room_id === roomId);
  }

  // The pending messages that the user's own message `m` (an event or a history entry) confirms:
  // the same client_id, or the id the server acknowledged.
  confirmedBy(m) {
    const found = [];
    for (const p of this.pending.values()) {
      if ((m.client_id && p.client_id === m.client_id) || (p.message_id && String(p.message_id) === String(m.message_id))) found.push(p);
    }
    return found;
  }

  // What to send again when the socket is back: those that waited, and socket sends never acknowledged.
  toResend() {
    return [...this.pending.values()].filter((p) => p.status === 'waiting' || (p.status === 'sending' && p.via === 'ws'));
  }
}

export function startSending(p) {
  p.status = 'sending';
  p.error = null;
}

// The server accepted `p` as `messageId`; true when its message already shows (drop `p`).
export function markAccepted(p, messageId, shown) {
  p.message_id = String(messageId);
  if (shown(p.message_id)) return true;
  p.status = 'sent';
  return false;
}

// A send that failed with `err` (an ApiError; status 0 is no answer): outages wait for the
// socket and are sent again, refusals fail for good. True when the user should be told.
export function markFailed(p, err) {
  p.error = err.message;
  if (err.status === 0 || err.status >= 500) {
    p.status = 'waiting';
    return false;
  }
  p.status = 'failed';
  return true;
}
