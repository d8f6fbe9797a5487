import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const { PinBook } = await load('pins_data.js');

const pin = (messageId, pinned, eventId) => ({ room_id: 'r', message_id: messageId, pinned, by: '1', event_id: eventId });

test('a loaded list says which messages are pinned and pin frames change it', () => {
  const book = new PinBook();
  assert.equal(book.known('r'), false);
  book.startLoad('r');
  assert.equal(book.known('r'), true);
  book.finishLoad('r', { room_id: 'r', pins: [{ message_id: '10' }, { message_id: '11' }] });
  assert.equal(book.isPinned('r', '10'), true);
  assert.equal(book.isPinned('r', 12), false);
  assert.equal(book.count('r'), 2);
  assert.equal(book.apply(pin('12', true, '500')), true);
  assert.equal(book.apply(pin('10', false, '501')), true);
  assert.equal(book.isPinned('r', '12'), true);
  assert.equal(book.isPinned('r', '10'), false);
  assert.equal(book.apply(pin('11', true, '502')), false); // already pinned: nothing changes
});

test('a replayed or late older pin event does not undo a newer one', () => {
  const book = new PinBook();
  book.startLoad('r');
  book.finishLoad('r', { pins: [] });
  assert.equal(book.apply(pin('7', true, '200')), true);
  assert.equal(book.apply(pin('7', false, '300')), true);
  assert.equal(book.apply(pin('7', true, '200')), false);
  assert.equal(book.apply(pin('7', false, '300')), false);
  assert.equal(book.isPinned('r', '7'), false);
});

test('events that arrive while the list loads are applied on top of its answer', () => {
  const book = new PinBook();
  book.startLoad('r');
  book.apply(pin('20', true, '900'));
  book.apply(pin('21', false, '901'));
  book.finishLoad('r', { pins: [{ message_id: '21' }] }); // read before the unpin
  assert.equal(book.isPinned('r', '20'), true);
  assert.equal(book.isPinned('r', '21'), false);
});

test('frames of rooms whose list was never asked for are ignored', () => {
  const book = new PinBook();
  assert.equal(book.apply(pin('1', true, '1')), false);
  assert.equal(book.apply({ room_id: 'r' }), false);
  assert.equal(book.apply(null), false);
  assert.equal(book.known('r'), false);
});

test('a list that could not be read leaves the room known, with what frames said meanwhile', () => {
  const book = new PinBook();
  book.startLoad('r');
  book.apply(pin('3', true, '30'));
  book.failLoad('r');
  assert.equal(book.known('r'), true); // not asked again for every message drawn
  assert.equal(book.isPinned('r', '3'), true);
  assert.equal(book.apply(pin('4', true, '40')), true);
  book.failLoad('nowhere');
  assert.equal(book.known('nowhere'), false);
});
