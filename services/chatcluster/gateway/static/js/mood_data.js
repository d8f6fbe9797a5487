// A room's mood (the `mood` frame, or `mood` in GET /v1/rooms): its words, its tone and the 30-minute
// sparkline's geometry. Pure: mood.js paints it in the room header.

export const TONE_BAND = 0.15; // |mean| below this reads as neutral

export function moodTone(mood) {
  if (!mood || !moodMessages(mood)) return 'quiet';
  if (mood.mean >= TONE_BAND) return 'positive';
  if (mood.mean <= -TONE_BAND) return 'negative';
  return 'neutral';
}

export const moodMessages = (mood) => (mood ? mood.positive + mood.neutral + mood.negative : 0);

// What the header says, e.g. "Mood +0.45 · 12 messages in 5 min", or that the room has been quiet.
export function moodText(mood) {
  const n = moodMessages(mood);
  if (!n) return 'Quiet for 5 min';
  const sign = mood.mean > 0 ? '+' : mood.mean < 0 ? '−' : '±';
  return `Mood ${sign}${Math.abs(mood.mean).toFixed(2)} · ${n} message${n === 1 ? '' : 's'} in 5 min`;
}

// The tooltip: the counts behind the mean.
export const moodTitle = (mood) =>
  `Last 5 minutes: ${mood?.positive ?? 0} positive, ${mood?.neutral ?? 0} neutral, ${mood?.negative ?? 0} negative`;

// The sparkline's polylines (SVG `points` strings): one point per scored minute, mean +1 at the top and
// -1 at the bottom; a minute without a scored message breaks the line. A lone point gets a short dash.
export function sparkline(series, width, height) {
  const list = Array.isArray(series) ? series : [];
  if (!list.length) return [];
  const step = list.length > 1 ? width / (list.length - 1) : width;
  const y = (v) => +(((1 - Math.max(-1, Math.min(1, v))) / 2) * height).toFixed(2);
  const lines = [];
  let current = [];
  list.forEach((v, i) => {
    if (typeof v !== 'number') {
      if (current.length) lines.push(current);
      current = [];
      return;
    }
    current.push([+(i * step).toFixed(2), y(v)]);
  });
  if (current.length) lines.push(current);
  return lines.map((pts) => {
    const drawn = pts.length === 1 ? [[Math.max(0, pts[0][0] - 1.5), pts[0][1]], [pts[0][0] + 1.5, pts[0][1]]] : pts;
    return drawn.map(([px, py]) => `${px},${py}`).join(' ');
  });
}

// The latest mood of each room: a frame or a room list answer, whichever is newer (by its minute, then by
// arrival), so a slow GET /v1/rooms never paints over a fresher frame from an earlier minute.
export class MoodBook {
  constructor() {
    this.moods = new Map();
  }

  note(mood) {
    if (!mood || typeof mood.room_id !== 'string') return false;
    const known = this.moods.get(mood.room_id);
    if (known && Date.parse(known.minute) > Date.parse(mood.minute)) return false;
    this.moods.set(mood.room_id, mood);
    return true;
  }

  get(roomId) {
    return this.moods.get(roomId) || null;
  }
}
