// Presence: a dot (online / away / offline) beside the people of the direct-message list and the
// member list, from the member lists, `presence` frames and GET /v1/presence (asked every little
// while for the people shown); and the user's own status, sent as a `presence` frame: away while the
// page is hidden or idle, online when they are back.
import { api } from './api.js';
import { element } from './dom.js';
import {
  IDLE_AFTER_MS, PresenceBook, StatusReporter, ownStatus, presenceLabel, presenceQuery, presenceTargets,
} from './presence_data.js';
import { currentUserId, signedIn } from './session.js';

const POLL_EVERY_MS = 10000; // the server has no presence frame: it answers from each gateway's memory
const IDLE_CHECK_MS = 15000;

// The ref of the page's presence frames, whose refusal is not worth a word.
export const PRESENCE_REF = 'presence';

const hooks = {
  changed: () => {}, // someone's status changed: redraw the dots
  wanted: () => [], // the user ids the page shows
};

let book = new PresenceBook();
let reporter = new StatusReporter();
let transport = null;
let lastActivity = Date.now();
let pollTimer = null;
let idleTimer = null;
let askTimer = null;
let asked = new Set(); // unknown people already asked for since the last round

export function setPresenceHooks(h) {
  Object.assign(hooks, h);
}

export const presenceOf = (userId) => book.get(userId);

export function resetPresence() {
  clearInterval(pollTimer);
  clearInterval(idleTimer);
  clearTimeout(askTimer);
  book = new PresenceBook();
  reporter = new StatusReporter();
  asked = new Set();
}

// Someone is drawn whose status the page does not know yet (a direct message just opened): ask
// soon rather than at the next round, once.
function wantStatus(userId) {
  const id = String(userId);
  if (asked.has(id)) return;
  asked.add(id);
  clearTimeout(askTimer);
  askTimer = setTimeout(refreshPresence, 200);
}

// A dot for a person; drawn from data-status by the style sheet.
export function presenceDot(userId) {
  const known = book.get(userId);
  if (!known) wantStatus(userId);
  const status = known || 'offline';
  const dot = element('span', 'presence-dot');
  dot.dataset.testid = 'presence-dot';
  dot.dataset.status = status;
  dot.dataset.userId = String(userId);
  dot.title = presenceLabel(status);
  dot.setAttribute('role', 'img');
  dot.setAttribute('aria-label', presenceLabel(status));
  return dot;
}

// A `presence` frame, or a member list entry's `presence`.
export function setPresence(userId, status) {
  if (book.set(userId, status)) hooks.changed();
}

export function mergePresence(answer) {
  if (book.merge(answer)) hooks.changed();
}

export async function refreshPresence() {
  const ids = presenceTargets(hooks.wanted(), currentUserId());
  asked = new Set(ids);
  if (!ids.length || !signedIn()) return;
  try {
    mergePresence(await api('GET', `/v1/presence?${presenceQuery(ids)}`));
  } catch {
    /* the dots keep their last status until the next round */
  }
}

function report() {
  const status = reporter.next(ownStatus({ hidden: document.visibilityState === 'hidden', idleFor: Date.now() - lastActivity, idleAfter: IDLE_AFTER_MS }));
  if (status && transport) transport.send({ type: 'presence', ref: PRESENCE_REF, status });
}

// The socket is (back) up: a new socket starts online on the server, so say away if the user is.
export function presenceSocketReady() {
  reporter.reconnected();
  report();
  refreshPresence();
}

export function startPresence() {
  clearInterval(pollTimer);
  clearInterval(idleTimer);
  lastActivity = Date.now();
  pollTimer = setInterval(refreshPresence, POLL_EVERY_MS);
  idleTimer = setInterval(report, IDLE_CHECK_MS);
}

function active() {
  lastActivity = Date.now();
  if (reporter.reported === 'away') report();
}

export function wirePresence(t) {
  transport = t;
  for (const type of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focus']) {
    window.addEventListener(type, active, { passive: true });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') active();
    report();
  });
}
