// The REST client: JSON in and out, the session's token on every request, errors as ApiError.
import { ApiError, UNREACHABLE, responseError } from './errors.js';

// The session module plugs in here (it sits above this module, so it registers rather than being imported).
const auth = {
  token: () => null,
  // Called with the request's path on a 401; resolves true when the request should be sent again.
  unauthorized: async () => false,
};

export function configureAuth(hooks) {
  Object.assign(auth, hooks);
}

async function send(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, UNREACHABLE);
  }
}

export async function api(method, path, body) {
  const token = auth.token();
  let response = await send(method, path, body, token);
  if (response.status === 401 && token && (await auth.unauthorized(path))) {
    response = await send(method, path, body, auth.token());
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
