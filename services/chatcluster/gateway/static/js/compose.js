// Sending: the composer, the pending messages it creates, and their way to the server — over the
// socket when it is up, else over REST. The client_id makes a repeat harmless, so a message whose
// fate is unknown is simply sent again when the socket is back.
import { api, roomPath } from './api.js';
import { $, showError, submitOnEnter } from './dom.js';
import { newClientId } from './ids.js';
import { messageElement, messageList, paintPending, pendingElement, pendingElementOf, scrollToBottom } from './message_view.js';
import { Outbox, markAccepted, markFailed, startSending } from './outbox_data.js';
import { currentUsername, isMe } from './session.js';

let outbox = new Outbox();
let transport = null;

export function useTransport(t) {
  transport = t;
}

export function resetOutbox() {
  outbox = new Outbox();
}

function repaint(p) {
  const el = pendingElementOf(p.client_id);
  if (el) paintPending(el, p);
}

function drop(p) {
  outbox.drop(p);
  const el = pendingElementOf(p.client_id);
  if (el) el.remove();
}

// The elements of a room's pending messages, for when the room is drawn again.
export const pendingElementsFor = (roomId) => outbox.forRoom(roomId).map((p) => pendingElement(p, currentUsername()));

// A message of the user's arrived (live or in history): the pending messages it confirms go.
export function resolvePending(m) {
  if (!outbox.size || !isMe(m.author_id)) return;
  for (const p of outbox.confirmedBy(m)) drop(p);
}

// Sends `text` to a room, as a reply to message `replyTo` when given.
export function sendMessage(roomId, text, replyTo = null) {
  const p = outbox.add(roomId, text, newClientId(), replyTo != null ? String(replyTo) : null);
  messageList().append(pendingElement(p, currentUsername()));
  scrollToBottom();
  transmit(p);
}

function transmit(p) {
  startSending(p);
  repaint(p);
  p.ref = outbox.nextRef();
  const body = { text: p.text, client_id: p.client_id };
  if (p.reply_to) body.reply_to = p.reply_to;
  if (transport && transport.send({ type: 'send', ref: p.ref, room_id: p.room_id, ...body })) {
    p.via = 'ws';
    return;
  }
  p.via = 'rest';
  p.ref = null;
  api('POST', `${roomPath(p.room_id)}/messages`, body)
    .then((answer) => {
      if (answer && answer.message_id) accepted(p, answer.message_id);
    })
    .catch((err) => {
      if (!outbox.has(p)) return;
      if (markFailed(p, err)) showError(err.message);
      repaint(p);
    });
}

// The list shows exactly the open room's messages, so "already shown" is a look in the list.
function accepted(p, messageId) {
  if (!outbox.has(p)) return;
  if (markAccepted(p, messageId, (id) => messageElement(id) != null)) drop(p);
  else repaint(p);
}

// The socket is (back) up.
export function flushPending() {
  for (const p of outbox.toResend()) transmit(p);
}

export function acknowledged(ref, messageId) {
  const p = outbox.byRef(ref);
  if (p) accepted(p, messageId);
}

// The server refused a socket send; true when the frame was about a pending message.
export function refused(ref, detail) {
  const p = outbox.byRef(ref);
  if (!p) return false;
  p.status = 'failed';
  p.error = detail;
  repaint(p);
  return true;
}

export function retry(clientId) {
  const p = outbox.get(clientId);
  if (p) transmit(p);
}

function autoGrow() {
  const input = $('composer-input');
  input.style.height = 'auto';
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

// `currentRoom()` names the room a new message goes to (null when none is open); `reply.to(room_id)`
// the message it replies to (or null), and `reply.sent()` is told once it went.
export function wireComposer(currentRoom, reply = { to: () => null, sent: () => {} }) {
  const input = $('composer-input');
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const roomId = currentRoom();
    if (!text || !roomId) return;
    input.value = '';
    autoGrow();
    const replyTo = reply.to(roomId);
    sendMessage(roomId, text, replyTo);
    if (replyTo != null) reply.sent();
  });
  input.addEventListener('input', autoGrow);
  submitOnEnter(input, $('composer'));
}
