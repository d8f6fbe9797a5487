import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { DELETED, NOT_AVAILABLE, Originals, QUOTE_CHARS, quoteOf, replyDraftFor, snippet } = await load('replies_data.js');

test('a quote is one line of the original, cut with an ellipsis past its length', () => {
  assert.equal(snippet('  hello\n\n  world  '), 'hello world');
  const long = 'word '.repeat(100);
  const cut = snippet(long);
  assert.equal(Array.from(cut).length <= QUOTE_CHARS, true);
  assert.match(cut, /word…$/);
  assert.equal(snippet('🚀'.repeat(10), 5), '🚀🚀🚀🚀…');
  assert.equal(snippet(null), '');
});

test("a quote names the original's author; a deleted or missing original says so", () => {
  assert.deepEqual(quoteOf({ author: 'alice', text: 'hi there', deleted: false }), { author: 'alice', text: 'hi there', missing: false });
  assert.deepEqual(quoteOf({ author: 'alice', text: 'secret', deleted: true }), { author: 'alice', text: DELETED, missing: false });
  assert.deepEqual(quoteOf(null), { author: '', text: NOT_AVAILABLE, missing: true });
});

test('originals are remembered, missing ones too, updated only when already known, and bounded', () => {
  const originals = new Originals(2);
  originals.put('1', { message_id: '1', text: 'a' });
  originals.put(2, null);
  assert.equal(originals.has('2'), true);
  assert.equal(originals.get('2'), null);
  assert.equal(originals.update({ message_id: '1', text: 'b' }), true);
  assert.equal(originals.get(1).text, 'b');
  assert.equal(originals.update({ message_id: '3', text: 'c' }), false);
  assert.equal(originals.has('3'), false);
  originals.put('4', { message_id: '4' });
  assert.equal(originals.has('1'), false, 'the oldest went');
  assert.equal(originals.has('4'), true);
});

test('a reply draft belongs to the room it was started in', () => {
  const draft = { room_id: 'r1', message_id: '5' };
  assert.equal(replyDraftFor(draft, 'r1'), draft);
  assert.equal(replyDraftFor(draft, 'r2'), null);
  assert.equal(replyDraftFor(null, 'r1'), null);
});
