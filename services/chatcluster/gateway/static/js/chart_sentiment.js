// The "sentiment over time" panel: counts per step stacked by label, the mean per step in a
// strip below, for every room or one (the room open in the chat, until the user picks one).
import { api } from './api.js';
import { STEP_MS, niceScale, runsOf, sentimentSlots, sentimentWindow } from './chart_data.js';
import { $ } from './dom.js';
import { fmtInt, fmtSigned } from './format.js';
import { byName } from './rooms_data.js';
import { joinedRooms, label, roomsToJoin } from './rooms.js';
import { chartBox, emptyChart, stack, svgEl, tip, xLabels, yAxis } from './svg.js';

const COLORS = { positive: '#22a55a', neutral: '#b6bac8', negative: '#e0464b' };
const STEP_RANGE = { minute: 'last 2 hours, per minute', hour: 'last 48 hours, per hour', day: 'last 30 days, per UTC day' };

let step = 'hour';
let room = ''; // '' is every room
let roomChosen = false;
let optionsShown = ''; // what the room drop-down was last built from

function renderRoomOptions() {
  const select = $('sentiment-room');
  const mine = joinedRooms().sort((a, b) => byName(label(a), label(b)));
  const others = roomsToJoin().sort((a, b) => byName(a.name, b.name));
  const known = new Set([...mine, ...others].map((r) => r.room_id));
  const signature = JSON.stringify([mine.map((r) => [r.room_id, label(r)]), others.map((r) => [r.room_id, r.name]), room]);
  if (signature === optionsShown) return; // rebuilding would close an open drop-down
  optionsShown = signature;
  const option = (value, text) => {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  };
  const children = [option('', 'All rooms')];
  if (room && !known.has(room)) children.push(option(room, `Room ${room}`));
  for (const [title, rooms] of [['My rooms', mine], ['Other rooms', others]]) {
    if (!rooms.length) continue;
    const group = document.createElement('optgroup');
    group.label = title;
    group.append(...rooms.map((r) => option(r.room_id, r.kind === 'direct' ? `@${label(r)}` : `# ${r.name}`)));
    children.push(group);
  }
  select.replaceChildren(...children);
  select.value = room;
}

async function fetchSentiment() {
  const chosenStep = step;
  const { start, end, slots } = sentimentWindow(chosenStep, Date.now());
  const query = new URLSearchParams({ step: chosenStep, from: new Date(start).toISOString(), to: new Date(end).toISOString() });
  if (room) query.set('room', room);
  return { points: (await api('GET', `/v1/stats/sentiment?${query}`)).points, step: chosenStep, start, slots };
}

