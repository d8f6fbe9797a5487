import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  dayAxis, labelIndexes, niceScale, ownColours, perDayPerUser, rateSummary, runsOf, sentimentSlots, sentimentWindow,
} = await load('chart_data.js');

test('an axis ends on a round number just above the largest count, in whole steps', () => {
  assert.deepEqual(niceScale(0), { max: 4, step: 1 });
  assert.deepEqual(niceScale(3), { max: 3, step: 1 });
  assert.deepEqual(niceScale(7), { max: 8, step: 2 });
  assert.deepEqual(niceScale(9), { max: 10, step: 2.5 });
  assert.deepEqual(niceScale(37), { max: 40, step: 10 });
  assert.deepEqual(niceScale(1234), { max: 1500, step: 500 });
});

test('labels are thinned to fit, counted back from the newest band, which always gets one', () => {
  assert.deepEqual(labelIndexes(5, 100, 58), [0, 1, 2, 3, 4]);
  assert.deepEqual(labelIndexes(10, 20, 58), [0, 3, 6, 9]);
  assert.deepEqual(labelIndexes(11, 20, 58), [1, 4, 7, 10]);
});

test('per-day rows become totals per user (largest first) and counts per day', () => {
  const { users, byDay } = perDayPerUser([
    { day: '2026-01-01', username: 'bob', count: 1 },
    { day: '2026-01-01', username: 'alice', count: 2 },
    { day: '2026-01-02', username: 'alice', count: 1 },
    { day: '2026-01-02', user_id: '77', count: 3 },
    { day: '2026-01-03', username: 'nobody', count: 0 },
  ]);
  assert.deepEqual(users, [['77', 3], ['alice', 3], ['bob', 1]]);
  assert.deepEqual([...byDay.keys()], ['2026-01-01', '2026-01-02']);
  assert.equal(byDay.get('2026-01-01').get('alice'), 2);
});

test('the top users get a colour each; with more users than colours the last colour is shared', () => {
  assert.equal(ownColours(3, 8), 3);
  assert.equal(ownColours(8, 8), 8);
  assert.equal(ownColours(9, 8), 7);
});

test('the day axis runs every day up to today, or only the days seen when the span is too long', () => {
  assert.deepEqual(dayAxis(['2026-01-02'], '2026-01-01', '2026-01-03'), {
    days: ['2026-01-01', '2026-01-02', '2026-01-03'], sparse: false,
  });
  assert.deepEqual(dayAxis(['2026-01-02', '2026-01-05'], null, '2026-01-04').days.at(-1), '2026-01-05');
  assert.deepEqual(dayAxis(['2020-01-01', '2026-01-01'], null, '2026-01-03'), { days: ['2020-01-01', '2026-01-01'], sparse: true });
  assert.deepEqual(dayAxis([], null, '2026-01-03'), { days: [], sparse: false });
});

test('the sentiment window ends with the step now filling', () => {
  const now = Date.UTC(2026, 0, 1, 10, 30);
  const { ms, slots, start, end } = sentimentWindow('hour', now);
  assert.equal(ms, 3600000);
  assert.equal(slots, 48);
  assert.equal(end, Date.UTC(2026, 0, 1, 11));
  assert.equal(end - start, 48 * ms);
});

test('sentiment points land in their slot; points outside the window are left out of the totals', () => {
  const start = Date.UTC(2026, 0, 1);
  const at = (h, positive, neutral, negative) => ({ start: new Date(start + h * 3600000).toISOString(), positive, neutral, negative });
  const { bySlot, sum, total } = sentimentSlots([at(0, 1, 0, 0), at(2, 0, 2, 1), at(-1, 5, 5, 5), at(48, 5, 5, 5)], start, 3600000, 48);
  assert.deepEqual([...bySlot.keys()], [0, 2]);
  assert.deepEqual(sum, { positive: 1, neutral: 2, negative: 1 });
  assert.equal(total, 4);
});

test('the mean line joins neighbouring slots only', () => {
  assert.deepEqual(runsOf([0, 1, 2, 5, 7, 8]), [[0, 1, 2], [5], [7, 8]]);
  assert.deepEqual(runsOf([]), []);
});

test('the rate sparkline scales to its peak or its mean, never below one', () => {
  const rate = { per_second: 0.05, points: [{ count: 0 }, { count: 2 }, { count: 1 }] };
  assert.deepEqual(rateSummary(rate), { counts: [0, 2, 1], total: 3, peak: 2, top: 2 });
  assert.equal(rateSummary({ per_second: 0, points: [] }).top, 1);
});
