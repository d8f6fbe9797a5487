// Message search (GET /v1/search): the request's path, the results kept across pages, and a
// result's text cut into plain and highlighted segments. Pure: search.js draws them.
import { cmpId } from './ids.js';

export const SEARCH_PAGE = 20;
export const MAX_QUERY_CHARS = 200;

// The request for one page: `before` is the cursor of the previous answer (null for the first).
export function searchPath(query, before = null, limit = SEARCH_PAGE) {
  const params = new URLSearchParams({ q: query, limit: String(limit) });
  if (before != null) params.set('before', String(before));
  return `/v1/search?${params}`;
}

// The query as it is sent; null when there is nothing to search for.
export function cleanQuery(text) {
  const q = String(text ?? '').trim().replace(/\s+/g, ' ');
  return q ? q.slice(0, MAX_QUERY_CHARS) : null;
}

// The ranges to highlight, sorted, clamped to [0, length] and merged where they overlap or touch.
export function mergeRanges(highlights, length) {
  const ranges = [];
  for (const pair of Array.isArray(highlights) ? highlights : []) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const start = Math.max(0, Math.min(length, Math.trunc(Number(pair[0]))));
    const end = Math.max(0, Math.min(length, Math.trunc(Number(pair[1]))));
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) ranges.push([start, end]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([...r]);
  }
  return merged;
}

// The text as [{text, hit}] segments. `highlights` are the server's offsets, which count Unicode
// characters (code points), not the UTF-16 units of a JS string: an emoji before a match must not
// shift it. Joining the segments gives the text back.
export function highlightSegments(text, highlights) {
  const chars = Array.from(String(text ?? ''));
  const segments = [];
  let at = 0;
  for (const [start, end] of mergeRanges(highlights, chars.length)) {
    if (start > at) segments.push({ text: chars.slice(at, start).join(''), hit: false });
    segments.push({ text: chars.slice(start, end).join(''), hit: true });
    at = end;
  }
  if (at < chars.length || !segments.length) segments.push({ text: chars.slice(at).join(''), hit: false });
  return segments;
}

// The results of one query over its pages, newest first, each message once.
export class SearchResults {
  constructor(query = null) {
    this.query = query;
    this.results = [];
    this.ids = new Set();
    this.before = null; // cursor of the next (older) page; null when there is none
    this.loaded = false;
  }

  // Takes one answer; the results it added.
  take(answer) {
    const added = [];
    for (const r of (answer && answer.results) || []) {
      if (!r || !r.message) continue;
      const id = String(r.message.message_id);
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      added.push(r);
    }
    this.results.push(...added);
    this.results.sort((a, b) => cmpId(b.message.message_id, a.message.message_id));
    this.before = answer && answer.before != null ? String(answer.before) : null;
    this.loaded = true;
    return added;
  }
}
