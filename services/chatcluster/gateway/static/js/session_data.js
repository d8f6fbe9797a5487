// The signed-in session as the page keeps it in localStorage, shared by every tab of the site:
// {access_token, expires_at, refresh_token, user_id, username}. Pure: session.js does the I/O.
//
// Access tokens live minutes; the refresh token lives with the session and is never rotated,
// so two tabs refreshing the same session both get working tokens and neither breaks the other.

export const SESSION_KEY = 'chatcluster.session';
export const REFRESH_LEAD_MS = 60000; // refresh this long before the access token expires...
export const RETRY_REFRESH_MS = 15000; // ...and again this soon when the server could not be reached

// A saved session, or null for a missing, corrupt or older-format entry.
export function parseSession(text) {
  try {
    const saved = JSON.parse(text || 'null');
    if (saved && saved.access_token && saved.refresh_token && saved.expires_at && saved.user_id && saved.username) return saved;
  } catch {
    /* a corrupt entry is no session */
  }
  return null;
}

// The session kept from a token answer of the auth API (register, login, refresh).
export function sessionFromToken(token) {
  return {
    access_token: token.access_token,
    expires_at: token.expires_at,
    refresh_token: token.refresh_token,
    user_id: String(token.user_id),
    username: token.username,
  };
}

// Milliseconds until the access token should be refreshed: a minute before it expires, or
// halfway through what is left of a shorter life; 0 when it is due (or past).
export function refreshDelay(session, now) {
  const left = Date.parse(session.expires_at) - now;
  if (!(left > 0)) return 0;
  return Math.max(0, left - Math.min(REFRESH_LEAD_MS, left / 2));
}

// What a change of the stored session (another tab signed in, out, or refreshed) means for
// a tab holding `current`: signed-in | signed-out | switched (another session) | renewed | same.
export function storedChange(current, stored) {
  if (!current) return stored ? 'signed-in' : 'same';
  if (!stored) return 'signed-out';
  if (stored.refresh_token !== current.refresh_token) return 'switched';
  if (Date.parse(stored.expires_at) > Date.parse(current.expires_at)) return 'renewed';
  return 'same';
}

// What a failed refresh means: the session is over (signed out elsewhere, revoked, expired),
// or the server could not say now (unreachable, overloaded, throttled) and it is tried again.
export const refreshFailure = (status) => (status >= 400 && status < 500 && status !== 429 ? 'ended' : 'unavailable');
