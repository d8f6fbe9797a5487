// The views of the signed-in page: the chat, the stats (#stats) and the quiz (#quiz, #quiz=ID).
import { $ } from './dom.js';
import { currentRoomId } from './messages.js';
import { closeQuiz, openQuiz } from './quiz.js';
import { isQuizHash } from './quiz_data.js';
import { scheduleMarkRead } from './read_state.js';
import { signedIn } from './session.js';
import { closeStats, openStats } from './stats.js';

const currentView = () => {
  if (location.hash === '#stats') return 'stats';
  return isQuizHash(location.hash) ? 'quiz' : 'chat';
};

export function applyView() {
  const view = currentView();
  $('chat-main').hidden = view !== 'chat';
  $('stats-main').hidden = view !== 'stats';
  $('quiz-main').hidden = view !== 'quiz';
  for (const tab of document.querySelectorAll('.view-tab')) {
    const on = tab.dataset.view === view;
    tab.classList.toggle('active', on);
    if (on) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (view === 'stats' && signedIn() && !$('chat-view').hidden) openStats(currentRoomId());
  else closeStats();
  if (view === 'quiz' && signedIn()) openQuiz(location.hash);
  else closeQuiz();
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
