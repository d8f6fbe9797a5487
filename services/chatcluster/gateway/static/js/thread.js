// Threads: the reply count under a message ("3 replies", live as replies arrive) opens the thread
// panel beside the room: the message, its replies (GET …/messages/{id}/replies, oldest first,
// earlier ones on demand), new ones live, and a composer whose messages reply to it.
import { api, roomPath } from './api.js';
import { $, element, showError, submitOnEnter } from './dom.js';
import { avatarColor, formatTime } from './format.js';
import { idDate } from './ids.js';
import { paintText } from './mentions.js';
import { messageList } from './message_view.js';
import { messageOf } from './messages.js';
import { Thread, repliesPath, replyCountText } from './thread_data.js';

let thread = null; // the open Thread, or null
let load = 0; // bumps whenever the panel shows another thread (or none)
let sender = () => {}; // (room_id, text, reply_to) sends a message (compose.js, through main.js)
let opened = () => {}; // the panel opened: the others beside the room close

// `send(room_id, text, reply_to)` sends a message; `shown()` is told when the panel opens.
export function useSender(send, shown = () => {}) {
  sender = send;
  opened = shown;
}

export const threadRoomId = () => (thread ? thread.roomId : null);

export function resetThread() {
  closeThread();
}

// The reply count of a message in the room's list (hidden while it has none).
export function paintReplyCount(el, m) {
  const button = el.querySelector('.msg-replies');
  if (!button) return;
  const n = Number(m.reply_count) || 0;
  button.hidden = n === 0;
  button.textContent = n ? replyCountText(n) : '';
  button.dataset.count = String(n);
}

function threadMessage(m, parent) {
  const li = element('li', parent ? 'thread-msg thread-parent' : 'thread-msg');
  li.dataset.testid = parent ? 'thread-parent' : 'thread-reply';
  li.dataset.messageId = String(m.message_id);
  const avatar = element('div', 'avatar avatar-small', m.author.charAt(0).toUpperCase());
  avatar.style.background = avatarColor(m.author);
  avatar.setAttribute('aria-hidden', 'true');
  const meta = element('div', 'msg-meta');
  const date = idDate(m.message_id);
  const time = element('time', 'msg-time', formatTime(date));
  if (date) time.dateTime = date.toISOString();
  const author = element('span', 'msg-author', m.author);
  author.dataset.testid = 'thread-author';
  meta.append(author, time);
  const text = element('div', 'msg-text');
  text.dataset.testid = 'thread-text';
  if (m.deleted) {
    text.textContent = 'This message was deleted.';
    li.classList.add('deleted');
  } else {
    paintText(text, m);
  }
  const body = element('div', 'msg-body');
  body.append(meta, text);
  if (m.edited_at && !m.deleted) body.append(element('span', 'msg-edited', '(edited)'));
  li.append(avatar, body);
  return li;
}

function render() {
  if (!thread) return;
  const parent = $('thread-parent');
  if (thread.parent) parent.replaceChildren(threadMessage(thread.parent, true));
  else parent.replaceChildren(element('p', 'panel-empty', thread.loaded ? 'The message is not available.' : 'Loading…'));
  const replies = thread.sorted();
  $('thread-replies').replaceChildren(...replies.map((m) => threadMessage(m, false)));
  // All of them when earlier ones are not loaded: the count under the message in the room, if it is there.
  const inRoom = messageOf(thread.parentId);
  const total = thread.before && inRoom && inRoom.room_id === thread.roomId ? Number(inRoom.reply_count) || 0 : replies.length;
  $('thread-count').textContent = thread.loaded ? replyCountText(Math.max(total, replies.length)) : '';
  $('thread-older').hidden = !thread.before;
  $('thread-empty').hidden = !thread.loaded || replies.length > 0 || !!thread.before;
}

function scrollThreadToEnd() {
  const s = $('thread-scroller');
  s.scrollTop = s.scrollHeight;
}

export async function openThread(roomId, messageId) {
  const mine = ++load;
  thread = new Thread(roomId, messageId);
  const known = messageOf(messageId);
  if (known && known.room_id === roomId) thread.upsert(known);
  opened();
  $('thread-panel').hidden = false;
  $('thread-input').value = '';
  render();
  $('thread-input').focus();
  try {
    const [parent, page] = await Promise.all([
      known ? Promise.resolve(null) : api('GET', `${roomPath(roomId)}/messages/${messageId}`),
      api('GET', repliesPath(roomPath(roomId), messageId)),
    ]);
    if (mine !== load) return;
    if (parent) thread.upsert(parent);
    thread.takePage(page);
  } catch (err) {
    if (mine !== load) return;
    thread.loaded = true;
    showError(err.message);
  }
  render();
  scrollThreadToEnd();
}

async function loadEarlier() {
  if (!thread || !thread.before) return;
  const mine = load;
  const s = $('thread-scroller');
  const height = s.scrollHeight;
  try {
    const page = await api('GET', repliesPath(roomPath(thread.roomId), thread.parentId, { before: thread.before }));
    if (mine !== load) return;
    thread.takePage(page, { older: true });
    render();
    s.scrollTop += s.scrollHeight - height;
  } catch (err) {
    showError(err.message);
  }
}

export function closeThread() {
  load += 1;
  thread = null;
  const panel = $('thread-panel');
  if (!panel) return;
  panel.hidden = true;
  $('thread-parent').replaceChildren();
  $('thread-replies').replaceChildren();
}

// A live message event: the open thread takes its message and replies.
export function threadEvent(event) {
  if (!thread || !event || !event.message || !thread.holds(event.message)) return;
  const s = $('thread-scroller');
  const stick = s.scrollHeight - s.scrollTop - s.clientHeight < 60;
  if (!thread.upsert(event.message)) return;
  render();
  if (stick) scrollThreadToEnd();
}

export function wireThread() {
  messageList().addEventListener('click', (e) => {
    const count = e.target.closest('.msg-replies');
    if (!count) return;
    const m = messageOf(count.closest('li.msg').dataset.messageId);
    if (m) openThread(m.room_id, m.message_id);
  });
  $('thread-close').addEventListener('click', closeThread);
  $('thread-older').addEventListener('click', loadEarlier);
  $('thread-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('thread-input');
    const text = input.value.trim();
    if (!text || !thread) return;
    input.value = '';
    sender(thread.roomId, text, thread.parentId);
  });
  submitOnEnter($('thread-input'), $('thread-form'));
  $('thread-input').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeThread();
  });
}
