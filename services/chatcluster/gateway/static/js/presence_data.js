// Presence: online / away / offline of the people the page shows (direct-message peers, the open
// room's members), and the status the page reports for its own user (away while hidden or idle).
// Pure: presence.js asks the server and draws the dots.

export const STATUSES = ['online', 'away', 'offline'];
export const IDLE_AFTER_MS = 5 * 60 * 1000; // no key, pointer or scroll for this long: away
export const MAX_PRESENCE_USERS = 200; // GET /v1/presence answers at most this many users at once

const PRESENCE_LABEL = { online: 'Online', away: 'Away', offline: 'Offline' };
export const presenceLabel = (status) => PRESENCE_LABEL[status] || 'Offline';

// The other person of a direct message, from its id (`dm-<low user id>-<high user id>`); null
// for a group room or a malformed id.
export function dmPeerId(roomId, me) {
  const match = /^dm-([0-9]{1,20})-([0-9]{1,20})$/.exec(roomId || '');
  if (!match) return null;
  const mine = String(me);
  if (match[1] === mine) return match[2];
  if (match[2] === mine) return match[1];
  return null;
}

export class PresenceBook {
  constructor() {
    this.status = new Map(); // user_id -> online | away | offline
  }

  // True when the status changed; an unknown status is ignored.
  set(userId, status) {
    if (!STATUSES.includes(status)) return false;
    const id = String(userId);
    if (this.status.get(id) === status) return false;
    this.status.set(id, status);
    return true;
  }

  // An answer of GET /v1/presence ({user_id: status}); true when anything changed.
  merge(answer) {
    let changed = false;
    for (const [id, status] of Object.entries(answer || {})) changed = this.set(id, status) || changed;
    return changed;
  }

  // The status to draw; null while the page does not know it yet.
  get(userId) {
    return this.status.get(String(userId)) ?? null;
  }
}

// The users whose presence the page should ask for: the peers, then the members, without the user
// and without repeats, at most what one request answers.
export function presenceTargets(ids, me, max = MAX_PRESENCE_USERS) {
  const wanted = [];
  const seen = new Set([String(me)]);
  for (const id of ids) {
    const s = String(id);
    if (id == null || seen.has(s)) continue;
    seen.add(s);
    wanted.push(s);
    if (wanted.length >= max) break;
  }
  return wanted;
}

export const presenceQuery = (ids) => ids.map((id) => `user=${encodeURIComponent(id)}`).join('&');

// What the user is: away while the page is hidden or nothing happened for `idleAfter`, else online.
export function ownStatus({ hidden, idleFor, idleAfter = IDLE_AFTER_MS }) {
  return hidden || idleFor >= idleAfter ? 'away' : 'online';
}

// Reports the user's status to the server on a change only, and once again on every new socket
// (a new socket starts online on the server).
export class StatusReporter {
  constructor() {
    this.reported = null;
  }

  // The status to send now, or null when the server already has it.
  next(status) {
    if (status === this.reported) return null;
    this.reported = status;
    return status;
  }

  // A new socket: the server knows nothing yet of what this one said.
  reconnected() {
    this.reported = 'online';
  }
}
