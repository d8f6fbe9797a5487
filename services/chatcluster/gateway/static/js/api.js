// The REST client: JSON in and out, the session's token on every request, errors as ApiError.
// A 401 renews the access token once (the session module refreshes it) and repeats the request.
import { ApiError, UNREACHABLE, responseError } from './errors.js';

// The session module plugs in here (it sits above this module, so it registers rather than being imported).
const auth = {
  token: () => null,
  // (the token a 401 refused) → 'renewed' when a newer token is there to try, else 'ended' | 'unavailable'.
  renew: async () => 'ended',
  // A renewed token was refused as well: the session is over.
  ended: () => {},
};

export function configureAuth(hooks) {
  Object.assign(auth, hooks);
}

// How far the server's clock is ahead of this machine's, from the Date of its answers: token
// expiry times are the server's, and a client clock that is off must not make them look expired.
let clockOffset = 0;
export const serverNow = () => Date.now() + clockOffset;

async function send(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, UNREACHABLE);
  }
  const date = Date.parse(response.headers.get('Date'));
  if (!Number.isNaN(date)) clockOffset = date - Date.now();
  return response;
}

// `options.token` sends that token (null: none) instead of the session's, and never renews it.
export async function api(method, path, body, options = {}) {
  const own = !('token' in options);
  const token = own ? auth.token() : options.token;
  let response = await send(method, path, body, token);
  if (response.status === 401 && own && token && (await auth.renew(token)) === 'renewed') {
    response = await send(method, path, body, auth.token());
    if (response.status === 401) auth.ended();
  }
  if (response.status === 204) return null;
  const text = await response.text();
  if (!response.ok) throw responseError(response.status, response.statusText, text);
  try {
    return text ? JSON.parse(text) : null; // ids arrive as strings, so JSON.parse is safe
  } catch {
    return null;
  }
}

export const roomPath = (roomId) => `/v1/rooms/${encodeURIComponent(roomId)}`;
