// The open room: its header, its history (paged backwards), live events into it, the order and
// grouping of its messages, the joined/left notices between them and the "new messages" divider
// (where read_state.js says). The one place that adds or changes a confirmed message's element.
import { api, roomPath } from './api.js';
import { pendingElementsFor, resolvePending } from './compose.js';
import { $, showError } from './dom.js';
import { paintSentiment } from './badges.js';
import { learnPerson } from './mentions.js';
import { clearMembers, loadMembers, noticesOf } from './members.js';
import { paintMood } from './mood.js';
import { OpenRoom, PAGE_SIZE, RecentLive, continues } from './messages_data.js';
import {
  dividerElement, fillMessage, insertSorted, isNearBottom, messageElement, messageList, newMessageElement, noticeElement,
  paintReceipt, scrollToBottom,
} from './message_view.js';
import { paintPinsButton } from './pins.js';
import { dividerAnchor, loadReceipts, roomOpened, scheduleMarkRead, watchOpenRoom } from './read_state.js';
import { leavingRoom, paintRoomSettings } from './room_settings.js';
import { forgetRoom, getRoom, hasRoom, label, refreshDirectory, renderRooms, selectRoom } from './rooms.js';
import { currentUserId, isMe } from './session.js';
import { paintMuteButton } from './settings.js';
import { countAfter } from './thread_data.js';
import { showTyping } from './typing.js';

const LAST_ROOM_KEY = 'chatcluster.lastRoom.';
const HIGHLIGHT_MS = 4000;

let room = new OpenRoom();
let recent = new RecentLive(); // live messages of the other rooms

export const currentRoomId = () => room.roomId;
export const messageOf = (id) => room.get(id);

export function resetMessages() {
  const load = room.load;
  room = new OpenRoom();
  room.load = load + 1; // answers still on their way belong to the old session
  recent = new RecentLive();
  messageList().replaceChildren();
}

export const lastRoomOf = (userId) => localStorage.getItem(LAST_ROOM_KEY + userId);

export function showRoomHeader() {
  const open = getRoom(room.roomId);
  const title = open ? (open.kind === 'direct' ? `@${label(open)}` : `# ${open.name}`) : 'No room open';
  $('room-title').textContent = title;
  $('room-subtitle').textContent = open ? (open.kind === 'direct' ? 'Direct message' : 'Group room') : '';
  $('leave-room-button').hidden = !open || open.kind === 'direct';
  $('members-button').hidden = !open;
  paintMuteButton(open ? open.room_id : null);
  paintRoomSettings(open);
  paintPinsButton(open);
  paintMood(open);
  showTyping();
  $('composer').hidden = !room.roomId;
  $('empty-state').hidden = !!room.roomId;
  $('composer-input').placeholder = open ? `Message ${open.kind === 'direct' ? '@' + label(open) : '#' + open.name}` : 'Write a message…';
}

export function closeRoom() {
  room.close();
  messageList().replaceChildren();
  updateOlderControls();
  showRoomHeader();
  selectRoom(null);
  clearMembers();
}

// The room list changed: the open room may be one the user is no longer in.
export function closeIfGone() {
  if (room.roomId && !hasRoom(room.roomId)) closeRoom();
}

