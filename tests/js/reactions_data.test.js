import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  COMMON_EMOJI, ReactionLedger, applyReaction, isOneEmoji, reactedBy, reactionPath, reactionTitle, typedEmoji,
} = await load('reactions_data.js');

const event = (op, user, emoji, eventId = null) => ({
  op, message_id: '100', user_id: String(user), username: `user${user}`, emoji, event_id: eventId,
});

test('one emoji grapheme is accepted, including skin tones, flags, keycaps and families; anything else is not', () => {
  for (const emoji of [...COMMON_EMOJI, '👍🏽', '🇫🇷', '1️⃣', '👨‍👩‍👧', '🚀', '❤']) assert.equal(isOneEmoji(emoji), true, emoji);
  for (const text of ['', 'a', 'ok', '👍👍', '👍 ', '1', '#', ':)', '👍a', null, undefined, 7]) assert.equal(isOneEmoji(text), false, String(text));
});

test('the typed emoji is trimmed first; text that is not one emoji gives null', () => {
  assert.equal(typedEmoji('  🎉 '), '🎉');
  assert.equal(typedEmoji('party'), null);
  assert.equal(typedEmoji(''), null);
});

test('a reaction added by two users counts two, each listed once however often it arrives', () => {
  let r = applyReaction([], event('added', 1, '👍'));
  r = applyReaction(r, event('added', 2, '👍'));
  r = applyReaction(r, event('added', 2, '👍'));
  assert.deepEqual(r, [{ emoji: '👍', count: 2, users: [{ user_id: '1', username: 'user1' }, { user_id: '2', username: 'user2' }] }]);
});

test('removing takes the user away, the emoji goes at zero, and removing what is not there changes nothing', () => {
  const start = [{ emoji: '🎉', count: 1, users: [{ user_id: '1', username: 'user1' }] }, { emoji: '👍', count: 2, users: [{ user_id: '1', username: 'user1' }, { user_id: '2', username: 'user2' }] }];
  const r = applyReaction(start, event('removed', 1, '👍'));
  assert.deepEqual(r.map((x) => [x.emoji, x.count]), [['🎉', 1], ['👍', 1]]);
  assert.deepEqual(applyReaction(r, event('removed', 1, '🎉')).map((x) => x.emoji), ['👍']);
  assert.deepEqual(applyReaction(r, event('removed', 3, '👍')), r);
  assert.deepEqual(applyReaction(r, event('removed', 1, '🚀')), r);
  // The list it was given is left as it was.
  assert.equal(start[1].count, 2);
  assert.equal(start[1].users.length, 2);
});

test('new emoji go after the ones already there; no reactions at all is an empty list', () => {
  const r = applyReaction(applyReaction(undefined, event('added', 1, '🎉')), event('added', 1, '👀'));
  assert.deepEqual(r.map((x) => x.emoji), ['🎉', '👀']);
});

test('ids compare as strings whether the server sent numbers or strings', () => {
  const r = [{ emoji: '👍', count: 1, users: [{ user_id: '42', username: 'a' }] }];
  assert.equal(reactedBy(r[0], 42), true);
  assert.equal(reactedBy(r[0], '42'), true);
  assert.equal(reactedBy(r[0], '4'), false);
  assert.deepEqual(applyReaction(r, { ...event('removed', 42, '👍') }), []);
});

test('the title names who reacted, "You" first, and counts the rest past a dozen', () => {
  const users = [{ user_id: '1', username: 'alice' }, { user_id: '2', username: 'bob' }];
  assert.equal(reactionTitle({ emoji: '👍', count: 2, users }, '9'), 'alice and bob reacted with 👍');
  assert.equal(reactionTitle({ emoji: '👍', count: 2, users }, '2'), 'You and alice reacted with 👍');
  assert.equal(reactionTitle({ emoji: '👍', count: 1, users: [users[0]] }, '1'), 'You reacted with 👍');
  const many = Array.from({ length: 15 }, (_, i) => ({ user_id: String(i), username: `u${i}` }));
  assert.match(reactionTitle({ emoji: '🎉', count: 15, users: many }, 'x'), /^u0, u1, .*u11 and 3 others reacted with 🎉$/);
});

test('the ledger drops an event older than one already applied for the same user and emoji', () => {
  const ledger = new ReactionLedger();
  assert.equal(ledger.take(event('added', 1, '👍', '200')), true);
  assert.equal(ledger.take(event('removed', 1, '👍', '300')), true);
  assert.equal(ledger.take(event('added', 1, '👍', '200')), false, 'replayed');
  assert.equal(ledger.take(event('removed', 1, '👍', '300')), false, 'the same again');
  assert.equal(ledger.take(event('added', 2, '👍', '250')), true, 'another user');
  assert.equal(ledger.take(event('added', 1, '🎉', '100')), true, 'another emoji');
  assert.equal(ledger.take(event('added', 1, '👍', '1000')), true, 'a longer id is newer');
  assert.equal(ledger.take(event('added', 1, '👍', null)), true, "the page's own answer has no id");
});

test('the ledger stays bounded', () => {
  const ledger = new ReactionLedger(3);
  for (let i = 0; i < 10; i += 1) ledger.take(event('added', i, '👍', String(100 + i)));
  assert.equal(ledger.seen.size, 3);
});

test('the emoji is URL-encoded in the path', () => {
  assert.equal(reactionPath('/v1/rooms/r1', '55', '👍'), '/v1/rooms/r1/messages/55/reactions/%F0%9F%91%8D');
  assert.equal(reactionPath('/v1/rooms/r1', '55', '1️⃣'), `/v1/rooms/r1/messages/55/reactions/${encodeURIComponent('1️⃣')}`);
});
