import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { boardRows, buildDraft, choiceCounts, isNewer, isQuizHash, ownLine, quizIdFromHash, secondsLeft, stageText } =
  await load('quiz_data.js');

const question = (over = {}) => ({ text: 'France?', choices: 'Paris\nLyon\n', correct: '1', points: '100', limit: '', ...over });

test('a link names its quiz and the bare view names none', () => {
  assert.equal(quizIdFromHash('#quiz=123456789'), '123456789');
  assert.equal(quizIdFromHash('#quiz'), null);
  assert.equal(quizIdFromHash('#quiz=12a'), null);
  assert.equal(isQuizHash('#quiz'), true);
  assert.equal(isQuizHash('#stats'), false);
});

test('what the host typed becomes the draft the API takes, the correct choice 0-based', () => {
  assert.deepEqual(buildDraft(' Capitals ', [question(), question({ correct: '2', limit: '20', points: '50' })]), {
    draft: {
      title: 'Capitals',
      questions: [
        { text: 'France?', choices: ['Paris', 'Lyon'], correct: 0, points: 100 },
        { text: 'France?', choices: ['Paris', 'Lyon'], correct: 1, points: 50, time_limit_seconds: 20 },
      ],
    },
  });
});

test('a quiz the API would refuse is refused with a sentence first', () => {
  assert.equal(buildDraft('', [question()]).error, 'Give the quiz a title.');
  assert.equal(buildDraft('T', []).error, 'Add at least one question.');
  assert.equal(buildDraft('T', [question({ choices: 'one' })]).error, 'Question 1 needs 2 to 6 choices, one per line.');
  assert.equal(buildDraft('T', [question({ choices: 'a\nb\nc\nd\ne\nf\ng' })]).error,
    'Question 1 needs 2 to 6 choices, one per line.');
  assert.equal(buildDraft('T', [question({ correct: '3' })]).error,
    'Question 1: the correct choice is a number from 1 to 2.');
  assert.equal(buildDraft('T', [question({ limit: '1' })]).error,
    'Question 1: the time limit is 3 to 3600 seconds, or empty for none.');
});

test('the countdown rounds up to whole seconds and stops at zero', () => {
  assert.equal(secondsLeft({ closes_ms: 10_000, ended: false }, 5_001), 5);
  assert.equal(secondsLeft({ closes_ms: 10_000, ended: false }, 12_000), 0);
  assert.equal(secondsLeft({ closes_ms: null, ended: false }, 0), null);
});

test('the stage reads as the players see it', () => {
  assert.equal(stageText({ state: 'draft' }, { question: -1 }), 'Waiting for the host to start.');
  assert.equal(stageText({ state: 'running', question_count: 3 }, { question: 1 }), 'Question 2 of 3');
  assert.equal(stageText({ state: 'running' }, { question: 1, ended: true }), 'The quiz has ended.');
});

test('the board marks my row, says my rank and gives the host a count for every choice', () => {
  const board = {
    seq: 2, at_ms: 10, players: 3, answers: 2, me: { rank: 2, score: 100 },
    top: [{ rank: 1, user_id: '7', username: 'bob', score: 150 }, { rank: 2, user_id: '9', username: 'ann', score: 100 }],
    counts: { 0: [1, 1], 1: [0, 2] },
  };
  assert.deepEqual(boardRows(board, '9').map((r) => [r.rank, r.name, r.score, r.mine]),
    [[1, 'bob', 150, false], [2, 'ann', 100, true]]);
  assert.equal(ownLine(board), 'You: #2 of 3 · 100 points');
  assert.equal(ownLine({ ...board, me: null }), '3 players · 2 answers');
  assert.equal(ownLine(null), 'No answers yet.');
  assert.deepEqual(choiceCounts(board, 0, 4), [1, 1, 0, 0]);
  assert.deepEqual(choiceCounts(board, 5, 2), [0, 0]);
});

test('only a newer board replaces the one shown', () => {
  assert.equal(isNewer(null, { at_ms: 1, seq: 1 }), true);
  assert.equal(isNewer({ at_ms: 5, seq: 2 }, { at_ms: 4, seq: 3 }), false);
  assert.equal(isNewer({ at_ms: 5, seq: 2 }, { at_ms: 6, seq: 3 }), true);
});
