// Blocking: Block / Unblock beside a member (the member list) or a contact, and the list of the
// people the user blocked (with Unblock) under the contacts. Blocking hides the person's messages
// from the open room at once; the server leaves them out of everything it sends the user from
// then on, on every gateway, and says so to all the user's pages with a `blocks` frame (the whole
// list of blocked ids). Unblocking brings their messages back with the room's history.
import { api } from './api.js';
import { $, element, showError } from './dom.js';
import { BlockList } from './contacts_data.js';
import { messageList } from './message_view.js';
import { messageOf, regroup, reloadRoom } from './messages.js';
import { isMe } from './session.js';

const hooks = {
  changed: () => {}, // who is blocked changed: the menus that offer Block / Unblock redraw
};

let blocks = new BlockList();
let loading = 0; // bumps on every reset, so answers meant for an earlier session are dropped

export function setBlockHooks(h) {
  Object.assign(hooks, h);
}

export const isBlocked = (userId) => blocks.has(userId);

export function resetBlocks() {
  blocks = new BlockList();
  loading += 1;
  renderBlocks();
}

export async function loadBlocks() {
  const mine = loading;
  let answer;
  try {
    answer = await api('GET', '/v1/blocks');
  } catch {
    return; // no blocks on this server, or unreachable: the next frame says who is blocked
  }
  if (mine !== loading) return;
  applyChange(blocks.setPeople(answer && answer.blocks));
}

// Messages of people just blocked leave the open room at once.
function hideAuthors(ids) {
  let gone = false;
  for (const el of messageList().querySelectorAll('li.msg[data-message-id]')) {
    const m = messageOf(el.dataset.messageId);
    if (m && ids.has(String(m.author_id))) {
      el.remove();
      gone = true;
    }
  }
  if (gone) regroup();
}

function applyChange({ added, removed }) {
  if (added.length) hideAuthors(new Set(added));
  if (removed.length) reloadRoom(); // their messages come back with the history
  renderBlocks();
  hooks.changed();
}

// A `blocks` frame: the user's whole list of blocked ids (they blocked someone, here or elsewhere).
export function onBlocksFrame(frame) {
  if (!Array.isArray(frame.user_ids)) return;
  applyChange(blocks.setIds(frame.user_ids));
  if (blocks.unnamed().length) loadBlocks();
}

export async function block(person, button) {
  if (button) button.disabled = true;
  try {
    await api('POST', `/v1/blocks/${encodeURIComponent(person.username)}`);
    applyChange(blocks.add(person));
  } catch (err) {
    showError(err.message);
  } finally {
    if (button) button.disabled = false;
  }
}

export async function unblock(person, button) {
  if (button) button.disabled = true;
  try {
    await api('DELETE', `/v1/blocks/${encodeURIComponent(person.username)}`);
    applyChange(blocks.remove(person.user_id));
  } catch (err) {
    showError(err.message);
  } finally {
    if (button) button.disabled = false;
  }
}

// Block or Unblock for someone shown on the page (none for the user themselves).
export function blockButton(person) {
  if (person.user_id == null || isMe(person.user_id)) return null;
  const blocked = isBlocked(person.user_id);
  const button = element('button', `btn btn-link btn-tiny${blocked ? '' : ' danger'}`, blocked ? 'Unblock' : 'Block');
  button.type = 'button';
  button.dataset.testid = blocked ? 'unblock-button' : 'block-button';
  button.title = blocked ? `Show ${person.username}'s messages again` : `Hide ${person.username}'s messages from you`;
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    if (blocked) unblock(person, button);
    else block(person, button);
  });
  return button;
}

function renderBlocks() {
  const people = blocks.people;
  $('block-list').replaceChildren(...people.map((p) => {
    const li = element('li', 'person-item');
    li.dataset.testid = 'blocked-person';
    li.dataset.username = p.username;
    li.append(element('span', 'room-name', p.username), blockButton(p));
    return li;
  }));
  $('blocks-count').textContent = String(people.length);
  $('blocks-section').hidden = people.length === 0;
}
