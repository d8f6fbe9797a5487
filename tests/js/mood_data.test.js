import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { MoodBook, moodText, moodTitle, moodTone, sparkline } = await load('mood_data.js');

const mood = (positive, neutral, negative, minute = '2026-12-05T12:30:00Z', series = []) => {
  const n = positive + neutral + negative;
  return { room_id: 'r', minute, positive, neutral, negative, mean: n ? (positive - negative) / n : 0, series };
};

test('the header reads the mean with its sign and how many messages it covers', () => {
  assert.equal(moodText(mood(3, 1, 0)), 'Mood +0.75 · 4 messages in 5 min');
  assert.equal(moodText(mood(0, 0, 1)), 'Mood −1.00 · 1 message in 5 min');
  assert.equal(moodText(mood(1, 0, 1)), 'Mood ±0.00 · 2 messages in 5 min');
  assert.equal(moodText(mood(0, 0, 0)), 'Quiet for 5 min');
  assert.equal(moodText(null), 'Quiet for 5 min');
  assert.equal(moodTitle(mood(3, 1, 2)), 'Last 5 minutes: 3 positive, 1 neutral, 2 negative');
});

test('the tone is neutral near zero and quiet without messages', () => {
  assert.equal(moodTone(mood(3, 1, 0)), 'positive');
  assert.equal(moodTone(mood(0, 1, 3)), 'negative');
  assert.equal(moodTone(mood(1, 8, 1)), 'neutral');
  assert.equal(moodTone(mood(0, 0, 0)), 'quiet');
});

test('the sparkline breaks where a minute has no scored message and spans the width', () => {
  assert.deepEqual(sparkline([1, -1, null, 0, 0], 40, 10), ['0,0 10,10', '30,5 40,5']);
  assert.deepEqual(sparkline([null, 0.5, null], 20, 10), ['8.5,2.5 11.5,2.5']); // a lone minute: a short dash
  assert.deepEqual(sparkline([null, null], 20, 10), []);
  assert.deepEqual(sparkline(undefined, 20, 10), []);
});

test('a mood of an earlier minute never replaces a newer one', () => {
  const book = new MoodBook();
  assert.equal(book.note(mood(1, 0, 0, '2026-12-05T12:31:00Z')), true);
  assert.equal(book.note(mood(0, 0, 5, '2026-12-05T12:30:00Z')), false);
  assert.equal(book.get('r').positive, 1);
  assert.equal(book.note(mood(0, 0, 2, '2026-12-05T12:31:00Z')), true); // same minute: the later arrival wins
  assert.equal(book.get('r').negative, 2);
  assert.equal(book.get('other'), null);
  assert.equal(book.note({}), false);
});
