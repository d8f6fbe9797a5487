// The "top 10" panel: words, users and rooms over the last hour, day or all time.
import { api } from './api.js';
import { $, element } from './dom.js';
import { fmtInt } from './format.js';
import { displayName } from './rooms.js';

const KINDS = ['words', 'users', 'rooms'];

let windowName = 'day';

async function fetchTop() {
  const win = windowName;
  const [words, users, rooms] = await Promise.all(
    KINDS.map((kind) => api('GET', `/v1/stats/top/${kind}?window=${win}&limit=10`)),
  );
  return { words: words.entries, users: users.entries, rooms: rooms.entries };
}

function entryName(kind, key, li) {
  const name = element('span', 'top-name');
  name.dataset.testid = 'entry-name';
  if (kind !== 'rooms') {
    name.textContent = key;
    name.title = key;
    return name;
  }
  const known = displayName(key);
  name.textContent = known ? (known.startsWith('@') ? known : `# ${known}`) : key;
  name.title = known ? `Room id ${key}` : 'A room you do not know the name of (its id)';
  if (known) li.dataset.name = known;
  else name.classList.add('unknown');
  return name;
}

function renderTop(data) {
  for (const kind of KINDS) {
    const entries = data[kind];
    const list = $(`top-${kind}`);
    if (!entries.length) {
      list.replaceChildren(element('li', 'top-empty', 'Nothing in this window.'));
      continue;
    }
    const max = Math.max(...entries.map((e) => e.count));
    list.replaceChildren(...entries.map((e, i) => {
      const li = element('li', 'top-entry');
      li.dataset.testid = `top-${kind}-entry`;
      li.dataset.key = e.key;
      li.dataset.count = String(e.count);
      const name = entryName(kind, e.key, li);
      const count = element('span', 'top-count', fmtInt(e.count));
      count.dataset.testid = 'entry-count';
      const bar = element('span', 'top-bar');
      bar.style.width = `${Math.max(2, (e.count / max) * 100)}%`;
      li.append(bar, element('span', 'top-rank', String(i + 1)), name, count);
      return li;
    }));
  }
}

export const topPanel = {
  key: 'top',
  testid: 'panel-top',
  segment: { id: 'top-window', get: () => windowName, set: (v) => { windowName = v; } },
  fetch: fetchTop,
  render: renderTop,
  // Room names may have arrived after the list: draw it again with them.
  roomsChanged: (data) => {
    if (data) renderTop(data);
  },
};