// Opens a room at its newest messages, or at message `at` (shown highlighted): the history around
// it is loaded (around=) unless it is already on the page, and newer pages follow as the reader
// scrolls down.
export async function openRoom(roomId, at = null) {
  if (!hasRoom(roomId)) return;
  const target = at != null ? String(at) : null;
  const switching = roomId !== room.roomId;
  room.roomId = roomId;
  selectRoom(roomId);
  showRoomHeader();
  if (!switching && room.historyLoaded && (!target || room.get(target))) {
    if (target) revealMessage(target);
    return;
  }
  localStorage.setItem(LAST_ROOM_KEY + currentUserId(), roomId);
  const load = room.open(roomId);
  const early = recent.take(roomId); // seen live, perhaps not yet in the history the server answers
  roomOpened(roomId);
  messageList().replaceChildren(...pendingElementsFor(roomId));
  updateOlderControls();
  $('composer-input').focus();
  let page;
  try {
    const query = target ? `around=${encodeURIComponent(target)}&limit=${PAGE_SIZE}` : `limit=${PAGE_SIZE}`;
    page = await api('GET', `${roomPath(roomId)}/messages?${query}`);
  } catch (err) {
    if (!room.isCurrent(load)) return;
    showError(err.message);
    if (target) {
      for (const m of early) recent.note(m);
      reloadRoom(); // the message cannot be shown: the room at its newest, then
    }
    return;
  }
  if (!room.isCurrent(load)) return;
  for (const m of page.messages) upsertMessage(m);
  room.gap = !!target;
  room.newer = target && page.after != null ? String(page.after) : null;
  for (const m of early) {
    if (room.gap && !room.get(m.message_id)) room.hold(m);
    else upsertMessage(m);
  }
  for (const notice of noticesOf(roomId)) insertSorted(noticeElement(notice), notice.sortId);
  room.before = page.before;
  room.historyLoaded = true;
  regroup();
  updateOlderControls();
  if (target) {
    await loadNewer();
    if (!room.isCurrent(load)) return;
    revealMessage(target);
  } else {
    scrollToBottom();
    revealDivider();
  }
  fillViewport();
  refreshSubtitle();
  if (getRoom(roomId) && getRoom(roomId).kind === 'direct') loadReceipts(roomId);
  scheduleMarkRead();
}

// "Group room · 3 members" under the title of a group room; the member list (and its presence).
export async function refreshSubtitle() {
  const roomId = room.roomId;
  const load = room.load;
  if (!roomId) return;
  const members = await loadMembers(roomId);
  const open = getRoom(roomId);
  if (members && open && open.kind !== 'direct' && room.isCurrent(load)) {
    $('room-subtitle').textContent = `Group room · ${members.count} member${members.count === 1 ? '' : 's'}`;
  }
}

// A long unread stretch: show where it starts rather than its end (reading down marks it read).
function revealDivider() {
  const divider = messageList().querySelector('.new-divider');
  const scroller = $('message-scroller');
  if (divider && divider.offsetTop < scroller.scrollTop) scroller.scrollTop = Math.max(0, divider.offsetTop - 24);
}

// The divider before the first unread message, where read_state.js puts it (or nowhere).
export function placeDivider() {
  const anchorId = dividerAnchor(room.roomId, room.sorted());
  const anchor = anchorId ? messageElement(anchorId) : null;
  const divider = messageList().querySelector('.new-divider');
  if (!anchor) {
    if (divider) divider.remove();
  } else if (!divider || divider.nextElementSibling !== anchor) {
    anchor.before(divider || dividerElement());
  }
}

function updateOlderControls() {
  const open = !!room.roomId && room.historyLoaded;
  const button = $('load-older-button');
  button.hidden = !open || !room.before;
  button.disabled = room.loadingOlder;
  button.textContent = room.loadingOlder ? 'Loading…' : 'Load older messages';
  $('history-start').hidden = !open || !!room.before;
  $('newer-row').hidden = !open || !room.gap;
}

// Opened at an older message: the next newer page, until one finds nothing newer (the newest
// reached; the live messages held meanwhile join the list). The server's cursor, not the newest
// message shown, says where the next page starts: messages it leaves out (blocked authors) count.
async function loadNewer() {
  if (room.loadingNewer || !room.gap || !room.roomId) return;
  const load = room.load;
  const cursor = room.newer;
  room.loadingNewer = true;
  try {
    const query = cursor ? `after=${cursor}&limit=${PAGE_SIZE}` : `limit=${PAGE_SIZE}`;
    const page = await api('GET', `${roomPath(room.roomId)}/messages?${query}`);
    if (!room.isCurrent(load)) return;
    for (const m of page.messages) upsertMessage(m);
    if (!cursor || page.after == null || String(page.after) === cursor) {
      for (const m of room.release()) upsertMessage(m);
    } else {
      room.newer = String(page.after);
    }
    regroup();
  } catch (err) {
    if (room.isCurrent(load)) showError(err.message);
  } finally {
    if (room.isCurrent(load)) {
      room.loadingNewer = false;
      updateOlderControls();
    }
  }
}

