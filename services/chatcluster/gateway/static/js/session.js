// Signing in, up and out, and the session every request and the socket carry.
// The chat registers what happens on sign-in and sign-out (setSessionHooks).
import { api, configureAuth } from './api.js';
import { $ } from './dom.js';
import { SESSION_ENDED } from './errors.js';
import { SESSION_KEY, parseSession, sessionFromToken } from './session_data.js';

const hooks = {
  signedIn: () => {}, // the chat starts
  signedOut: () => {}, // the chat stops and forgets what it showed
};

let current = null; // {token, user_id, username}

export function setSessionHooks(h) {
  Object.assign(hooks, h);
}

export const signedIn = () => current != null;
export const accessToken = () => (current ? current.token : null);
export const currentUserId = () => (current ? current.user_id : null);
export const currentUsername = () => (current ? current.username : '');
export const isMe = (userId) => current != null && String(userId) === String(current.user_id);

function keep(token) {
  current = sessionFromToken(token);
  localStorage.setItem(SESSION_KEY, JSON.stringify(current));
}

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
    keep(await api('POST', `/v1/auth/${kind}`, { username, password }));
    $('auth-password').value = '';
    hooks.signedIn();
  } catch (err) {
    showAuthError(err.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

export function signOut(reason) {
  hooks.signedOut();
  current = null;
  localStorage.removeItem(SESSION_KEY);
  $('chat-view').hidden = true;
  $('auth-view').hidden = false;
  showAuthError(reason || '');
  document.title = 'ChatCluster';
  $('auth-username').focus();
}

// The socket was refused for its token.
export function sessionRejected() {
  signOut(SESSION_ENDED);
}

configureAuth({
  token: accessToken,
  unauthorized: async (path) => {
    if (!path.startsWith('/v1/auth/login') && !path.startsWith('/v1/auth/register')) signOut(SESSION_ENDED);
    return false;
  },
});

export function wireSession() {
  $('auth-form').addEventListener('submit', (e) => {
    e.preventDefault();
    authenticate('login');
  });
  $('sign-up-button').addEventListener('click', () => authenticate('register'));
  $('sign-out-button').addEventListener('click', () => signOut(''));
}

// At page load: the saved session, checked and extended; the chat starts if it holds.
export async function resumeSession() {
  const saved = parseSession(localStorage.getItem(SESSION_KEY));
  if (!saved) {
    signOut('');
    return;
  }
  current = saved;
  try {
    keep(await api('GET', '/v1/auth/me'));
  } catch (err) {
    if (err.status === 401) return; // already signed out
    // The server may be briefly away: keep the saved session and let the socket retry.
  }
  if (current) hooks.signedIn();
}
