// The two views of the signed-in page: the chat and the stats (#stats).
import { $ } from './dom.js';
import { currentRoomId } from './messages.js';
import { scheduleMarkRead } from './read_state.js';
import { signedIn } from './session.js';
import { closeStats, openStats } from './stats.js';

const currentView = () => (location.hash === '#stats' ? 'stats' : 'chat');

export function applyView() {
  const view = currentView();
  $('chat-main').hidden = view !== 'chat';
  $('stats-main').hidden = view !== 'stats';
  for (const tab of document.querySelectorAll('.view-tab')) {
    const on = tab.dataset.view === view;
    tab.classList.toggle('active', on);
    if (on) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (view === 'stats' && signedIn() && !$('chat-view').hidden) openStats(currentRoomId());
  else closeStats();
  if (view === 'chat') scheduleMarkRead(); // the open room shows again: it may be read now
}

// Going to a room from the stats view shows the chat again.
export function showChatView() {
  if (currentView() === 'chat') return;
  history.pushState(null, '', location.pathname + location.search);
  applyView();
}

export function wireViews() {
  window.addEventListener('hashchange', applyView);
  window.addEventListener('popstate', applyView);
}
