import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { TYPING_SHOWN_MS, TypingBook, TypingSender, typingText } = await load('typing_data.js');

test('someone typing shows until a few seconds after their last typing frame', () => {
  const book = new TypingBook();
  book.note('r', '2', 'alice', 1000);
  assert.deepEqual(book.who('r', 1000), ['alice']);
  book.note('r', '2', 'alice', 4000); // the next frame, three seconds later, keeps her shown
  assert.deepEqual(book.who('r', 1000 + TYPING_SHOWN_MS), ['alice']);
  assert.deepEqual(book.who('r', 4000 + TYPING_SHOWN_MS), []);
  assert.deepEqual(book.who('other', 4000), []);
});

test('a typing indicator goes as soon as the person’s message arrives', () => {
  const book = new TypingBook();
  book.note('r', '2', 'alice', 0);
  assert.equal(book.stop('r', '2'), true);
  assert.equal(book.stop('r', '2'), false);
  assert.deepEqual(book.who('r', 1), []);
});

test('several people typing are listed in the order they started, and the next expiry is known', () => {
  const book = new TypingBook(5000);
  book.note('r', '2', 'alice', 0);
  book.note('r', '3', 'bob', 1000);
  assert.deepEqual(book.who('r', 2000), ['alice', 'bob']);
  assert.equal(book.nextExpiry('r'), 5000);
  assert.equal(book.nextExpiry('none'), null);
  assert.deepEqual(book.who('r', 5500), ['bob']);
  book.clear();
  assert.deepEqual(book.who('r', 5500), []);
});

test('the indicator reads naturally for one, two, three and more people', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['alice']), 'alice is typing…');
  assert.equal(typingText(['alice', 'bob']), 'alice and bob are typing…');
  assert.equal(typingText(['alice', 'bob', 'carol']), 'alice, bob and carol are typing…');
  assert.equal(typingText(['a', 'b', 'c', 'd']), 'Several people are typing…');
});

test('the page sends at most one typing frame per room every three seconds while composing', () => {
  const sender = new TypingSender();
  assert.equal(sender.shouldSend('r', 0), true);
  assert.equal(sender.shouldSend('r', 1000), false);
  assert.equal(sender.shouldSend('r', 2999), false);
  assert.equal(sender.shouldSend('other', 2999), true);
  assert.equal(sender.shouldSend('r', 3000), true);
  sender.sent('r');
  assert.equal(sender.shouldSend('r', 3001), true); // a new message starts a new burst
});
