// Replies: the Reply action on a message puts a quote of it above the composer (✕ cancels), the
// message sent then carries reply_to; every reply shows a quote of its original, and a click on
// the quote shows the original in the room (loaded around it when it is far back) highlighted.
// An original that is not in the open room's loaded history is read once from the server.
import { api, roomPath } from './api.js';
import { $ } from './dom.js';
import { messageList } from './message_view.js';
import { messageOf, openRoom } from './messages.js';
import { Originals, quoteOf, replyDraftFor, snippet } from './replies_data.js';

let originals = new Originals();
let asking = new Map(); // message_id -> the request reading it
let draft = null; // {room_id, message_id, author, text}

export function resetReplies() {
  originals = new Originals();
  asking = new Map();
  cancelReply();
}

// The original a reply quotes, as far as the page knows it (the open room first).
function originalOf(roomId, id) {
  const open = messageOf(id);
  if (open && open.room_id === roomId) return open;
  return originals.get(id);
}

// Fills a message's quote (a reply) or hides it (not a reply).
export function paintQuote(el, m) {
  const quote = el.querySelector('.msg-quote');
  if (!quote) return;
  if (m.reply_to == null || m.deleted) {
    quote.hidden = true;
    delete quote.dataset.replyTo;
    return;
  }
  const id = String(m.reply_to);
  quote.hidden = false;
  quote.dataset.replyTo = id;
  quote.dataset.roomId = m.room_id;
  const known = originalOf(m.room_id, id);
  if (!known && !originals.has(id)) {
    quote.querySelector('.quote-author').textContent = '';
    quote.querySelector('.quote-text').textContent = 'Loading the original…';
    fetchOriginal(m.room_id, id);
    return;
  }
  const shown = quoteOf(known);
  quote.querySelector('.quote-author').textContent = shown.author;
  quote.querySelector('.quote-text').textContent = shown.text;
  quote.classList.toggle('missing', shown.missing);
  quote.title = shown.missing ? shown.text : `Show ${shown.author}'s message`;
}

async function fetchOriginal(roomId, id) {
  if (asking.has(id)) return;
  const mine = originals;
  const request = api('GET', `${roomPath(roomId)}/messages/${id}`)
    .then((m) => m, () => null)
    .then((m) => {
      if (mine !== originals) return;
      asking.delete(id);
      originals.put(id, m);
      repaintQuotesOf(id);
    });
  asking.set(id, request);
}

// Every quote of `id` on the page shows what is known of it now.
function repaintQuotesOf(id) {
  for (const quote of document.querySelectorAll(`.msg-quote[data-reply-to="${CSS.escape(String(id))}"]`)) {
    const el = quote.closest('.msg, .thread-msg');
    const roomId = quote.dataset.roomId;
    if (el) paintQuote(el, { reply_to: id, room_id: roomId });
  }
}

// A message changed (an edit, a delete): the quotes of it follow.
export function originalChanged(m) {
  originals.update(m);
  repaintQuotesOf(m.message_id);
}

// ------------------------------------------------ the composer's reply

// The message the composer replies to in `roomId`, or null.
export function replyingTo(roomId) {
  const d = replyDraftFor(draft, roomId);
  return d ? d.message_id : null;
}

export function startReply(m) {
  if (!m || m.deleted) return;
  draft = { room_id: m.room_id, message_id: String(m.message_id) };
  showDraft(m);
  $('composer-input').focus();
}

function showDraft(m) {
  $('reply-bar').hidden = false;
  $('reply-bar-author').textContent = m.author;
  $('reply-bar-text').textContent = snippet(m.text, 100);
}

export function cancelReply() {
  draft = null;
  $('reply-bar').hidden = true;
}

// Another room opened: a reply drafted in the room before is dropped.
export function roomShown(roomId) {
  if (draft && !replyDraftFor(draft, roomId)) cancelReply();
}

export function wireReplies() {
  $('reply-cancel').addEventListener('click', () => {
    cancelReply();
    $('composer-input').focus();
  });
  $('composer-input').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && draft) cancelReply();
  });
  messageList().addEventListener('click', (e) => {
    const quote = e.target.closest('.msg-quote');
    if (quote && quote.dataset.replyTo) {
      openRoom(quote.dataset.roomId, quote.dataset.replyTo);
      return;
    }
    const action = e.target.closest('button[data-action="reply"]');
    if (action) startReply(messageOf(action.closest('li.msg').dataset.messageId));
  });
}
