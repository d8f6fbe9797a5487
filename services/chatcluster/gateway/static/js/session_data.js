// The signed-in session as the page keeps it in localStorage. Pure: session.js does the I/O.

export const SESSION_KEY = 'chatcluster.session';

// A saved session, or null for a missing or corrupt entry.
export function parseSession(text) {
  try {
    const saved = JSON.parse(text || 'null');
    if (saved && saved.token && saved.user_id && saved.username) return saved;
  } catch {
    /* a corrupt entry is no session */
  }
  return null;
}

// The session kept from a token answer of the auth API.
export function sessionFromToken(token) {
  return { token: token.access_token, user_id: String(token.user_id), username: token.username };
}