// Back to the newest messages (what a room shows when it opens).
export function jumpToLatest() {
  for (const m of room.held.values()) recent.note(m);
  reloadRoom();
}

// Scrolls message `id` of the open room into view and highlights it for a moment.
export function revealMessage(id) {
  const el = messageElement(id);
  if (!el) return;
  for (const old of messageList().querySelectorAll('.msg.highlighted')) old.classList.remove('highlighted');
  el.scrollIntoView({ block: 'center' });
  el.classList.add('highlighted');
  setTimeout(() => el.classList.remove('highlighted'), HIGHLIGHT_MS);
}

async function loadOlder() {
  if (room.loadingOlder || !room.before || !room.roomId) return;
  const load = room.load;
  const roomId = room.roomId;
  room.loadingOlder = true;
  updateOlderControls();
  const scroller = $('message-scroller');
  try {
    const page = await api('GET', `${roomPath(roomId)}/messages?limit=${PAGE_SIZE}&before=${room.before}`);
    if (!room.isCurrent(load)) return;
    const height = scroller.scrollHeight;
    const top = scroller.scrollTop;
    for (const m of page.messages) upsertMessage(m);
    regroup();
    room.before = page.before;
    scroller.scrollTop = top + (scroller.scrollHeight - height); // keep the reader's place
  } catch (err) {
    if (room.isCurrent(load)) showError(err.message);
  } finally {
    if (room.isCurrent(load)) {
      room.loadingOlder = false;
      updateOlderControls();
    }
  }
}

// A first page shorter than the window leaves nothing to scroll: load more until it fills.
function fillViewport() {
  const scroller = $('message-scroller');
  if (!room.before || scroller.scrollHeight > scroller.clientHeight) return;
  const cursor = room.before;
  loadOlder().then(() => {
    if (room.before !== cursor) fillViewport(); // stop if that page failed to load
  });
}

// Adds or updates one message of the open room.
export function upsertMessage(m) {
  resolvePending(m);
  learnPerson(m.author, m.author_id);
  const merged = room.upsert(m);
  if (!merged) return;
  const id = String(merged.message_id);
  const el = messageElement(id);
  if (el) fillMessage(el, merged);
  else insertSorted(newMessageElement(merged), id);
}

// Changes what the server keeps beside a message of the open room (its reactions, its reply
// count) and redraws it.
export function patchMessage(id, changes) {
  const patched = room.patch(id, changes);
  const el = patched && messageElement(id);
  if (el) fillMessage(el, patched);
}

// A reply arrived, or was deleted, live: its original's count follows.
function countReply(event, before) {
  const m = event.message;
  const parent = m.reply_to != null ? room.get(m.reply_to) : null;
  if (!parent) return;
  const count = countAfter(parent.reply_count, event, before);
  if (count !== (Number(parent.reply_count) || 0)) patchMessage(parent.message_id, { reply_count: count });
}

export function regroup() {
  placeDivider();
  let prev = null;
  for (const el of messageList().children) {
    const m = el.dataset.messageId ? room.get(el.dataset.messageId) : null;
    el.classList.toggle('cont', continues(prev, m));
    prev = m;
  }
}

// A live message of a room that is not open.
export const rememberLive = (m) => recent.note(m);

