// Signing in, up and out, and the session every request and the socket carry: its access token
// is refreshed shortly before it expires and on a 401 (once: a renewed token refused again signs
// out). Tabs share the session through localStorage and follow each other's refreshes, sign-ins
// and sign-outs. The chat registers what happens on sign-in and sign-out (setSessionHooks).
import { api, configureAuth, serverNow } from './api.js';
import { $ } from './dom.js';
import { SESSION_ENDED } from './errors.js';
import {
  RETRY_REFRESH_MS, SESSION_KEY, parseSession, refreshDelay, refreshFailure, sessionFromToken, storedChange,
} from './session_data.js';

const hooks = {
  signedIn: () => {}, // the chat starts (again, for another session)
  signedOut: () => {}, // the chat stops and forgets what it showed
};

// However wrong the clocks, renewals never follow each other faster than this.
const MIN_REFRESH_GAP_MS = 1000;

let current = null; // {access_token, expires_at, refresh_token, user_id, username}
let refreshTimer = null;
let renewing = null; // the refresh in flight, shared by everything that needs a new token

export function setSessionHooks(h) {
  Object.assign(hooks, h);
}

export const signedIn = () => current != null;
export const accessToken = () => (current ? current.access_token : null);
export const currentUserId = () => (current ? current.user_id : null);
export const currentUsername = () => (current ? current.username : '');
export const isMe = (userId) => current != null && String(userId) === String(current.user_id);

const stored = () => parseSession(localStorage.getItem(SESSION_KEY));

function scheduleRefresh(delay = refreshDelay(current, serverNow())) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    if ((await renew(accessToken())) === 'unavailable') scheduleRefresh(RETRY_REFRESH_MS);
  }, Math.max(MIN_REFRESH_GAP_MS, delay));
}

// Takes a session (from the server, or from another tab) as this tab's.
function adopt(session) {
  current = session;
  scheduleRefresh();
}

function keep(token) {
  adopt(sessionFromToken(token));
  localStorage.setItem(SESSION_KEY, JSON.stringify(current));
}

async function refreshSession() {
  const session = current;
  const shared = stored();
  if (shared && storedChange(session, shared) === 'renewed' && refreshDelay(shared, serverNow()) > 0) {
    adopt(shared); // another tab refreshed it already
    return 'renewed';
  }
  try {
    const token = await api('POST', '/v1/auth/refresh', { refresh_token: session.refresh_token }, { token: null });
    if (current !== session) return current ? 'renewed' : 'ended'; // signed out or switched meanwhile
    keep(token);
    return 'renewed';
  } catch (err) {
    if (current !== session) return current ? 'renewed' : 'ended';
    const outcome = refreshFailure(err.status);
    if (outcome === 'ended') signOut(SESSION_ENDED);
    return outcome;
  }
}

// A newer access token than `stale`: 'renewed' (there is one now), 'ended' (signed out) or
// 'unavailable' (the server could not be asked; the session stays).
export function renew(stale) {
  if (!current) return Promise.resolve('ended');
  if (stale && current.access_token !== stale) return Promise.resolve('renewed');
  if (!renewing) renewing = refreshSession().finally(() => { renewing = null; });
  return renewing;
}

// The socket was refused for its token (`refusals` times since it last opened).
export async function socketRefused(refusals, usedToken) {
  if (refusals > 1) {
    signOut(SESSION_ENDED);
    return 'ended';
  }
  return renew(usedToken);
}

configureAuth({ token: accessToken, renew, ended: () => signOut(SESSION_ENDED) });

function showAuthError(message) {
  const box = $('auth-error');
  box.textContent = message;
  box.hidden = !message;
}

async function authenticate(kind) {
  const username = $('auth-username').value.trim();
  const password = $('auth-password').value;
  if (!username || !password) {
    showAuthError('Enter a username and a password.');
    return;
  }
  showAuthError('');
  const buttons = [$('sign-in-button'), $('sign-up-button')];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    keep(await api('POST', `/v1/auth/${kind}`, { username, password }, { token: null }));
    $('auth-password').value = '';
    hooks.signedIn();
  } catch (err) {
    showAuthError(err.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// Ends the chat in this tab (and, through localStorage, in the others).
function signOut(reason) {
  hooks.signedOut();
  current = null;
  clearTimeout(refreshTimer);
  localStorage.removeItem(SESSION_KEY);
  $('chat-view').hidden = true;
  $('auth-view').hidden = false;
  showAuthError(reason || '');
  document.title = 'ChatCluster';
  $('auth-username').focus();
}

// "Sign out": the session ends on the server too, so its tokens stop working everywhere.
async function logOut() {
  const ending = current;
  signOut('');
  if (!ending) return;
  const logout = (token) => api('POST', '/v1/auth/logout', undefined, { token });
  try {
    await logout(ending.access_token);
  } catch (err) {
    if (err.status !== 401) return; // unreachable: the session expires on its own
    try {
      const token = await api('POST', '/v1/auth/refresh', { refresh_token: ending.refresh_token }, { token: null });
      await logout(token.access_token);
    } catch {
      /* already ended */
    }
  }
}

// Another tab changed the shared session.
function followOtherTab() {
  const shared = stored();
  const change = storedChange(current, shared);
  if (change === 'renewed') adopt(shared);
  else if (change === 'signed-out') signOut('');
  else if (change === 'signed-in' || change === 'switched') {
    adopt(shared);
    $('auth-password').value = '';
    hooks.signedIn();
  }
}

export function wireSession() {
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    authenticate('login');
  });
  $('sign-up-button').addEventListener('click', () => authenticate('register'));
  $('sign-out-button').addEventListener('click', logOut);
  window.addEventListener('storage', (e) => {
    if (e.key === SESSION_KEY || e.key === null) followOtherTab();
  });
}

// At page load: the saved session, renewed (which also proves it still holds); the chat starts
// unless it has ended. An unreachable server keeps the saved session: the socket retries.
export async function resumeSession() {
  const saved = stored();
  if (!saved) {
    signOut('');
    return;
  }
  current = saved;
  if ((await refreshSession()) === 'ended') return;
  if (current === saved) scheduleRefresh(RETRY_REFRESH_MS);
  hooks.signedIn();
}
