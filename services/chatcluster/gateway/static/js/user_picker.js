// Username suggestions under an input while a name is typed (invite someone to a room, add a
// contact), from the user directory (GET /v1/users?prefix=): arrows move, Enter or a click
// chooses, Escape closes. The input's form holds the list (it needs `position: relative`).
import { api } from './api.js';
import { element } from './dom.js';
import { presenceDot } from './presence.js';
import { Suggestions, directoryPrefix, usersQuery } from './user_picker_data.js';

const ASK_AFTER_MS = 150; // a burst of keys makes one question

// `exclude(user)` leaves people out of the suggestions; `picked(user)` follows a choice.
export function attachUserPicker(input, { exclude = () => false, picked = () => {} } = {}) {
  const suggestions = new Suggestions();
  const list = element('ul', 'user-suggestions');
  list.id = `${input.id}-suggestions`;
  list.dataset.testid = 'user-suggestions';
  list.setAttribute('role', 'listbox');
  list.hidden = true;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  input.setAttribute('aria-expanded', 'false');
  input.after(list);
  let timer = null;

  function render() {
    list.replaceChildren(...suggestions.users.map((user, i) => {
      const li = element('li', 'user-suggestion');
      li.id = `${list.id}-${i}`;
      li.dataset.testid = 'user-suggestion';
      li.dataset.username = user.username;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', String(i === suggestions.index));
      li.append(presenceDot(user.user_id), element('span', 'member-name', user.username));
      // pointerdown, not click: the input keeps the focus (its blur would close the list first).
      li.addEventListener('pointerdown', (e) => {
        e.preventDefault();
        choose(user);
      });
      return li;
    }));
    const open = suggestions.users.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    if (suggestions.index >= 0) input.setAttribute('aria-activedescendant', `${list.id}-${suggestions.index}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function close() {
    clearTimeout(timer);
    suggestions.clear();
    render();
  }

  function choose(user) {
    input.value = user.username;
    close();
    picked(user);
  }

  async function ask() {
    const prefix = directoryPrefix(input.value);
    if (!prefix) {
      close();
      return;
    }
    const n = suggestions.ask();
    let answer;
    try {
      answer = await api('GET', usersQuery(prefix));
    } catch {
      return; // no suggestions: the name can still be typed in full
    }
    if (suggestions.answer(n, answer && answer.users, exclude)) render();
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, ASK_AFTER_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      suggestions.move(e.key === 'ArrowDown' ? 1 : -1);
      render();
    } else if (e.key === 'Enter' && suggestions.current()) {
      e.preventDefault();
      choose(suggestions.current());
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  });
  input.addEventListener('blur', close);
  return { close };
}