// A live event of the open room.
export function showLive(event) {
  const m = event.message;
  const before = room.get(m.message_id) || room.held.get(String(m.message_id)) || null;
  if (room.gap && !room.get(m.message_id)) {
    // Newer pages are not loaded yet: the message waits for them (or, the user's own, brings the room to its newest).
    room.hold(m);
    countReply(event, before);
    if (event.kind === 'created' && isMe(m.author_id)) jumpToLatest();
    return;
  }
  const stick = isNearBottom() || isMe(m.author_id);
  if (event.kind === 'created' && !room.hasAuthor(m.author_id)) refreshSubtitle(); // a new voice: the member count may have changed
  upsertMessage(m);
  countReply(event, before);
  regroup();
  if (stick && event.kind === 'created') scrollToBottom();
}

// A joined/left notice of the open room.
export function showNotice(notice) {
  if (!room.historyLoaded) return; // drawn with the history
  const stick = isNearBottom();
  insertSorted(noticeElement(notice), notice.sortId);
  regroup();
  if (stick) scrollToBottom();
}

// How far the others read changed: the ✓✓ of the user's messages in the open room.
export function repaintReceipts(roomId) {
  if (roomId !== room.roomId) return;
  for (const m of room.messages.values()) {
    if (!isMe(m.author_id)) continue;
    const el = messageElement(m.message_id);
    if (el) paintReceipt(el, m);
  }
}

// The page learnt who is who: mentions of others can be highlighted now.
export function repaintMentions() {
  for (const m of room.messages.values()) {
    if (!m.mentions || !m.mentions.length) continue;
    const el = messageElement(m.message_id);
    if (el) fillMessage(el, m);
  }
}

export function repaintSentiment(id) {
  const m = room.get(id);
  if (!m || m.room_id !== room.roomId) return;
  const el = messageElement(id);
  if (el) paintSentiment(el, m);
}

// The server cut a replay short: load the open room afresh.
export function reloadRoom() {
  const roomId = room.roomId;
  if (!roomId) return;
  room.roomId = null;
  room.historyLoaded = false;
  openRoom(roomId);
}

// After a reconnect without a `since` (no event seen yet), or once the socket follows a room
// just joined: fetch what the open room missed.
export async function catchUp() {
  const roomId = room.roomId;
  if (!roomId || !room.historyLoaded) return;
  if (room.gap) {
    loadNewer(); // what it missed comes with the newer pages
    return;
  }
  const load = room.load;
  const newest = room.newestId();
  const query = newest ? `after=${newest}&limit=200` : `limit=${PAGE_SIZE}`;
  try {
    const page = await api('GET', `${roomPath(roomId)}/messages?${query}`);
    if (!room.isCurrent(load)) return;
    const stick = isNearBottom();
    for (const m of page.messages) upsertMessage(m);
    regroup();
    if (stick) scrollToBottom();
  } catch {
    /* the next event or reconnect will try again */
  }
}

async function leaveRoom() {
  const roomId = room.roomId;
  if (!roomId) return;
  leavingRoom(roomId); // its `left` frame needs no notice
  try {
    await api('POST', `${roomPath(roomId)}/leave`);
    forgetRoom(roomId);
    closeRoom();
    renderRooms();
    refreshDirectory().catch(() => {});
  } catch (err) {
    showError(err.message);
  }
}

export function wireMessages() {
  $('leave-room-button').addEventListener('click', leaveRoom);
  $('load-older-button').addEventListener('click', loadOlder);
  $('latest-button').addEventListener('click', jumpToLatest);
  $('message-scroller').addEventListener('scroll', () => {
    if ($('message-scroller').scrollTop < 60 && room.historyLoaded) loadOlder();
    if (room.gap && room.historyLoaded && isNearBottom()) loadNewer();
    scheduleMarkRead();
  });
  watchOpenRoom({
    roomId: () => room.roomId,
    loaded: () => room.historyLoaded,
    newestId: () => room.newestId(),
    atBottom: () => !$('chat-main').hidden && !room.gap && isNearBottom(), // the stats view hides the room
    isDirect: () => !!getRoom(room.roomId) && getRoom(room.roomId).kind === 'direct',
  });
}
