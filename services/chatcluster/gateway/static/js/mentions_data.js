// @mentions in a message's text. The server resolves them when the message is sent and lists the
// user ids it mentions (`mentions`); the page highlights an `@name` only when that name is one of
// them, so a mention of someone who is not a member stays plain text. Pure: the text is cut into
// segments, and message_view.js turns each into a text node or a span (never markup).

// A name as the server allows it (models.USERNAME_PATTERN), after @ at the start or after a character
// that cannot be part of a name (so "bob@example.com" mentions nobody).
const MENTION = /(^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g;

// A resolver for one message: name -> 'me' | 'other' | null. `idOf(lowercased name)` knows the
// user ids of the room's people (members, authors).
export function mentionResolver(message, me, idOf) {
  const mentioned = new Set((message.mentions || []).map(String));
  if (!mentioned.size) return () => null;
  const myName = (me.username || '').toLowerCase();
  return (name) => {
    const lower = name.toLowerCase();
    if (lower === myName) return mentioned.has(String(me.user_id)) ? 'me' : null;
    const id = idOf(lower);
    return id != null && mentioned.has(String(id)) ? 'other' : null;
  };
}

// The name a token mentions: the whole token, or without the dots and dashes that end a sentence
// ("thanks @alice."); null when neither resolves.
function resolveToken(token, resolve) {
  const who = resolve(token);
  if (who) return { name: token, who };
  const trimmed = token.replace(/[.-]+$/, '');
  if (trimmed !== token && trimmed.length >= 3) {
    const again = resolve(trimmed);
    if (again) return { name: trimmed, who: again };
  }
  return null;
}

// The text as segments: {text} for plain text, {mention: '@name', who: 'me' | 'other'} for a
// highlighted mention. Joining every segment's text gives the original text back.
export function mentionSegments(text, resolve) {
  const segments = [];
  let plain = '';
  let at = 0;
  MENTION.lastIndex = 0;
  for (let match = MENTION.exec(text); match; match = MENTION.exec(text)) {
    const start = match.index + match[1].length; // the @
    const found = resolveToken(match[2], resolve);
    if (!found) continue;
    plain += text.slice(at, start);
    if (plain) segments.push({ text: plain });
    plain = '';
    segments.push({ mention: `@${found.name}`, who: found.who });
    at = start + 1 + found.name.length;
    MENTION.lastIndex = at;
  }
  plain += text.slice(at);
  if (plain) segments.push({ text: plain });
  return segments;
}

// Whether a message mentions the user (for the unread mention count and the highlight of the row).
export const mentionsMe = (message, userId) => (message.mentions || []).some((id) => String(id) === String(userId));
