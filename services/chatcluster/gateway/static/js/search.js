// Message search: the box in the sidebar asks GET /v1/search (the rooms the user is in, newest
// first); the results panel shows each with its room, author and time and the matched words
// highlighted, older results on demand (the answer's cursor); a click opens the room at that
// message.
import { api } from './api.js';
import { $, element, showError } from './dom.js';
import { formatTime } from './format.js';
import { idDate } from './ids.js';
import { SearchResults, cleanQuery, highlightSegments, searchPath } from './search_data.js';

const hooks = {
  open: () => {}, // (room_id, message_id) show the room at that message
  roomName: () => null, // (room_id) "#lounge" or "@bob"
};

let results = new SearchResults();
let asking = 0; // bumps on every new query, so an answer to an earlier one is dropped
let loadingMore = false;

export function setSearchHooks(h) {
  Object.assign(hooks, h);
}

export function resetSearch() {
  asking += 1;
  results = new SearchResults();
  loadingMore = false;
  closeSearch();
  const input = $('search-input');
  if (input) input.value = '';
}

function resultItem(r) {
  const m = r.message;
  const li = element('li', 'search-result');
  li.dataset.testid = 'search-result';
  li.dataset.roomId = m.room_id;
  li.dataset.messageId = String(m.message_id);
  li.tabIndex = 0;
  li.setAttribute('role', 'button');
  const head = element('div', 'search-result-head');
  const room = element('span', 'search-result-room', hooks.roomName(m.room_id) || m.room_id);
  room.dataset.testid = 'search-result-room';
  const author = element('span', 'search-result-author', m.author);
  author.dataset.testid = 'search-result-author';
  const date = idDate(m.message_id);
  const time = element('time', 'search-result-time', formatTime(date));
  if (date) time.dateTime = date.toISOString();
  head.append(room, author, time);
  const text = element('div', 'search-result-text');
  text.dataset.testid = 'search-result-text';
  text.append(...highlightSegments(m.text, r.highlights).map((s) => {
    if (!s.hit) return document.createTextNode(s.text);
    const mark = element('mark', 'search-hit', s.text);
    mark.dataset.testid = 'search-hit';
    return mark;
  }));
  li.append(head, text);
  const open = () => {
    closeSearch();
    hooks.open(m.room_id, String(m.message_id));
  };
  li.addEventListener('click', open);
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  });
  return li;
}

function render() {
  $('search-results').replaceChildren(...results.results.map(resultItem));
  $('search-summary').textContent = results.loaded
    ? `${results.results.length}${results.before ? '+' : ''} message${results.results.length === 1 && !results.before ? '' : 's'} matching “${results.query}”`
    : `Searching for “${results.query}”…`;
  $('search-empty').hidden = !results.loaded || results.results.length > 0;
  const more = $('search-more');
  more.hidden = !results.before;
  more.disabled = loadingMore;
  more.textContent = loadingMore ? 'Loading…' : 'Show older results';
}

async function search(text) {
  const query = cleanQuery(text);
  if (!query) {
    closeSearch();
    return;
  }
  const mine = ++asking;
  results = new SearchResults(query);
  loadingMore = false;
  openPanel();
  render();
  try {
    const answer = await api('GET', searchPath(query));
    if (mine !== asking) return;
    results.take(answer);
  } catch (err) {
    if (mine !== asking) return;
    results.loaded = true;
    showError(err.message);
  }
  render();
}

async function searchOlder() {
  if (!results.before || loadingMore) return;
  const mine = asking;
  loadingMore = true;
  render();
  try {
    const answer = await api('GET', searchPath(results.query, results.before));
    if (mine === asking) results.take(answer);
  } catch (err) {
    if (mine === asking) showError(err.message);
  } finally {
    if (mine === asking) {
      loadingMore = false;
      render();
    }
  }
}

function openPanel() {
  $('search-panel').hidden = false;
}

export function closeSearch() {
  const panel = $('search-panel');
  if (panel) panel.hidden = true;
}

// Whether a click at `target` belongs to the search (the box or its results).
export const insideSearch = (target) => !!target.closest('#search-panel, #search-form');

export function wireSearch() {
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    search($('search-input').value);
  });
  $('search-input').addEventListener('focus', () => {
    if (results.query) openPanel();
  });
  $('search-input').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeSearch();
  });
  $('search-more').addEventListener('click', searchOlder);
  $('search-close').addEventListener('click', closeSearch);
}
