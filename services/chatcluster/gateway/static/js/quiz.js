// The quiz view (#quiz, #quiz=ID): a host creates, starts and advances a quiz and sees the answers per
// choice live; a player joins, answers with a countdown and watches the board (quiz_board frames over the
// page's socket, quiz_state when the host moves on). The decisions are in quiz_data.js.
import { api, serverNow } from './api.js';
import { $, element, showError } from './dom.js';
import {
  boardRows, buildDraft, choiceCounts, isNewer, ownLine, quizIdFromHash, secondsLeft, stageText,
} from './quiz_data.js';
import { currentUserId } from './session.js';

const path = (id) => `/v1/quizzes/${encodeURIComponent(id)}`;
const view = {
  transport: null, built: false, quizId: null, quiz: null, board: null, joined: false,
  answered: new Map(), ticker: null, reloading: false,
};

export function wireQuiz(transport) {
  view.transport = transport;
}

function input(testid, attrs = {}, tag = 'input') {
  const el = element(tag, 'quiz-input');
  el.dataset.testid = testid;
  Object.assign(el, attrs);
  if (attrs.placeholder) el.setAttribute('aria-label', attrs.placeholder);
  return el;
}

function button(testid, text, onClick, className = 'btn btn-primary') {
  const el = element('button', className, text);
  el.type = 'button';
  el.id = testid;
  el.dataset.testid = testid;
  el.addEventListener('click', onClick);
  return el;
}

function addQuestion() {
  const box = element('fieldset', 'quiz-question-form');
  box.dataset.testid = 'quiz-question-form';
  box.append(
    input('quiz-q-text', { placeholder: 'Question' }),
    input('quiz-q-choices', { placeholder: 'Choices, one per line (2 to 6)', rows: 4 }, 'textarea'),
    input('quiz-q-correct', { placeholder: 'Correct choice (1 = first)', type: 'number', min: 1, max: 6 }),
    input('quiz-q-points', { placeholder: 'Points', type: 'number', min: 1, value: '100' }),
    input('quiz-q-limit', { placeholder: 'Time limit in seconds (empty: none)', type: 'number', min: 3 }),
  );
  $('quiz-questions').append(box);
}

async function createQuiz() {
  const questions = [...$('quiz-questions').children].map((box) => {
    const value = (id) => box.querySelector(`[data-testid="${id}"]`).value;
    return {
      text: value('quiz-q-text'), choices: value('quiz-q-choices'), correct: value('quiz-q-correct'),
      points: value('quiz-q-points'), limit: value('quiz-q-limit'),
    };
  });
  const { draft, error } = buildDraft($('quiz-title-input').value, questions);
  if (error) return showError(error);
  try {
    const quiz = await api('POST', '/v1/quizzes', draft);
    location.hash = `#quiz=${quiz.quiz_id}`;
  } catch (err) {
    showError(err.message);
  }
}

function build() {
  const main = $('quiz-main');
  const lobby = element('section', 'quiz-lobby');
  lobby.id = 'quiz-lobby';
  const title = input('quiz-title-input', { id: 'quiz-title-input', placeholder: 'Quiz title' });
  const questions = element('div', 'quiz-questions');
  questions.id = 'quiz-questions';
  const openId = input('quiz-id-input', { id: 'quiz-id-input', placeholder: 'Quiz id' });
  lobby.append(
    element('h2', null, 'Open a quiz'), openId,
    button('quiz-open', 'Open', () => { if (openId.value.trim()) location.hash = `#quiz=${openId.value.trim()}`; }),
    element('h2', null, 'Create a quiz'), title, questions,
    button('quiz-add-question', 'Add question', addQuestion, 'btn btn-secondary'),
    button('quiz-create', 'Create quiz', createQuiz),
  );
  const room = element('section', 'quiz-room');
  room.id = 'quiz-room';
  room.hidden = true;
  const part = (tag, id, className) => {
    const el = element(tag, className);
    el.id = id;
    el.dataset.testid = id;
    return el;
  };
  const controls = element('div', 'quiz-controls');
  controls.append(
    button('quiz-start', 'Start', () => hostCall('start')),
    button('quiz-next', 'Next question', () => hostCall('advance')),
    button('quiz-join', 'Join', join),
  );
  room.append(
    part('h2', 'quiz-name', 'quiz-name'), part('div', 'quiz-stage', 'room-subtitle'),
    part('div', 'quiz-countdown', 'quiz-countdown'), part('div', 'quiz-link', 'room-subtitle'), controls,
    part('div', 'quiz-question', 'quiz-question'), part('div', 'quiz-choices', 'quiz-choices'),
    element('h3', null, 'Leaderboard'), part('ol', 'quiz-board', 'quiz-board'), part('div', 'quiz-me', 'quiz-me'),
  );
  main.append(lobby, room);
  addQuestion();
  view.built = true;
}

