// The quiz page's decisions, without the DOM: the quiz a host typed in, the countdown, the board rows,
// the host's answers per choice, which board is newer, and the quiz a link names. quiz.js draws them.

export const MIN_CHOICES = 2;
export const MAX_CHOICES = 6;

// '#quiz=123' → '123'; '#quiz' (the empty quiz view) → null.
export function quizIdFromHash(hash) {
  const match = /^#quiz=(\d{1,19})$/.exec(hash || '');
  return match ? match[1] : null;
}

export const isQuizHash = (hash) => hash === '#quiz' || quizIdFromHash(hash) != null;

// What the host typed → {draft} for POST /v1/quizzes, or {error: a sentence}. A question is
// {text, choices: 'one per line', correct: 1-based, points, limit: seconds or ''}.
export function buildDraft(title, questions) {
  if (!title.trim()) return { error: 'Give the quiz a title.' };
  if (!questions.length) return { error: 'Add at least one question.' };
  const out = [];
  for (const [i, q] of questions.entries()) {
    const n = i + 1;
    const choices = q.choices.split('\n').map((c) => c.trim()).filter(Boolean);
    if (!q.text.trim()) return { error: `Question ${n} has no text.` };
    if (choices.length < MIN_CHOICES || choices.length > MAX_CHOICES) {
      return { error: `Question ${n} needs ${MIN_CHOICES} to ${MAX_CHOICES} choices, one per line.` };
    }
    const correct = Number(q.correct);
    if (!Number.isInteger(correct) || correct < 1 || correct > choices.length) {
      return { error: `Question ${n}: the correct choice is a number from 1 to ${choices.length}.` };
    }
    const question = { text: q.text.trim(), choices, correct: correct - 1, points: Number(q.points) || 100 };
    if (String(q.limit ?? '').trim() !== '') {
      const limit = Number(q.limit);
      if (!Number.isInteger(limit) || limit < 3 || limit > 3600) {
        return { error: `Question ${n}: the time limit is 3 to 3600 seconds, or empty for none.` };
      }
      question.time_limit_seconds = limit;
    }
    out.push(question);
  }
  return { draft: { title: title.trim(), questions: out } };
}

// Whole seconds left on the open question at `nowMs` (the server's clock), or null when it has no limit.
export function secondsLeft(progress, nowMs) {
  if (!progress || progress.closes_ms == null || progress.ended) return null;
  return Math.max(0, Math.ceil((progress.closes_ms - nowMs) / 1000));
}

// Where the quiz stands, in words.
export function stageText(quiz, progress) {
  if (progress.ended || quiz.state === 'ended') return 'The quiz has ended.';
  if (quiz.state === 'draft' || progress.question < 0) return 'Waiting for the host to start.';
  return `Question ${progress.question + 1} of ${quiz.question_count}`;
}

// The top rows of a board, the user's own row marked.
export function boardRows(board, myId) {
  return (board?.top ?? []).map((e) => ({
    rank: e.rank, name: e.username, score: e.score, mine: String(e.user_id) === String(myId),
  }));
}

// "You: #2 of 3 · 150 points", or a hint for someone not on the board (the host).
export function ownLine(board) {
  if (!board) return 'No answers yet.';
  if (!board.me) return `${board.players} players · ${board.answers} answers`;
  return `You: #${board.me.rank} of ${board.players} · ${board.me.score} points`;
}

// The host's answers per choice of one question, one number per choice (the board leaves out
// the choices nobody took past the last one taken).
export function choiceCounts(board, question, choices) {
  const counts = board?.counts?.[String(question)] ?? [];
  return Array.from({ length: choices }, (_, i) => counts[i] ?? 0);
}

// Whether `board` is newer than the one shown (frames and reads may cross).
export const isNewer = (shown, board) => !shown || board.at_ms > shown.at_ms
  || (board.at_ms === shown.at_ms && board.seq > shown.seq);
