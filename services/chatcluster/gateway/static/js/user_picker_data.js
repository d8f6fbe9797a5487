// Suggestions of usernames while one is typed (invite, add a contact), from the user directory
// (GET /v1/users?prefix=): what to ask, which answer still counts, which suggestion is chosen.
// Pure: user_picker.js draws the list under the input.
import { typedUsername } from './contacts_data.js';

export const SUGGESTIONS = 8;

// The prefix to ask the directory for, or null when there is nothing to ask.
export function directoryPrefix(value) {
  const name = typedUsername(value);
  return name ? name.toLowerCase() : null;
}

export const usersQuery = (prefix, limit = SUGGESTIONS) =>
  `/v1/users?prefix=${encodeURIComponent(prefix)}&limit=${limit}`;

export class Suggestions {
  constructor() {
    this.asked = 0; // bumps on every question: only the latest answer is shown
    this.users = [];
    this.index = -1; // the highlighted suggestion, -1 for none
  }

  // A new question; its number, to hand back with the answer.
  ask() {
    this.asked += 1;
    return this.asked;
  }

  // The directory answered question `n`: true when it is the latest one (then shown). `exclude`
  // leaves out people who need no suggesting (the user, who is already in the room).
  answer(n, users, exclude = () => false) {
    if (n !== this.asked) return false;
    this.users = (users || []).filter((u) => !exclude(u));
    this.index = -1;
    return true;
  }

  clear() {
    this.asked += 1;
    this.users = [];
    this.index = -1;
  }

  // Arrow keys: moves the highlight, wrapping around; the highlighted user or null.
  move(delta) {
    if (!this.users.length) return null;
    const n = this.users.length;
    this.index = this.index < 0 ? (delta > 0 ? 0 : n - 1) : (this.index + delta + n) % n;
    return this.users[this.index];
  }

  current() {
    return this.index >= 0 ? this.users[this.index] : null;
  }
}
