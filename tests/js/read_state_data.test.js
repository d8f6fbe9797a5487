import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './static.js';

const {
  ReadBook, ReceiptBook, RECEIPT_TEXT, UNREAD_CAP, badgeText, dividerBefore, readTarget, receiptOf, titleText,
} = await load('read_state_data.js');

const created = (id, room = 'r1', extra = {}) => ({ kind: 'created', message: { message_id: id, room_id: room, ...extra } });
const summary = (room, extra = {}) => ({ room_id: room, kind: 'group', name: room, ...extra });
const last = (id) => ({ message_id: id, author: 'bob', preview: 'hi', created_at: '2026-01-01T00:00:00Z', deleted: false });

test('the unread counts, mentions and marker come from the server summaries, so they survive a reload', () => {
  const book = new ReadBook();
  book.seed([
    summary('r1', { unread: 3, unread_mentions: 1, read_marker: '10', last_message: last('13') }),
    summary('r2', { unread: 0, read_marker: '20', last_message: last('20') }),
  ]);
  assert.deepEqual(book.unread('r1'), { count: 3, capped: false, mentions: 1 });
  assert.deepEqual(book.unread('r2'), { count: 0, capped: false, mentions: 0 });
  assert.equal(book.marker('r1'), '10');
  assert.deepEqual(book.total(), { count: 3, capped: false });
});

test('a summary from a server that has no read state yet counts nothing and breaks nothing', () => {
  const book = new ReadBook();
  book.seed([summary('r1')]);
  assert.deepEqual(book.unread('r1'), { count: 0, capped: false, mentions: 0 });
  assert.equal(book.marker('r1'), null);
  assert.equal(book.note(created('5')), true);
  assert.equal(book.unread('r1').count, 1);
});

test('a live message counts once, however often it is replayed, and not when the summary counted it', () => {
  const book = new ReadBook();
  book.seed([summary('r1', { unread: 2, read_marker: '10', last_message: last('12') })]);
  assert.equal(book.note(created('11')), false); // in the summary's count
  assert.equal(book.note(created('12')), false);
  assert.equal(book.note(created('9')), false); // before the marker
  assert.equal(book.note(created('13'), { mentionsMe: true }), true);
  assert.equal(book.note(created('13')), false);
  assert.deepEqual(book.unread('r1'), { count: 3, capped: false, mentions: 1 });
});

test('own messages, edits and deletions do not count as unread', () => {
  const book = new ReadBook();
  assert.equal(book.note(created('1'), { mine: true }), false);
  assert.equal(book.note({ kind: 'edited', message: { message_id: '2', room_id: 'r1' } }), false);
  assert.equal(book.note(created('3', 'r1', { deleted: true })), false);
  assert.equal(book.total().count, 0);
});

test('a message deleted after it was counted stops counting', () => {
  const book = new ReadBook();
  book.note(created('1'));
  assert.equal(book.unnote('r1', '1'), true);
  assert.equal(book.unread('r1').count, 0);
  assert.equal(book.unnote('r1', '1'), false);
});

test('reading up to the newest message clears the count, the server part included', () => {
  const book = new ReadBook();
  book.seed([summary('r1', { unread: 2, unread_mentions: 1, read_marker: '10', last_message: last('12') })]);
  book.note(created('14'));
  assert.deepEqual(book.read('r1', '14'), { changed: true, complete: true });
  assert.deepEqual(book.unread('r1'), { count: 0, capped: false, mentions: 0 });
  assert.equal(book.marker('r1'), '14');
});

test('reading part of the live messages leaves the later ones unread', () => {
  const book = new ReadBook();
  for (const id of ['5', '6', '7']) book.note(created(id));
  assert.deepEqual(book.read('r1', '6'), { changed: true, complete: true });
  assert.equal(book.unread('r1').count, 1);
  assert.equal(book.note(created('6')), false); // a replay of a read message stays read
});

test('reading into the middle of what the server counted asks for a fresh summary', () => {
  const book = new ReadBook();
  book.seed([summary('r1', { unread: 5, read_marker: '10', last_message: last('15') })]);
  assert.deepEqual(book.read('r1', '12'), { changed: true, complete: false });
});

test('the marker never moves back: an older read changes nothing', () => {
  const book = new ReadBook();
  book.read('r1', '20');
  assert.deepEqual(book.read('r1', '19'), { changed: false, complete: true });
  assert.deepEqual(book.read('r1', '20'), { changed: false, complete: true });
  assert.equal(book.marker('r1'), '20');
  assert.equal(book.read('r1', '100').changed, true); // numeric order, not string order
  assert.equal(book.marker('r1'), '100');
});

test('a fresh summary keeps what was counted after it and a read it does not know of yet', () => {
  const book = new ReadBook();
  book.seed([summary('r1', { unread: 1, read_marker: '10', last_message: last('11') })]);
  book.note(created('12'));
  book.note(created('13'));
  book.seed([summary('r1', { unread: 2, read_marker: '10', last_message: last('12') }), summary('r2')]);
  assert.equal(book.unread('r1').count, 3); // 11 and 12 from the server, 13 live
  book.read('r1', '13');
  book.seed([summary('r1', { unread: 3, read_marker: '10', last_message: last('13') })]);
  assert.equal(book.marker('r1'), '13');
  assert.equal(book.unread('r1').count, 0);
});

