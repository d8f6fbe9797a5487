import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { ScoreBook, describeSentiment } = await load('scores_data.js');

const positive = { label: 1, confidence: 0.91, model_version: 'm1' };
const negative = { label: -1, confidence: 0.6, model_version: 'm1' };
const scored = (message, sentiment) => ({ message, sentiment });

test('a score that arrives before its message applies when the message shows', () => {
  const book = new ScoreBook();
  assert.equal(book.note(scored({ message_id: '5' }, positive)), '5');
  assert.deepEqual(book.current({ message_id: '5', sentiment: null }), positive);
});

test('a score of older text arriving late neither replaces the newer score nor applies to the edit', () => {
  const book = new ScoreBook();
  const edited = { message_id: '5', edited_at: '2026-01-01T00:00:05Z' };
  book.note(scored(edited, negative));
  assert.equal(book.note(scored({ message_id: '5' }, positive)), null);
  assert.deepEqual(book.current(edited), negative);
  const later = { message_id: '5', edited_at: '2026-01-01T00:00:09Z', sentiment: null };
  assert.equal(book.current(later), null); // the live score is of text the message no longer has
});

test('a deleted message shows no score', () => {
  const book = new ScoreBook();
  book.note(scored({ message_id: '5' }, positive));
  assert.equal(book.current({ message_id: '5', deleted: true }), null);
});

test('the book forgets the oldest scores beyond its limit', () => {
  const book = new ScoreBook(2);
  for (const id of ['1', '2', '3']) book.note(scored({ message_id: id }, positive));
  assert.deepEqual([...book.scores.keys()], ['2', '3']);
  assert.equal(book.note({ message: { message_id: '4' } }), null);
});

test('a badge names the label, the confidence and the model', () => {
  assert.deepEqual(describeSentiment(positive), {
    name: 'positive',
    label: '1',
    title: 'Positive · 91% confidence · model m1',
    ariaLabel: 'Sentiment: positive, 91% confidence',
  });
  assert.equal(describeSentiment({ label: 0 }).title, 'Neutral · confidence unknown · model unknown');
  assert.equal(describeSentiment(null), null);
  assert.equal(describeSentiment({ label: 7 }), null);
});
