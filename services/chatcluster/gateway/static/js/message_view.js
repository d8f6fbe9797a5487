// One message's element in the list, and the list's geometry. No state: messages.js decides
// what is shown, compose.js what is pending.
import { paintSentiment } from './badges.js';
import { $, element } from './dom.js';
import { avatarColor, formatTime } from './format.js';
import { cmpId, idDate } from './ids.js';
import { mentionsUser, paintText } from './mentions.js';
import { paintPin } from './pins.js';
import { paintReactions } from './reactions.js';
import { RECEIPT_TEXT, RECEIPT_TITLE } from './read_state_data.js';
import { receiptFor } from './read_state.js';
import { paintQuote } from './replies.js';
import { canModerate } from './room_settings.js';
import { isMe } from './session.js';
import { paintReplyCount } from './thread.js';

export const messageList = () => $('message-list');

const template = () => $('message-template').content.firstElementChild.cloneNode(true);

function paintAuthor(el, name) {
  const avatar = el.querySelector('.avatar');
  avatar.textContent = name.charAt(0).toUpperCase();
  avatar.style.background = avatarColor(name);
  el.querySelector('.msg-author').textContent = name;
}

export function fillMessage(el, m) {
  const own = isMe(m.author_id);
  const date = idDate(m.message_id);
  el.classList.toggle('own', own);
  el.classList.toggle('deleted', !!m.deleted);
  el.dataset.author = m.author;
  paintAuthor(el, m.author);
  const time = el.querySelector('.msg-time');
  time.textContent = formatTime(date);
  el.dataset.time = date ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  if (date) {
    time.dateTime = date.toISOString();
    el.title = date.toLocaleString();
  }
  const text = el.querySelector('.msg-text');
  if (m.deleted) text.textContent = 'This message was deleted.';
  else paintText(text, m);
  el.classList.toggle('mentions-me', !m.deleted && mentionsUser(m));
  paintReceipt(el, m);
  el.querySelector('.msg-edited').hidden = !m.edited_at || !!m.deleted;
  paintSentiment(el, m);
  paintQuote(el, m);
  paintReactions(el, m);
  paintReplyCount(el, m);
  const canChange = own && !m.deleted;
  el.querySelector('[data-action="edit"]').hidden = !canChange;
  // Owners and admins of a group room delete anyone's message (the server checks).
  el.querySelector('[data-action="delete"]').hidden = !!m.deleted || !(own || canModerate(m.room_id));
  paintPin(el, m);
  el.querySelector('[data-action="retry"]').hidden = true;
  for (const b of el.querySelectorAll('[data-action="reply"], [data-action="react"]')) b.hidden = !!m.deleted;
  el.querySelector('.msg-actions').hidden = !!m.deleted;
  if (m.deleted) stopEditing(el);
}

// ✓ (sent) or ✓✓ (read by the other person) on the user's messages in a direct message.
export function paintReceipt(el, m) {
  const receipt = el.querySelector('.msg-receipt');
  if (!receipt) return;
  const mark = receiptFor(m);
  receipt.textContent = mark ? RECEIPT_TEXT[mark] : '';
  receipt.hidden = !mark;
  if (mark) {
    receipt.dataset.receipt = mark;
    receipt.title = RECEIPT_TITLE[mark];
    receipt.setAttribute('aria-label', RECEIPT_TITLE[mark]);
  } else {
    delete receipt.dataset.receipt;
  }
}

export function newMessageElement(m) {
  const el = template();
  el.dataset.messageId = String(m.message_id);
  fillMessage(el, m);
  return el;
}

export function messageElement(id) {
  return messageList().querySelector(`li[data-message-id="${CSS.escape(String(id))}"]`);
}

// What orders an element of the list: a message's id, or a notice's moment as an id; none for
// pending messages (they stay at the end) and the divider (placed by the read state).
const sortKey = (node) => node.dataset.messageId || node.dataset.sortId;

// Confirmed messages and notices in id order; pending ones stay at the end.
export function insertSorted(el, id) {
  const list = messageList();
  let node = list.lastElementChild;
  while (node && !sortKey(node)) node = node.previousElementSibling;
  while (node && (!sortKey(node) || cmpId(sortKey(node), id) > 0)) node = node.previousElementSibling;
  if (node) node.after(el);
  else list.prepend(el);
}

// A line in the list that is not a message ("bob joined the room").
export function noticeElement(notice) {
  const el = element('li', 'notice', notice.text);
  el.dataset.testid = 'member-notice';
  el.dataset.sortId = notice.sortId;
  return el;
}

export function dividerElement() {
  const el = element('li', 'new-divider');
  el.dataset.testid = 'new-messages-divider';
  el.setAttribute('role', 'separator');
  el.append(element('span', 'new-divider-label', 'New messages'));
  return el;
}

export function stopEditing(el) {
  const editor = el.querySelector('.msg-editor');
  if (editor) editor.remove();
  el.querySelector('.msg-line').hidden = false;
  el.classList.remove('editing');
}

// ------------------------------------------------ pending (sent, not yet seen as an event)

export function pendingElement(p, me) {
  const el = template();
  el.classList.add('pending', 'own');
  el.dataset.testid = 'pending-message';
  el.dataset.clientId = p.client_id;
  paintAuthor(el, me);
  el.querySelector('.msg-text').textContent = p.text;
  for (const b of el.querySelectorAll('[data-action="edit"], [data-action="delete"], [data-action="reply"], [data-action="react"], [data-action="pin"]')) b.hidden = true;
  paintQuote(el, p);
  paintPending(el, p);
  return el;
}

export function paintPending(el, p) {
  const status = el.querySelector('.msg-status');
  status.textContent = p.status === 'failed' ? `Not sent: ${p.error}` : p.status === 'sent' ? 'Sent' : 'Sending…';
  el.classList.toggle('failed', p.status === 'failed');
  el.querySelector('[data-action="retry"]').hidden = p.status !== 'failed';
  el.querySelector('.msg-actions').hidden = p.status !== 'failed';
}

export function pendingElementOf(clientId) {
  return messageList().querySelector(`li[data-client-id="${CSS.escape(clientId)}"]`);
}

// ------------------------------------------------ scrolling

const scroller = () => $('message-scroller');

export function isNearBottom() {
  const s = scroller();
  return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
}

export function scrollToBottom() {
  const s = scroller();
  s.scrollTop = s.scrollHeight;
}
