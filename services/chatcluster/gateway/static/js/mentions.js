// @mentions drawn in a message's text: a highlighted span per mention the server resolved (a
// stronger one for the user's own name), built as elements around text nodes, never as markup.
// The page learns who is who (name -> user id) from the authors it sees and the member lists.
import { element } from './dom.js';
import { mentionResolver, mentionSegments, mentionsMe } from './mentions_data.js';
import { currentUserId, currentUsername } from './session.js';

const MAX_PEOPLE = 5000;
let people = new Map(); // lower-cased username -> user_id

export function resetPeople() {
  people = new Map();
}

export function learnPerson(username, userId) {
  if (!username || userId == null) return;
  const name = username.toLowerCase();
  if (people.get(name) === String(userId)) return;
  people.delete(name);
  people.set(name, String(userId));
  if (people.size > MAX_PEOPLE) people.delete(people.keys().next().value);
}

export const mentionsUser = (m) => mentionsMe(m, currentUserId());

// Fills `textEl` with the message's text, its mentions highlighted.
export function paintText(textEl, m) {
  const resolve = mentionResolver(m, { user_id: currentUserId(), username: currentUsername() }, (name) => people.get(name));
  textEl.replaceChildren(...mentionSegments(m.text, resolve).map((s) => {
    if (s.text != null) return document.createTextNode(s.text);
    const span = element('span', s.who === 'me' ? 'mention mention-me' : 'mention', s.mention);
    span.dataset.testid = s.who === 'me' ? 'mention-me' : 'mention';
    return span;
  }));
}
