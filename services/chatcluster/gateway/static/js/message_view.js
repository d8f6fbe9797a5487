// One message's element in the list, and the list's geometry. No state: messages.js decides
// what is shown, compose.js what is pending.
import { paintSentiment } from './badges.js';
import { $ } from './dom.js';
import { avatarColor, formatTime } from './format.js';
import { cmpId, idDate } from './ids.js';
import { isMe } from './session.js';

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
  el.querySelector('.msg-text').textContent = m.deleted ? 'This message was deleted.' : m.text;
  el.querySelector('.msg-edited').hidden = !m.edited_at || !!m.deleted;
  paintSentiment(el, m);
  const canChange = own && !m.deleted;
  el.querySelector('[data-action="edit"]').hidden = !canChange;
  el.querySelector('[data-action="delete"]').hidden = !canChange;
  el.querySelector('[data-action="retry"]').hidden = true;
  el.querySelector('.msg-actions').hidden = !canChange;
  if (m.deleted) stopEditing(el);
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

// Confirmed messages in id order; pending ones stay at the end.
export function insertSorted(el, id) {
  const list = messageList();
  let node = list.lastElementChild;
  while (node && !node.dataset.messageId) node = node.previousElementSibling;
  while (node && (!node.dataset.messageId || cmpId(node.dataset.messageId, id) > 0)) node = node.previousElementSibling;
  if (node) node.after(el);
  else list.prepend(el);
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
  el.querySelector('[data-action="edit"]').hidden = true;
  el.querySelector('[data-action="delete"]').hidden = true;
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
