// Snowflake ids (users, messages, events) are 64-bit decimal strings. They are never turned
// into JS numbers (which hold 53 bits): compare them with cmpId, do arithmetic with BigInt.
//
// The layout is the server's (services/chatcluster/ids.py): milliseconds since EPOCH_MS above
// 10 worker bits and 12 sequence bits. tests/js/ids.test.js checks these against ids.py.

export const EPOCH_MS = 1735689600000n; // 2025-01-01T00:00:00Z
export const TIMESTAMP_SHIFT = 22n;

// Numeric order of two decimal ids without leading zeros: the longer one is larger.
export function cmpId(a, b) {
  a = String(a);
  b = String(b);
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxId(a, b) {
  if (a == null) return b;
  if (b == null) return a;
  return cmpId(a, b) >= 0 ? a : b;
}

// When the id was minted, or null for something that is not an id.
export function idDate(id) {
  try {
    return new Date(Number((BigInt(id) >> TIMESTAMP_SHIFT) + EPOCH_MS));
  } catch {
    return null;
  }
}

// The smallest id minted at `ms` (milliseconds since 1970): orders something the page saw happen
// (a joined/left notice) among the messages.
export const idAt = (ms) => ((BigInt(Math.floor(ms)) - EPOCH_MS) << TIMESTAMP_SHIFT).toString();

// The idempotency key of one outgoing message: repeating a send with it is harmless.
export function newClientId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return 'web-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
