// Contacts (the design's friends), in the sidebar: add one by username (with suggestions from the
// user directory), remove one, see who is online, open a direct message with a click, block one.
import { api } from './api.js';
import { blockButton } from './blocks.js';
import { $, element, showError } from './dom.js';
import { ContactBook, typedUsername } from './contacts_data.js';
import { presenceDot, setPresence } from './presence.js';
import { addRoom } from './rooms.js';
import { isMe } from './session.js';
import { attachUserPicker } from './user_picker.js';

const hooks = {
  open: () => {}, // (room_id) show a room
};

let book = new ContactBook();
let loading = 0; // bumps on every reset, so answers meant for an earlier session are dropped
let picker = null;

export function setContactHooks(h) {
  Object.assign(hooks, h);
}

export const contactIds = () => book.ids();

export function resetContacts() {
  book = new ContactBook();
  loading += 1;
  if (picker) picker.close();
  renderContacts();
}

export async function loadContacts() {
  const mine = loading;
  let answer;
  try {
    answer = await api('GET', '/v1/contacts');
  } catch {
    return; // no contacts on this server, or unreachable: the list stays as it was
  }
  if (mine !== loading) return;
  book.set(answer && answer.contacts);
  for (const c of book.people) if (c.presence) setPresence(c.user_id, c.presence);
  renderContacts();
}

function contactItem(c) {
  const li = element('li', 'room-item person-item');
  li.dataset.testid = 'contact-item';
  li.dataset.username = c.username;
  li.tabIndex = 0;
  li.setAttribute('role', 'button');
  li.title = `Message ${c.username}`;
  const icon = element('span', 'room-icon');
  icon.append(presenceDot(c.user_id));
  const actions = element('span', 'person-actions');
  const remove = element('button', 'btn btn-link btn-tiny', 'Remove');
  remove.type = 'button';
  remove.dataset.testid = 'contact-remove';
  remove.title = `Remove ${c.username} from your contacts`;
  remove.addEventListener('click', (e) => {
    e.stopPropagation();
    removeContact(c, remove);
  });
  const block = blockButton(c);
  if (block) actions.append(block);
  actions.append(remove);
  li.append(icon, element('span', 'room-name', c.username), actions);
  li.addEventListener('click', () => openDm(c));
  li.addEventListener('keydown', (e) => {
    if (e.target === li && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openDm(c);
    }
  });
  return li;
}

export function renderContacts() {
  const people = book.sorted();
  $('contact-list').replaceChildren(...people.map(contactItem));
  $('contact-list-empty').hidden = people.length > 0;
}

async function openDm(c) {
  try {
    const room = await api('POST', `/v1/dms/${encodeURIComponent(c.username)}`);
    addRoom(room);
    hooks.open(room.room_id);
  } catch (err) {
    showError(err.message);
  }
}

async function removeContact(c, button) {
  button.disabled = true;
  try {
    await api('DELETE', `/v1/contacts/${encodeURIComponent(c.username)}`);
    await loadContacts();
  } catch (err) {
    showError(err.message);
    button.disabled = false;
  }
}

async function addContact(event) {
  event.preventDefault();
  const input = $('contact-input');
  const username = typedUsername(input.value);
  if (!username) {
    showError('Type the username of the person to add.');
    return;
  }
  picker.close();
  $('contact-add-button').disabled = true;
  try {
    await api('PUT', `/v1/contacts/${encodeURIComponent(username)}`);
    input.value = '';
    await loadContacts();
  } catch (err) {
    showError(err.message);
  } finally {
    $('contact-add-button').disabled = false;
  }
}

export function wireContacts() {
  $('contact-form').addEventListener('submit', addContact);
  picker = attachUserPicker($('contact-input'), {
    exclude: (u) => isMe(u.user_id) || book.has(u.user_id),
  });
}
