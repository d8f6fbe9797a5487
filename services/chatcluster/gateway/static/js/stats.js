// The stats view (#stats): its panels load together every five seconds while it is open.
// Each panel module owns its choices (range, step, room, window) and its drawing; this module
// owns the view's life and the loading discipline shared by all panels. A panel is
// {key, testid, fetch(), render(data)} and optionally segment {id, get, set} (its segmented
// buttons), redraw(data) (on resize), opened(openRoomId), beforeRefresh(), roomsChanged(data),
// reset(), wire(reload).
import { daysPanel } from './chart_days.js';
import { ratePanel } from './chart_rate.js';
import { sentimentPanel } from './chart_sentiment.js';
import { $ } from './dom.js';
import { clockTime } from './format.js';
import { failedPanel } from './stats_failed.js';
import { topPanel } from './stats_top.js';

const REFRESH_MS = 5000;
const PANELS = [ratePanel, failedPanel, daysPanel, sentimentPanel, topPanel];

let open = false;
let timer = null;
let busy = false;
let seq = {}; // panel key -> number of its latest request
let data = {}; // panel key -> its latest answer

export function openStats(openRoomId) {
  if (open) return;
  open = true;
  for (const panel of PANELS) {
    if (panel.segment) syncSegment(panel.segment);
    panel.opened?.(openRoomId);
  }
  refreshStats();
  timer = setInterval(() => {
    if (!document.hidden) refreshStats();
  }, REFRESH_MS);
}

export function closeStats() {
  open = false;
  clearInterval(timer);
  timer = null;
}

export function resetStats() {
  closeStats();
  for (const panel of PANELS) panel.reset?.();
  seq = {};
  data = {};
}

async function refreshStats() {
  if (!open || busy) return;
  busy = true;
  try {
    for (const panel of PANELS) panel.beforeRefresh?.();
    await Promise.all(PANELS.map(load));
    if (open) $('stats-updated').textContent = `Updated ${clockTime(new Date())} · refreshes every 5 s`;
  } finally {
    busy = false;
  }
}

// Fetches one panel's data; a later request of the same panel wins over a slower earlier one.
async function load(panel) {
  const { key } = panel;
  const mine = (seq[key] = (seq[key] || 0) + 1);
  const box = document.querySelector(`[data-testid="${panel.testid}"] .panel-error`);
  try {
    const answer = await panel.fetch();
    if (mine !== seq[key] || !open) return;
    data[key] = answer;
    box.hidden = true;
    panel.render(answer);
  } catch (err) {
    if (mine !== seq[key] || !open) return;
    box.textContent = `Could not load: ${err.message}`;
    box.hidden = false;
  }
}

function syncSegment(segment) {
  for (const button of $(segment.id).querySelectorAll('button')) {
    const on = button.dataset.value === segment.get();
    button.classList.toggle('on', on);
    button.setAttribute('aria-pressed', String(on));
  }
}

function redrawStats() {
  if (!open) return;
  for (const panel of PANELS) if (panel.redraw && data[panel.key]) panel.redraw(data[panel.key]);
}

// Room names may have arrived after a panel drew: refresh what shows them.
export function statsRoomsChanged() {
  if (!open) return;
  for (const panel of PANELS) panel.roomsChanged?.(data[panel.key]);
}

export function wireStats() {
  $('stats-refresh').addEventListener('click', () => refreshStats());
  for (const panel of PANELS) {
    const { segment } = panel;
    if (segment) {
      $(segment.id).addEventListener('click', (e) => {
        const button = e.target.closest('button[data-value]');
        if (!button || segment.get() === button.dataset.value) return;
        segment.set(button.dataset.value);
        syncSegment(segment);
        load(panel);
      });
    }
    panel.wire?.(() => load(panel));
  }
  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(redrawStats, 150);
  });
}
