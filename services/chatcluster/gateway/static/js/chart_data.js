// Pure chart arithmetic: round axis scales, which labels fit, and the shaping of the stats
// API's answers into what the charts draw. No DOM; tests/js/chart_data.test.js covers it.

const DAY_MS = 86400000;
const MAX_CONTINUOUS_DAYS = 120;
export const STEP_MS = { minute: 60000, hour: 3600000, day: DAY_MS };
const STEP_SLOTS = { minute: 120, hour: 48, day: 30 };

// A round axis maximum and its tick step, for whole-number counts.
export function niceScale(max, ticks = 4) {
  if (!(max > 0)) return { max: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw));
  return { max: Math.ceil(max / step) * step, step };
}

// Which of n bands `band` pixels wide get a label at least `minGap` pixels from the next;
// counted back from the newest, which always gets one.
export function labelIndexes(n, band, minGap) {
  const every = Math.max(1, Math.ceil(minGap / band));
  const shown = [];
  for (let i = (n - 1) % every; i < n; i += every) shown.push(i);
  return shown;
}

export const isoDay = (date) => date.toISOString().slice(0, 10);

export function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

const byCountThenName = (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]);

// Rows of /v1/stats/messages?group_by=user,date as totals per user (largest first) and
// counts per day per user.
export function perDayPerUser(rows) {
  const totals = new Map(); // username -> count
  const byDay = new Map(); // day -> Map(username -> count)
  for (const r of rows) {
    if (!r.day || r.count <= 0) continue;
    const user = r.username || String(r.user_id);
    totals.set(user, (totals.get(user) || 0) + r.count);
    if (!byDay.has(r.day)) byDay.set(r.day, new Map());
    const cell = byDay.get(r.day);
    cell.set(user, (cell.get(user) || 0) + r.count);
  }
  return { users: [...totals.entries()].sort(byCountThenName), byDay };
}

// A day's users, most messages first (ties by name).
export const dayCell = (cell) => [...cell.entries()].sort(byCountThenName);

// How many of the top users get a colour of their own from `colours`; the rest share one.
export const ownColours = (users, colours) => (users <= colours ? users : colours - 1);

// The days on the axis: every day from `from` (or the first day seen) to today or the last
// day seen, or only the days seen when that span is too long to draw a bar each.
export function dayAxis(seen, from, today, maxContinuous = MAX_CONTINUOUS_DAYS) {
  const start = from || seen[0] || null;
  const last = seen[seen.length - 1];
  const end = last && last > today ? last : today;
  const span = start ? Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) + 1 : 0;
  if (start && span <= maxContinuous) {
    const days = [];
    for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
    return { days, sparse: false };
  }
  return { days: seen, sparse: seen.length > 0 };
}

// The time window of the sentiment chart at `now`: `slots` steps ending with the one filling.
export function sentimentWindow(step, now) {
  const ms = STEP_MS[step];
  const slots = STEP_SLOTS[step];
  const end = Math.floor(now / ms) * ms + ms;
  return { ms, slots, start: end - slots * ms, end };
}

// Sentiment points placed in their slot of the window, and the window's totals.
export function sentimentSlots(points, start, ms, slots) {
  const bySlot = new Map();
  const sum = { positive: 0, neutral: 0, negative: 0 };
  for (const p of points) {
    const i = Math.floor((Date.parse(p.start) - start) / ms);
    if (i < 0 || i >= slots) continue;
    bySlot.set(i, p);
    sum.positive += p.positive;
    sum.neutral += p.neutral;
    sum.negative += p.negative;
  }
  return { bySlot, sum, total: sum.positive + sum.neutral + sum.negative };
}

// Runs of neighbouring slots that have messages: the mean line joins only these, since a gap
// means no messages, not a trend.
export function runsOf(slotsWithData) {
  const runs = [];
  let run = [];
  let last = null;
  for (const i of slotsWithData) {
    if (last != null && i !== last + 1 && run.length) {
      runs.push(run);
      run = [];
    }
    run.push(i);
    last = i;
  }
  if (run.length) runs.push(run);
  return runs;
}

// The sparkline of the last minute: the peak, the total, and the y scale's top.
export function rateSummary(rate) {
  const counts = rate.points.map((p) => p.count);
  const total = counts.reduce((a, b) => a + b, 0);
  const peak = counts.length ? Math.max(...counts) : 0;
  return { counts, total, peak, top: Math.max(peak, rate.per_second, 1) };
}
