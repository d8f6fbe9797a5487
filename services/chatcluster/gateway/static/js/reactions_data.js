// Emoji reactions on a message: `reactions` as the server answers them in every message
// ([{emoji, count, users: [{user_id, username}]}]) and the `reaction` frames that change them
// live (ReactionEvent: op added|removed, message_id, user_id, username, emoji, event_id). Pure:
// reactions.js draws the chips and the picker.
import { cmpId } from './ids.js';

// The picker's row; anything else is typed (one emoji).
export const COMMON_EMOJI = ['👍', '❤️', '😂', '🎉', '😮', '😢', '🙏', '👀'];

// Names listed in a chip's title before "and N others".
const NAMES_SHOWN = 12;

// What makes a grapheme an emoji: a pictograph, a flag's regional indicators, or a keycap (1️⃣).
const EMOJI_PART = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;

const graphemes = (text) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)];

// Whether `text` is exactly one emoji grapheme (what the server accepts; it has the last word).
export function isOneEmoji(text) {
  if (typeof text !== 'string' || !text || text.length > 64) return false;
  const parts = graphemes(text);
  return parts.length === 1 && EMOJI_PART.test(parts[0].segment);
}

// The emoji the user typed in the picker's field, trimmed; null when it is not one emoji.
export function typedEmoji(text) {
  const trimmed = String(text ?? '').trim();
  return isOneEmoji(trimmed) ? trimmed : null;
}

const sameUser = (a, b) => a != null && b != null && String(a) === String(b);

export const reactedBy = (reaction, userId) => reaction.users.some((u) => sameUser(u.user_id, userId));

// A message's reactions after one event: a new array (the old one untouched), the emoji in the
// order they first appeared, one entry per user per emoji, none left at zero. Adding twice or
// removing what is not there changes nothing.
export function applyReaction(reactions, event) {
  const list = (reactions || []).map((r) => ({ ...r, users: [...r.users] }));
  const at = list.findIndex((r) => r.emoji === event.emoji);
  const entry = at >= 0 ? list[at] : null;
  if (event.op === 'added') {
    if (entry && reactedBy(entry, event.user_id)) return list;
    const user = { user_id: String(event.user_id), username: event.username };
    if (entry) {
      entry.users.push(user);
      entry.count = entry.users.length;
    } else {
      list.push({ emoji: event.emoji, count: 1, users: [user] });
    }
    return list;
  }
  if (event.op === 'removed' && entry && reactedBy(entry, event.user_id)) {
    entry.users = entry.users.filter((u) => !sameUser(u.user_id, event.user_id));
    entry.count = entry.users.length;
    if (!entry.count) list.splice(at, 1);
  }
  return list;
}

// "alice, bob and 3 others reacted with 👍" — "You" first when the user is among them.
export function reactionTitle(reaction, myId) {
  const mine = reactedBy(reaction, myId);
  const others = reaction.users.filter((u) => !sameUser(u.user_id, myId)).map((u) => u.username);
  const names = mine ? ['You', ...others] : others;
  const shown = names.slice(0, NAMES_SHOWN);
  const rest = Math.max(0, reaction.count - shown.length);
  if (rest) shown.push(`${rest} other${rest === 1 ? '' : 's'}`);
  const who = shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}` : shown[0] || 'Nobody';
  return `${who} reacted with ${reaction.emoji}`;
}

// The newest event seen per (message, user, emoji): a replayed or late event older than what the
// page already applied changes nothing (the server keeps the highest event id the same way).
export class ReactionLedger {
  constructor(limit = 20000) {
    this.limit = limit;
    this.seen = new Map(); // "message|user|emoji" -> event_id
  }

  // True when `event` is newer than any seen for its key (and remembers it).
  take(event) {
    if (event.event_id == null) return true;
    const key = `${event.message_id}|${event.user_id}|${event.emoji}`;
    const known = this.seen.get(key);
    if (known != null && cmpId(known, event.event_id) >= 0) return false;
    this.seen.delete(key);
    this.seen.set(key, String(event.event_id));
    if (this.seen.size > this.limit) this.seen.delete(this.seen.keys().next().value);
    return true;
  }
}

// The path of one reaction: the emoji travels URL-encoded.
export const reactionPath = (roomPath, messageId, emoji) => `${roomPath}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
