// Read state on the page: unread badges from the server's room summaries (so they survive a reload
// and a new sign-in) and live messages; the open room marked read (POST /v1/rooms/{id}/read) only
// while it can be read — page visible, room loaded, scrolled to the bottom — a moment after it
// became so; `read` frames from the user's other windows clear the badges here; `read` frames of
// others and the room's receipts give the ✓✓ of direct messages; where the "new messages" divider
// goes. The sidebar and the open room draw what this module knows (through the hooks).
import { api, roomPath } from './api.js';
import { cmpId } from './ids.js';
import { ReadBook, ReceiptBook, dividerBefore, readTarget, receiptOf } from './read_state_data.js';
import { currentUserId, isMe } from './session.js';

const MARK_READ_DELAY_MS = 400;
const RETRY_MARK_MS = 5000; // a marker the server could not take (unreachable, overloaded) is sent again...
const MARK_ATTEMPTS = 3; // ...this many times in all
const NO_DIVIDER = Symbol('no divider');

const hooks = {
  changed: () => {}, // unread counts changed: redraw the badges and the title
  receipts: () => {}, // (room_id) how far others read changed: redraw the ✓✓ of the open room
  refresh: () => {}, // the counts need a fresh summary from the server
  read: () => {}, // (room_id, message_id, here) the user read a room up to there, in this window or another
  divider: () => {}, // the open room's divider moved
};

// What read_state needs of the open room; messages.js plugs it in (it sits above this module).
let openRoom = {
  roomId: () => null,
  loaded: () => false,
  newestId: () => null,
  atBottom: () => false,
  isDirect: () => false,
};

let book = new ReadBook();
let receipts = new ReceiptBook();
let divider = { roomId: null, marker: NO_DIVIDER };
let markTimer = null;
let marking = null; // {room_id, message_id} being posted

export function setReadHooks(h) {
  Object.assign(hooks, h);
}

export function watchOpenRoom(view) {
  openRoom = { ...openRoom, ...view };
}

export function resetReadState() {
  clearTimeout(markTimer);
  book = new ReadBook();
  receipts = new ReceiptBook();
  divider = { roomId: null, marker: NO_DIVIDER };
  marking = null;
}

const pageVisible = () => document.visibilityState === 'visible';

// The open room can be read right now: what arrives in it is read at once rather than counted.
const readableNow = () => pageVisible() && openRoom.loaded() && openRoom.atBottom();

// Room summaries (GET /v1/rooms, the `ready` frame): the server's counts and markers.
export function seedSummaries(summaries) {
  book.seed(summaries);
  hooks.changed();
}

export const unreadOf = (roomId) => book.unread(roomId);
export const totalUnread = (counts) => book.total(counts);

// A live message event; true when a count changed (the caller redraws the sidebar).
export function noteMessage(event, { mine, mentionsMe }) {
  const m = event.message;
  if (m.deleted) return book.unnote(m.room_id, m.message_id);
  if (m.room_id === openRoom.roomId()) {
    scheduleMarkRead();
    if (readableNow()) return false;
  }
  return book.note(event, { mine, mentionsMe });
}

export function forgetReadState(roomId) {
  book.forget(roomId);
  receipts.forget(roomId);
}

function applyOwnRead(roomId, messageId, here) {
  const { changed, complete } = book.read(roomId, messageId);
  if (!complete) hooks.refresh();
  if (changed) hooks.changed();
  hooks.read(roomId, String(messageId), here);
}

// A `read` frame: the user read in another window, or someone else read in a room that shares receipts.
export function onReadFrame(frame) {
  if (!frame.room_id || frame.message_id == null || frame.user_id == null) return;
  if (isMe(frame.user_id)) applyOwnRead(frame.room_id, frame.message_id, false);
  else if (receipts.note(frame.room_id, frame.user_id, frame.message_id)) hooks.receipts(frame.room_id);
}

// How far the others have read a direct message, when it opens (the frames tell what follows).
export async function loadReceipts(roomId) {
  let answer;
  try {
    answer = await api('GET', `${roomPath(roomId)}/receipts`);
  } catch {
    return; // the ✓✓ wait for the next `read` frame
  }
  let changed = false;
  for (const r of (answer && answer.receipts) || []) {
    if (!isMe(r.user_id)) changed = receipts.note(roomId, r.user_id, r.message_id) || changed;
  }
  if (changed) hooks.receipts(roomId);
}

// ✓ or ✓✓ (or nothing) for a message of the open room.
export const receiptFor = (m) => receiptOf(m, {
  mine: isMe(m.author_id),
  direct: m.room_id === openRoom.roomId() && openRoom.isDirect(),
  othersRead: receipts.furthestOthers(m.room_id, currentUserId()),
});

// A room was opened: the divider stays where the user's reading stopped until another room opens.
export function roomOpened(roomId) {
  const unread = book.unread(roomId).count > 0;
  divider = { roomId, marker: unread ? book.marker(roomId) : NO_DIVIDER };
}

// The message the divider goes before in the open room (messages in id order), or null.
export function dividerAnchor(roomId, messages) {
  if (divider.roomId !== roomId || divider.marker === NO_DIVIDER) return null;
  return dividerBefore(messages, divider.marker, isMe);
}

// The page came back into view: what arrived in the open room meanwhile gets a divider.
function pageShown() {
  const roomId = openRoom.roomId();
  if (roomId && divider.roomId === roomId && divider.marker === NO_DIVIDER && book.unread(roomId).count > 0) {
    divider = { roomId, marker: book.marker(roomId) };
    hooks.divider();
  }
  scheduleMarkRead();
}

// Something changed that may make the open room readable (opened, scrolled, shown, a new message).
export function scheduleMarkRead() {
  clearTimeout(markTimer);
  markTimer = setTimeout(markRead, MARK_READ_DELAY_MS);
}

async function markRead() {
  const roomId = openRoom.roomId();
  const target = readTarget({
    visible: pageVisible(),
    open: !!roomId && openRoom.loaded(),
    atBottom: openRoom.atBottom(),
    newest: openRoom.newestId(),
    marker: book.marker(roomId),
    sending: marking && marking.room_id === roomId ? marking.message_id : null,
  });
  if (!target) return;
  applyOwnRead(roomId, target, true); // the badge goes now; the server's answer confirms it
  postMarker(roomId, target, 1);
}

async function postMarker(roomId, messageId, attempt) {
  const sent = { room_id: roomId, message_id: messageId };
  const session = book;
  marking = sent;
  try {
    const answer = await api('POST', `${roomPath(roomId)}/read`, { message_id: messageId });
    if (session === book && answer && answer.message_id != null) applyOwnRead(roomId, answer.message_id, false);
  } catch (err) {
    // A refusal (the message was deleted meanwhile, the room left) stays refused; an outage is retried.
    const outage = err.status === 0 || err.status >= 500;
    if (outage && attempt < MARK_ATTEMPTS) {
      setTimeout(() => {
        if (session === book && cmpId(book.marker(roomId) ?? '0', messageId) <= 0) postMarker(roomId, messageId, attempt + 1);
      }, RETRY_MARK_MS);
    }
  } finally {
    if (marking === sent) marking = null;
  }
}

export function wireReadState() {
  document.addEventListener('visibilitychange', () => {
    if (pageVisible()) pageShown();
  });
}
