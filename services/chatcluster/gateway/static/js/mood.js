// The open room's mood in its header: the last 5 minutes' mean and a 30-minute sparkline, from the room
// list (GET /v1/rooms, the `ready` frame) and then live from `mood` frames (mood_data.js is the pure part).
import { $ } from './dom.js';
import { MoodBook, moodText, moodTitle, moodTone, sparkline } from './mood_data.js';
import { svgEl } from './svg.js';

const WIDTH = 90;
const HEIGHT = 20;

const book = new MoodBook();
let shown = null; // the room whose mood the header shows

// `open`: the open room as the room list has it (its `mood` as last listed), or null.
export function paintMood(open) {
  shown = open ? open.room_id : null;
  if (open && open.mood) book.note(open.mood);
  const box = $('room-mood');
  if (!box) return;
  const mood = shown ? book.get(shown) : null;
  box.hidden = !shown;
  if (!shown) return;
  box.dataset.tone = moodTone(mood);
  box.title = moodTitle(mood);
  $('room-mood-text').textContent = moodText(mood);
  const svg = svgEl('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, 'aria-hidden': 'true' });
  svg.append(svgEl('line', { x1: 0, x2: WIDTH, y1: HEIGHT / 2, y2: HEIGHT / 2, class: 'mood-zero' }));
  for (const points of sparkline(mood ? mood.series : [], WIDTH, HEIGHT)) {
    svg.append(svgEl('polyline', { points, class: 'mood-line', fill: 'none' }));
  }
  $('room-mood-spark').replaceChildren(svg);
}

// A `mood` frame: remembered for its room, painted when that room is the open one.
export function onMoodFrame(frame) {
  if (book.note(frame) && frame.room_id === shown) paintMood({ room_id: shown });
}
