import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { SearchResults, cleanQuery, highlightSegments, mergeRanges, searchPath } = await load('search_data.js');

const hits = (segments) => segments.filter((s) => s.hit).map((s) => s.text);
const joined = (segments) => segments.map((s) => s.text).join('');

test('the highlighted words are the ranges the server gave', () => {
  const text = 'the deploy failed, redeploy now';
  const segments = highlightSegments(text, [[4, 10], [21, 29]]);
  assert.deepEqual(segments, [
    { text: 'the ', hit: false },
    { text: 'deploy', hit: true },
    { text: ' failed, re', hit: false },
    { text: 'deploy n', hit: true },
    { text: 'ow', hit: false },
  ]);
  assert.equal(joined(segments), text);
});

test('offsets count characters, not UTF-16 units: an emoji before a match does not shift it', () => {
  const text = '🚀🚀 launch day';
  // Python's "🚀🚀 launch day".find("launch") is 3.
  assert.deepEqual(hits(highlightSegments(text, [[3, 9]])), ['launch']);
  assert.equal(joined(highlightSegments(text, [[3, 9]])), text);
});

test('overlapping, touching, reversed, out-of-range and malformed ranges are cleaned up', () => {
  assert.deepEqual(mergeRanges([[5, 8], [0, 2], [1, 3], [3, 4], [7, 20], [9, 9], [6, 2], 'x', [1], [NaN, 2]], 10), [[0, 4], [5, 10]]);
  assert.deepEqual(mergeRanges(null, 10), []);
  assert.deepEqual(hits(highlightSegments('abc', [[-5, 1], [2, 99]])), ['a', 'c']);
});

test('no highlights (or empty text) gives the text as one plain segment', () => {
  assert.deepEqual(highlightSegments('plain', []), [{ text: 'plain', hit: false }]);
  assert.deepEqual(highlightSegments('', [[0, 3]]), [{ text: '', hit: false }]);
  assert.deepEqual(highlightSegments('whole', [[0, 5]]), [{ text: 'whole', hit: true }]);
});

test('the query is trimmed and its spaces collapsed; an empty one is not sent', () => {
  assert.equal(cleanQuery('  deploy   failed '), 'deploy failed');
  assert.equal(cleanQuery('   '), null);
  assert.equal(cleanQuery(undefined), null);
  assert.equal(cleanQuery('x'.repeat(500)).length, 200);
});

test('the request carries the query encoded, the limit and the cursor of the previous page', () => {
  assert.equal(searchPath('a&b c'), '/v1/search?q=a%26b+c&limit=20');
  assert.equal(searchPath('deploy', '123456', 5), '/v1/search?q=deploy&limit=5&before=123456');
});

test('pages of results add up newest first, each message once, the cursor following the last answer', () => {
  const result = (id) => ({ message: { message_id: id, room_id: 'r', text: 't' }, highlights: [] });
  const results = new SearchResults('t');
  assert.equal(results.take({ results: [result('30'), result('20')], before: '20' }).length, 2);
  assert.equal(results.before, '20');
  const added = results.take({ results: [result('20'), result('100'), result('9')], before: null });
  assert.deepEqual(added.map((r) => r.message.message_id), ['100', '9']);
  assert.deepEqual(results.results.map((r) => r.message.message_id), ['100', '30', '20', '9']);
  assert.equal(results.before, null);
  assert.equal(results.loaded, true);
});
