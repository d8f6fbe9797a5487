// "alice is typing…" under the open room, from `typing` frames (gone a few seconds after the last
// one, or when the person's message arrives); and the user's own `typing` frames, at most one per
// room every three seconds while they compose.
import { $ } from './dom.js';
import { isMe } from './session.js';
import { TypingBook, TypingSender, typingText } from './typing_data.js';

// The ref of the page's typing frames: a refusal of one (a room the socket does not follow yet) is not worth a word.
export const TYPING_REF = 'typing';

let book = new TypingBook();
let sender = new TypingSender();
let transport = null;
let currentRoom = () => null;
let redrawTimer = null;

export function resetTyping() {
  book = new TypingBook();
  sender = new TypingSender();
  clearTimeout(redrawTimer);
  showTyping();
}

// Draws the open room's indicator, and again when the next name in it expires.
export function showTyping() {
  clearTimeout(redrawTimer);
  const roomId = currentRoom();
  const el = $('typing-indicator');
  el.hidden = !roomId;
  if (!roomId) return;
  const now = Date.now();
  const text = typingText(book.who(roomId, now));
  el.textContent = text;
  el.classList.toggle('on', !!text);
  const next = book.nextExpiry(roomId);
  if (next != null) redrawTimer = setTimeout(showTyping, Math.max(50, next - now));
}

// A `typing` frame (the server never sends the user's own, but another window of theirs might).
export function onTyping(frame) {
  if (!frame.room_id || frame.user_id == null || isMe(frame.user_id)) return;
  book.note(frame.room_id, frame.user_id, frame.username || 'Someone', Date.now());
  if (frame.room_id === currentRoom()) showTyping();
}

// Their message arrived, or they left: they are not typing any more.
export function typingStopped(roomId, userId) {
  if (book.stop(roomId, String(userId)) && roomId === currentRoom()) showTyping();
}

export function wireTyping(t, openRoom) {
  transport = t;
  currentRoom = openRoom;
  $('composer-input').addEventListener('input', (e) => {
    const roomId = currentRoom();
    if (!roomId || !e.target.value.trim()) return;
    if (sender.shouldSend(roomId, Date.now())) transport.send({ type: 'typing', ref: TYPING_REF, room_id: roomId });
  });
  // A message sent: the next keystroke tells the others again at once.
  $('composer').addEventListener('submit', () => sender.sent(currentRoom()));
}
