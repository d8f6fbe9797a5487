// Emoji reactions: chips under a message (emoji and count; the title says who), a picker per
// message (common emoji, or one typed), PUT/DELETE …/reactions/{emoji}; a click on a chip adds the
// user's reaction, or removes it when the chip is already the user's. Live from `reaction` frames;
// after a reload from the `reactions` every message carries.
import { api, roomPath } from './api.js';
import { $, element, showError } from './dom.js';
import { messageList } from './message_view.js';
import { currentRoomId, messageOf, patchMessage } from './messages.js';
import {
  COMMON_EMOJI, ReactionLedger, applyReaction, reactedBy, reactionPath, reactionTitle, typedEmoji,
} from './reactions_data.js';
import { currentUserId, currentUsername } from './session.js';

let ledger = new ReactionLedger();
let pickerFor = null; // the message id the picker is open for

export function resetReactions() {
  ledger = new ReactionLedger();
  closePicker();
}

// The chips of a message's reactions.
export function paintReactions(el, m) {
  const list = el.querySelector('.reactions');
  if (!list) return;
  const reactions = m.deleted ? [] : m.reactions || [];
  list.hidden = !reactions.length;
  list.replaceChildren(...reactions.map((r) => {
    const chip = element('button', 'reaction-chip');
    chip.type = 'button';
    chip.dataset.testid = 'reaction-chip';
    chip.dataset.emoji = r.emoji;
    const mine = reactedBy(r, currentUserId());
    chip.classList.toggle('mine', mine);
    chip.setAttribute('aria-pressed', String(mine));
    chip.title = reactionTitle(r, currentUserId());
    const count = element('span', 'reaction-count', String(r.count));
    count.dataset.testid = 'reaction-count';
    chip.append(element('span', 'reaction-emoji', r.emoji), count);
    const li = element('li');
    li.append(chip);
    return li;
  }));
}

// A `reaction` frame: a reaction added or removed by anyone, the user's other windows included.
export function onReaction(event) {
  if (!event || event.room_id !== currentRoomId() || !ledger.take(event)) return;
  const m = messageOf(event.message_id);
  if (m) patchMessage(m.message_id, { reactions: applyReaction(m.reactions, event) });
}

async function react(messageId, emoji, add) {
  const m = messageOf(messageId);
  if (!m) return;
  try {
    const answer = await api(add ? 'PUT' : 'DELETE', reactionPath(roomPath(m.room_id), m.message_id, emoji));
    // The server answered after its event was durable: show it now rather than waiting for the frame.
    const now = messageOf(messageId);
    if (now && answer) {
      const op = answer.reacted ? 'added' : 'removed';
      const event = { op, message_id: m.message_id, user_id: currentUserId(), username: currentUsername(), emoji };
      patchMessage(messageId, { reactions: applyReaction(now.reactions, event) });
    }
  } catch (err) {
    showError(err.message);
  }
}

// ------------------------------------------------ the picker

function openPicker(anchor, messageId) {
  const picker = $('reaction-picker');
  pickerFor = String(messageId);
  picker.hidden = false;
  const box = anchor.getBoundingClientRect();
  const width = picker.offsetWidth;
  const height = picker.offsetHeight;
  picker.style.left = `${Math.max(8, Math.min(window.innerWidth - width - 8, box.right - width))}px`;
  const below = box.bottom + 6;
  picker.style.top = `${below + height > window.innerHeight - 8 ? Math.max(8, box.top - height - 6) : below}px`;
  $('reaction-input').value = '';
  $('reaction-picker-error').hidden = true;
  const first = picker.querySelector('.picker-emoji');
  if (first) first.focus();
}

export function closePicker() {
  pickerFor = null;
  const picker = $('reaction-picker');
  if (picker) picker.hidden = true;
}

function pick(emoji) {
  const id = pickerFor;
  closePicker();
  if (id == null) return;
  const m = messageOf(id);
  const existing = m && (m.reactions || []).find((r) => r.emoji === emoji);
  if (existing && reactedBy(existing, currentUserId())) return; // already there: picking it again changes nothing
  react(id, emoji, true);
}

function buildPicker() {
  const row = $('reaction-picker-common');
  row.replaceChildren(...COMMON_EMOJI.map((emoji) => {
    const b = element('button', 'picker-emoji', emoji);
    b.type = 'button';
    b.dataset.testid = 'picker-emoji';
    b.dataset.emoji = emoji;
    b.title = `React with ${emoji}`;
    b.addEventListener('click', () => pick(emoji));
    return b;
  }));
  $('reaction-picker-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const emoji = typedEmoji($('reaction-input').value);
    const error = $('reaction-picker-error');
    if (!emoji) {
      error.textContent = 'Type one emoji, such as 🚀.';
      error.hidden = false;
      return;
    }
    pick(emoji);
  });
}

// Whether a click at `target` is inside the picker or on what opens it.
export const insidePicker = (target) => !!target.closest('#reaction-picker, button[data-action="react"]');

export function wireReactions() {
  buildPicker();
  messageList().addEventListener('click', (e) => {
    const chip = e.target.closest('.reaction-chip');
    if (chip) {
      const id = chip.closest('li.msg').dataset.messageId;
      const m = messageOf(id);
      const r = m && (m.reactions || []).find((x) => x.emoji === chip.dataset.emoji);
      if (r) react(id, r.emoji, !reactedBy(r, currentUserId()));
      return;
    }
    const action = e.target.closest('button[data-action="react"]');
    if (!action) return;
    const id = action.closest('li.msg').dataset.messageId;
    if (pickerFor === id) closePicker();
    else openPicker(action, id);
  });
  $('message-scroller').addEventListener('scroll', closePicker);
}
