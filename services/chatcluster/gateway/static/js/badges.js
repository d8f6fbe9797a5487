// The sentiment badge on each message. The badge is drawn by CSS from data-label, so the
// span's own text stays empty.
import { ScoreBook, describeSentiment } from './scores_data.js';

let scores = new ScoreBook();

export function resetScores() {
  scores = new ScoreBook();
}

// A `scored` frame's event, which may come before or after the message's own event; the id
// of the message whose badge may change, or null.
export const noteScore = (event) => scores.note(event);

export function paintSentiment(el, m) {
  const badge = el.querySelector('.sentiment');
  if (!badge) return;
  const shown = describeSentiment(scores.current(m));
  if (!shown) {
    badge.className = 'sentiment';
    for (const a of ['data-label', 'title', 'role', 'aria-label']) badge.removeAttribute(a);
    return;
  }
  badge.className = `sentiment sentiment-${shown.name}`;
  badge.dataset.label = shown.label;
  badge.title = shown.title;
  badge.setAttribute('role', 'img');
  badge.setAttribute('aria-label', shown.ariaLabel);
}
