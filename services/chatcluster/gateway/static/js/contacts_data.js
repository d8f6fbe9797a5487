// The user's contacts (the design's friends) and the people they blocked, as the server lists them
// (GET /v1/contacts, GET /v1/blocks, `blocks` frames). Pure: contacts.js and blocks.js draw them.
import { byName } from './rooms_data.js';

// A username as typed in a form: without spaces around it or a leading @; '' for nothing.
export const typedUsername = (value) => String(value ?? '').trim().replace(/^@/, '').trim();

const sameName = (a, b) => a.toLowerCase() === b.toLowerCase();

export class ContactBook {
  constructor() {
    this.people = []; // [{user_id, username, presence}]
  }

  set(list) {
    this.people = (list || []).map((c) => ({ ...c, user_id: String(c.user_id) }));
  }

  has(userId) {
    return this.people.some((c) => c.user_id === String(userId));
  }

  byUsername(username) {
    return this.people.find((c) => sameName(c.username, username)) || null;
  }

  ids() {
    return this.people.map((c) => c.user_id);
  }

  // By name, whatever the case.
  sorted() {
    return [...this.people].sort((a, b) => byName(a.username, b.username));
  }
}

export class BlockList {
  constructor() {
    this.ids = new Set(); // user ids, as strings
    this.people = []; // [{user_id, username}] once listed
  }

  has(userId) {
    return userId != null && this.ids.has(String(userId));
  }

  // The whole list of blocked ids (a `blocks` frame): who was added and who removed.
  setIds(ids) {
    const next = new Set((ids || []).map(String));
    const added = [...next].filter((id) => !this.ids.has(id));
    const removed = [...this.ids].filter((id) => !next.has(id));
    this.ids = next;
    this.people = this.people.filter((p) => next.has(p.user_id));
    return { added, removed };
  }

  // GET /v1/blocks: the people with their names; also the whole list of ids.
  setPeople(list) {
    const people = (list || []).map((p) => ({ user_id: String(p.user_id), username: p.username }));
    const change = this.setIds(people.map((p) => p.user_id));
    this.people = people.sort((a, b) => byName(a.username, b.username));
    return change;
  }

  // The user blocked someone from this page: known at once, before the server's frame.
  add(person) {
    const id = String(person.user_id);
    const others = this.people.filter((p) => p.user_id !== id);
    const change = this.setIds([...this.ids, id]);
    this.people = [...others, { user_id: id, username: person.username }].sort((a, b) => byName(a.username, b.username));
    return change;
  }

  remove(userId) {
    const id = String(userId);
    return this.setIds([...this.ids].filter((known) => known !== id));
  }

  // Ids the frame named whose names the page does not have yet (the list is read again).
  unnamed() {
    const named = new Set(this.people.map((p) => p.user_id));
    return [...this.ids].filter((id) => !named.has(id));
  }
}