function slotLabel(time, unit, withDate) {
  const d = new Date(time);
  if (unit === 'day') return d.toLocaleDateString([], { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return withDate ? `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}` : hm;
}

// Time on the first line; the date under it on the first label and wherever the day changes.
function slotAxisLabel(start, ms, unit) {
  return (i, previous) => {
    const time = start + i * ms;
    if (unit === 'day') return slotLabel(time, unit, false);
    const hm = slotLabel(time, unit, false);
    const day = new Date(time).toDateString();
    if (previous >= 0 && new Date(start + previous * ms).toDateString() === day) return hm;
    return [hm, new Date(time).toLocaleDateString([], { month: 'short', day: 'numeric' })];
  };
}

function renderFigures(sum, total, unit) {
  $('sentiment-positive').textContent = fmtInt(sum.positive);
  $('sentiment-neutral').textContent = fmtInt(sum.neutral);
  $('sentiment-negative').textContent = fmtInt(sum.negative);
  $('sentiment-mean').textContent = total ? fmtSigned((sum.positive - sum.negative) / total) : '–';
  $('sentiment-range').textContent = `${fmtInt(total)} scored message${total === 1 ? '' : 's'} · ${STEP_RANGE[unit]}`;
}

function renderSentiment({ points, step: unit, start, slots }) {
  const ms = STEP_MS[unit];
  const { bySlot, sum, total } = sentimentSlots(points, start, ms, slots);
  renderFigures(sum, total, unit);
  const container = $('sentiment-chart');
  if (!total) {
    emptyChart(container, 160, 'No scored messages in this period.');
    return;
  }
  const { svg, width, height } = chartBox(container, 312);
  svg.setAttribute('aria-label', 'Sentiment counts per step, and below them the mean sentiment per step');
  // Counts on top; the mean (-1 … +1) in its own strip below, on the same time axis.
  const plot = { left: 44, right: width - 12, top: 14, bottom: 190 };
  const strip = { top: 212, bottom: height - 42 };
  const totalOf = (p) => p.positive + p.neutral + p.negative;
  const scale = niceScale(Math.max(...[...bySlot.values()].map(totalOf)));
  yAxis(svg, plot, scale);
  const meanY = (m) => strip.top + ((1 - m) / 2) * (strip.bottom - strip.top);
  svg.append(svgEl('text', { x: plot.left, y: strip.top - 6, class: 'tick tick-mean' }, 'Mean'));
  for (const m of [1, 0, -1]) {
    svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: meanY(m), y2: meanY(m), class: m === 0 ? 'mean-zero' : 'grid' }));
    svg.append(svgEl('text', { x: plot.left - 6, y: meanY(m) + 4, class: 'tick tick-mean', 'text-anchor': 'end' }, m > 0 ? '+1' : m < 0 ? '−1' : '0'));
  }
  const band = (plot.right - plot.left) / slots;
  const barW = Math.max(1, Math.min(36, band * 0.75));
  const yOf = (v) => plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
  const dots = new Map(); // slot -> [x, y, title]
  for (let i = 0; i < slots; i += 1) {
    const p = bySlot.get(i);
    if (!p || !totalOf(p)) continue;
    const time = start + i * ms;
    const x = plot.left + band * i + (band - barW) / 2;
    const title = `${slotLabel(time, unit, true)} · ${p.positive} positive, ${p.neutral} neutral, ${p.negative} negative · mean ${fmtSigned(p.mean)}`;
    const group = svgEl('g', {
      class: 'bar-group', 'data-testid': 'sentiment-bar', 'data-start': new Date(time).toISOString(),
      'data-positive': p.positive, 'data-neutral': p.neutral, 'data-negative': p.negative, 'data-mean': p.mean,
    });
    group.append(svgEl('rect', { x: plot.left + band * i, y: plot.top, width: band, height: strip.bottom - plot.top, class: 'hit' }, tip(title)));
    const parts = ['negative', 'neutral', 'positive'].filter((kind) => p[kind]).map((kind) => ({ n: p[kind], fill: COLORS[kind], title }));
    stack(group, { x, width: barW, yOf, parts, total: totalOf(p) });
    svg.append(group);
    dots.set(i, [plot.left + band * (i + 0.5), meanY(p.mean), title]);
  }
  for (const run of runsOf([...dots.keys()])) {
    if (run.length < 2) continue;
    svg.append(svgEl('polyline', { points: run.map((i) => `${dots.get(i)[0].toFixed(1)},${dots.get(i)[1].toFixed(1)}`).join(' '), class: 'mean-line' }));
  }
  const dotR = Math.max(1.5, Math.min(3, band / 3));
  for (const [x, y, title] of dots.values()) svg.append(svgEl('circle', { cx: x, cy: y, r: dotR, class: 'mean-dot' }, tip(title)));
  xLabels(svg, { ...plot, bottom: strip.bottom + 2 }, slots, slotAxisLabel(start, ms, unit), unit === 'day' ? 54 : 70);
  container.replaceChildren(svg);
}

export const sentimentPanel = {
  key: 'sentiment',
  testid: 'panel-sentiment',
  segment: { id: 'sentiment-step', get: () => step, set: (v) => { step = v; } },
  fetch: fetchSentiment,
  render: renderSentiment,
  redraw: renderSentiment,
  // The stats view opens: show the chat's open room unless the user chose one.
  opened(openRoomId) {
    if (!roomChosen) room = openRoomId || '';
    renderRoomOptions();
  },
  beforeRefresh: () => renderRoomOptions(),
  roomsChanged: () => renderRoomOptions(),
  reset() {
    room = '';
    roomChosen = false;
    optionsShown = '';
  },
  wire(reload) {
    $('sentiment-room').addEventListener('change', (e) => {
      room = e.target.value;
      roomChosen = true;
      reload();
    });
  },
};
