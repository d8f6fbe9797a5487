import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { mentionResolver, mentionSegments, mentionsMe } = await load('mentions_data.js');

const me = { user_id: '1', username: 'Alice' };
const people = new Map([['bob', '2'], ['carol', '3'], ['dan.', '4']]);
const idOf = (name) => people.get(name);
const segmentsOf = (text, mentions) => mentionSegments(text, mentionResolver({ text, mentions }, me, idOf));
const joined = (segments) => segments.map((s) => s.text ?? s.mention).join('');

test('my mention and another member mentioned are highlighted, mine apart', () => {
  const text = 'hey @alice and @bob, look';
  const segments = segmentsOf(text, ['1', '2']);
  assert.deepEqual(segments, [
    { text: 'hey ' },
    { mention: '@alice', who: 'me' },
    { text: ' and ' },
    { mention: '@bob', who: 'other' },
    { text: ', look' },
  ]);
  assert.equal(joined(segments), text);
});

test('a name the server did not resolve (not a member) stays plain text', () => {
  assert.deepEqual(segmentsOf('ask @carol or @zed', ['2']), [{ text: 'ask @carol or @zed' }]);
  assert.deepEqual(segmentsOf('hi @alice', []), [{ text: 'hi @alice' }]);
  assert.deepEqual(segmentsOf('hi @alice', undefined), [{ text: 'hi @alice' }]);
});

test('an e-mail address or a name inside a word mentions nobody', () => {
  assert.deepEqual(segmentsOf('mail bob@alice.example', ['1']), [{ text: 'mail bob@alice.example' }]);
  assert.deepEqual(segmentsOf('@@alice', ['1']), [{ text: '@@alice' }]);
});

test('a mention at the start, at the end of a sentence, or in another case is found', () => {
  assert.deepEqual(segmentsOf('@ALICE!', ['1']), [{ mention: '@ALICE', who: 'me' }, { text: '!' }]);
  assert.deepEqual(segmentsOf('thanks @bob.', ['2']), [{ text: 'thanks ' }, { mention: '@bob', who: 'other' }, { text: '.' }]);
  assert.deepEqual(segmentsOf('thanks @dan.', ['4']), [{ text: 'thanks ' }, { mention: '@dan.', who: 'other' }]);
});

test('the same person mentioned twice is highlighted twice, and the text comes back whole', () => {
  const text = '@bob @bob\n@bob';
  const segments = segmentsOf(text, ['2']);
  assert.equal(segments.filter((s) => s.mention).length, 3);
  assert.equal(joined(segments), text);
});

test('markup in a message stays text in the segments', () => {
  const text = '<img src=x onerror=alert(1)> @bob';
  const segments = segmentsOf(text, ['2']);
  assert.deepEqual(segments[0], { text: '<img src=x onerror=alert(1)> ' });
});

test('whether a message mentions me', () => {
  assert.equal(mentionsMe({ mentions: ['1', '2'] }, '1'), true);
  assert.equal(mentionsMe({ mentions: [2] }, '2'), true);
  assert.equal(mentionsMe({ mentions: ['2'] }, '1'), false);
  assert.equal(mentionsMe({}, '1'), false);
});
