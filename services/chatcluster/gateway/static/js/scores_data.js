// Sentiment scores that arrive live (`scored` frames), kept for messages on screen and for
// those whose own event has not arrived yet. Pure: badges.js draws them.
import { editedMs } from './messages_data.js';

const MAX_SCORES = 5000;
const NAMES = { 1: 'positive', 0: 'neutral', '-1': 'negative' };

export class ScoreBook {
  constructor(limit = MAX_SCORES) {
    this.limit = limit;
    this.scores = new Map(); // message_id -> {sentiment, version}, oldest first
  }

  // Takes a `scored` event; the message id it scored, or null when it changes nothing.
  note(event) {
    if (!event || !event.message || !event.sentiment) return null;
    const id = String(event.message.message_id);
    const version = editedMs(event.message);
    const known = this.scores.get(id);
    if (known && known.version > version) return null; // a score of older text arrived late
    this.scores.delete(id); // re-insert so the map stays oldest-first
    this.scores.set(id, { sentiment: event.sentiment, version });
    while (this.scores.size > this.limit) this.scores.delete(this.scores.keys().next().value);
    return id;
  }

  // A live score counts when it is for the message's current text (same or later edit);
  // otherwise the score the message carries (history, or the last event) does.
  current(m) {
    if (m.deleted) return null;
    const live = this.scores.get(String(m.message_id));
    if (live && live.version >= editedMs(m)) return live.sentiment;
    return m.sentiment || null;
  }
}

// What a badge says about a score, or null when there is none to show.
export function describeSentiment(s) {
  const name = s ? NAMES[String(s.label)] : undefined;
  if (!name) return null;
  const confidence = typeof s.confidence === 'number' ? `${Math.round(s.confidence * 100)}% confidence` : 'confidence unknown';
  return {
    name,
    label: String(s.label),
    title: `${name.charAt(0).toUpperCase()}${name.slice(1)} · ${confidence} · model ${s.model_version || 'unknown'}`,
    ariaLabel: `Sentiment: ${name}, ${confidence}`,
  };
}
