// What the page says when something fails. The server words every refusal as one sentence in
// {"detail": "..."}; the page shows that sentence as it is.

export const UNREACHABLE = 'Cannot reach the server. Check your connection and try again.';
export const SESSION_ENDED = 'Your session has ended; please sign in again.';

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// The readable text of a `detail`; a list (pydantic's shape) is joined, anything else gives `fallback`.
export function detailText(detail, fallback) {
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => (d && d.msg ? `${(d.loc || []).filter((p) => p !== 'body').join('.')}: ${d.msg}` : String(d))).join('; ');
  }
  return fallback;
}

// The error of an HTTP answer that is not ok, from its status and body text.
export function responseError(status, statusText, text) {
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return new ApiError(status, detailText(data && data.detail, text || `${status} ${statusText}`));
}