test('a room left is forgotten, and a summary list without it drops it', () => {
  const book = new ReadBook();
  book.note(created('1', 'r1'));
  book.note(created('2', 'r2'));
  book.forget('r1');
  assert.equal(book.unread('r1').count, 0);
  book.seed([]);
  assert.equal(book.total().count, 0);
});

test('the total leaves muted rooms out and is capped like the server count', () => {
  const book = new ReadBook();
  book.seed([
    summary('r1', { unread: UNREAD_CAP, unread_capped: true, last_message: last('50') }),
    summary('r2', { unread: 4, last_message: last('60') }),
  ]);
  assert.deepEqual(book.unread('r1'), { count: UNREAD_CAP, capped: true, mentions: 0 });
  assert.deepEqual(book.total((room) => room !== 'r1'), { count: 4, capped: false });
  assert.deepEqual(book.total(), { count: UNREAD_CAP, capped: true });
});

test('the live memory of a room stays bounded', () => {
  const book = new ReadBook(10);
  for (let i = 1; i <= 12; i += 1) book.note(created(String(i)));
  assert.equal(book.unread('r1').count, 10);
});

test('a badge shows at most 99+, and the tab title the capped total', () => {
  assert.equal(badgeText(7), '7');
  assert.equal(badgeText(99), '99');
  assert.equal(badgeText(100), '99+');
  assert.equal(badgeText(40, true), '99+');
  assert.equal(titleText({ count: 0, capped: false }), 'ChatCluster');
  assert.equal(titleText({ count: 3, capped: false }), '(3) ChatCluster');
  assert.equal(titleText({ count: UNREAD_CAP, capped: true }), `(${UNREAD_CAP}+) ChatCluster`);
});

test('the open room is marked read only while visible, open and scrolled to the bottom', () => {
  const ok = { visible: true, open: true, atBottom: true, newest: '30', marker: '20', sending: null };
  assert.equal(readTarget(ok), '30');
  assert.equal(readTarget({ ...ok, visible: false }), null);
  assert.equal(readTarget({ ...ok, open: false }), null);
  assert.equal(readTarget({ ...ok, atBottom: false }), null);
  assert.equal(readTarget({ ...ok, newest: null }), null);
  assert.equal(readTarget({ ...ok, marker: null }), '30');
});

test('the open room is not marked again up to where it is marked or being marked', () => {
  const ok = { visible: true, open: true, atBottom: true, newest: '30', marker: '20', sending: null };
  assert.equal(readTarget({ ...ok, marker: '30' }), null);
  assert.equal(readTarget({ ...ok, marker: '100' }), null);
  assert.equal(readTarget({ ...ok, sending: '30' }), null);
  assert.equal(readTarget({ ...ok, sending: '25' }), '30');
});

test('the new-messages divider goes before the first message after the marker that someone else wrote', () => {
  const mine = (author) => author === 'me';
  const messages = [
    { message_id: '8', author_id: 'bob' },
    { message_id: '10', author_id: 'bob' },
    { message_id: '11', author_id: 'me' },
    { message_id: '12', author_id: 'bob', deleted: true },
    { message_id: '13', author_id: 'bob' },
  ];
  assert.equal(dividerBefore(messages, '10', mine), '13');
  assert.equal(dividerBefore(messages, '9', mine), '10');
  assert.equal(dividerBefore(messages, null, mine), '8');
  assert.equal(dividerBefore(messages, '13', mine), null);
});

test('read receipts move forward only and tell how far the others have read', () => {
  const receipts = new ReceiptBook();
  assert.equal(receipts.note('d', 'bob', '10'), true);
  assert.equal(receipts.note('d', 'bob', '9'), false);
  assert.equal(receipts.note('d', 'me', '50'), true);
  assert.equal(receipts.note('d', 'bob', null), false);
  assert.equal(receipts.furthestOthers('d', 'me'), '10');
  assert.equal(receipts.furthestOthers('other', 'me'), null);
  receipts.forget('d');
  assert.equal(receipts.furthestOthers('d', 'me'), null);
});

test('my messages in a direct message show sent until the other person read that far, then read', () => {
  const m = { message_id: '10', deleted: false };
  const dm = { mine: true, direct: true };
  assert.equal(receiptOf(m, { ...dm, othersRead: null }), 'sent');
  assert.equal(receiptOf(m, { ...dm, othersRead: '9' }), 'sent');
  assert.equal(receiptOf(m, { ...dm, othersRead: '10' }), 'read');
  assert.equal(receiptOf(m, { ...dm, othersRead: '11' }), 'read');
  assert.equal(receiptOf(m, { mine: false, direct: true, othersRead: '11' }), null);
  assert.equal(receiptOf(m, { mine: true, direct: false, othersRead: '11' }), null);
  assert.equal(receiptOf({ ...m, deleted: true }, { ...dm, othersRead: '11' }), null);
  assert.deepEqual(RECEIPT_TEXT, { sent: '✓', read: '✓✓' });
});