export async function openQuiz(hash) {
  if (!view.built) build();
  const id = quizIdFromHash(hash);
  $('quiz-lobby').hidden = id != null;
  $('quiz-room').hidden = id == null;
  if (id === view.quizId) return;
  closeQuiz();
  if (id == null) return;
  Object.assign(view, { quizId: id, quiz: null, board: null, joined: false, answered: new Map() });
  await load(id);
  view.ticker = setInterval(tick, 250);
}

export function closeQuiz() {
  if (view.quizId && view.transport) view.transport.send({ type: 'quiz_unwatch', quiz_id: view.quizId });
  clearInterval(view.ticker);
  view.quizId = null;
}

async function load(id) {
  try {
    const quiz = await api('GET', path(id));
    if (id !== view.quizId) return;
    view.quiz = quiz;
    if (!quiz.is_host && !view.joined) {
      // A board answers only a player who joined: someone coming back to the page has.
      view.joined = await api('GET', `${path(id)}/board`).then((b) => { offerBoard(b); return true; }, () => false);
    }
    watch();
    render();
  } catch (err) {
    showError(err.message);
  }
}

function watch() {
  if (view.quizId && view.quiz && (view.quiz.is_host || view.joined) && view.transport) {
    view.transport.send({ type: 'quiz_watch', quiz_id: view.quizId });
  }
}

// The socket (re)connected: the server forgets what an earlier socket watched.
export function quizSocketReady() {
  watch();
}

async function hostCall(action) {
  try {
    view.quiz = await api('POST', `${path(view.quizId)}/${action}`);
    render();
  } catch (err) {
    showError(err.message);
  }
}

async function join() {
  try {
    await api('POST', `${path(view.quizId)}/join`);
    view.joined = true;
    watch();
    render();
  } catch (err) {
    showError(err.message);
  }
}

async function answer(question, choice) {
  try {
    await api('POST', `${path(view.quizId)}/questions/${question}/answer`, { choice, key: `page-${question}-${choice}` });
    view.answered.set(question, choice);
    render();
  } catch (err) {
    showError(err.message);
  }
}

const progressNow = () => view.quiz.progress;

function tick() {
  if (!view.quiz) return;
  const left = secondsLeft(progressNow(), serverNow());
  $('quiz-countdown').textContent = left == null ? '' : `${left} s left`;
  if (left === 0 && !view.reloading) {
    view.reloading = true; // the timed question closed by itself: read where the quiz is now
    load(view.quizId).finally(() => { view.reloading = false; });
  }
}

function render() {
  const { quiz } = view;
  if (!quiz) return;
  const progress = progressNow();
  const host = quiz.is_host;
  $('quiz-name').textContent = quiz.title;
  $('quiz-stage').textContent = stageText(quiz, progress);
  $('quiz-link').textContent = host ? `Players join at ${location.origin}/#quiz=${quiz.quiz_id}` : '';
  $('quiz-start').hidden = !host || quiz.state !== 'draft';
  $('quiz-next').hidden = !host || quiz.state !== 'running';
  $('quiz-join').hidden = host || view.joined || quiz.state === 'ended';
  const index = progress.question;
  const question = quiz.state === 'running' && !progress.ended ? quiz.questions[index] : null;
  $('quiz-question').textContent = question ? question.text : '';
  const choices = $('quiz-choices');
  choices.replaceChildren();
  if (question && host) {
    const counts = choiceCounts(view.board, index, question.choices.length);
    question.choices.forEach((text, i) => {
      const row = element('div', i === question.correct ? 'quiz-count correct' : 'quiz-count');
      row.dataset.testid = 'quiz-count';
      row.append(element('span', null, text), element('strong', null, String(counts[i])));
      choices.append(row);
    });
  } else if (question) {
    const mine = view.answered.get(index);
    question.choices.forEach((text, i) => {
      const choice = button('quiz-choice', text, () => answer(index, i), i === mine ? 'btn btn-primary' : 'btn btn-secondary');
      choice.removeAttribute('id'); // one per choice: found by its test id
      choice.disabled = !view.joined || mine != null;
      choices.append(choice);
    });
  }
  renderBoard();
  tick();
}

function renderBoard() {
  const list = $('quiz-board');
  list.replaceChildren(...boardRows(view.board, currentUserId()).map((row) => {
    const li = element('li', row.mine ? 'mine' : null, `${row.rank}. ${row.name} — ${row.score}`);
    li.dataset.testid = 'quiz-board-row';
    return li;
  }));
  $('quiz-me').textContent = ownLine(view.board);
}

function offerBoard(board) {
  if (!isNewer(view.board, board)) return false;
  view.board = board;
  return true;
}

export function onQuizBoard(frame) {
  if (frame.quiz_id !== view.quizId || !offerBoard(frame)) return;
  if (view.quiz?.is_host) render(); // the answers per choice
  else renderBoard();
}

export function onQuizState(frame) {
  if (frame.quiz_id === view.quizId) load(view.quizId);
}
