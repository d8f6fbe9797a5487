// The "messages per day" panel: bars stacked by user, a legend and the table of numbers.
import { api } from './api.js';
import { addDays, dayAxis, dayCell, isoDay, niceScale, ownColours, perDayPerUser } from './chart_data.js';
import { $, element } from './dom.js';
import { fmtInt } from './format.js';
import { chartBox, emptyChart, stack, svgEl, tip, xLabels, yAxis } from './svg.js';

const SERIES_COLORS = ['#4f46e5', '#0891b2', '#16a34a', '#ca8a04', '#db2777', '#ea580c', '#9333ea', '#0d9488'];
const OTHERS_COLOR = '#b6bac8';

let range = '30'; // days shown: 7, 30, 90 or all

function dayLabel(day, withYear) {
  const opts = { month: 'short', day: 'numeric', timeZone: 'UTC' };
  if (withYear) opts.year = 'numeric';
  return new Date(`${day}T00:00:00Z`).toLocaleDateString([], opts);
}

async function fetchDays() {
  const today = isoDay(new Date());
  const from = range === 'all' ? null : addDays(today, -(Number(range) - 1));
  const query = `group_by=${encodeURIComponent('user,date')}${from ? `&from=${from}` : ''}`;
  return { rows: (await api('GET', `/v1/stats/messages?${query}`)).rows, from, today };
}

function legendEntry(name, count, fill, others) {
  const li = document.createElement('li');
  li.dataset.testid = 'per-day-legend-entry';
  if (!others) li.dataset.user = name;
  li.dataset.count = String(count);
  const swatch = element('i', 'swatch');
  swatch.style.background = fill;
  const label = element('span', 'legend-name', name);
  label.dataset.testid = 'legend-name';
  const value = element('span', 'legend-count', fmtInt(count));
  value.dataset.testid = 'legend-count';
  li.append(swatch, label, value);
  return li;
}

function renderLegend(users, own, colour, sparse) {
  const legend = $('days-legend');
  legend.replaceChildren(...users.slice(0, own).map(([u, n]) => legendEntry(u, n, colour.get(u))));
  if (users.length > own) {
    const rest = users.slice(own).reduce((sum, [, n]) => sum + n, 0);
    legend.append(legendEntry(`${users.length - own} others`, rest, OTHERS_COLOR, true));
  }
  if (sparse) legend.append(element('li', 'legend-note', 'Days without messages are left out.'));
}

function renderTable(seen, byDay) {
  const rows = [];
  for (const day of [...seen].reverse()) {
    for (const [user, n] of dayCell(byDay.get(day))) {
      const tr = document.createElement('tr');
      tr.dataset.testid = 'per-day-row';
      tr.dataset.day = day;
      tr.dataset.user = user;
      tr.dataset.count = String(n);
      tr.append(element('td', '', day), element('td', '', user), element('td', 'num', fmtInt(n)));
      rows.push(tr);
    }
  }
  $('days-table').replaceChildren(...rows);
}

function renderDays({ rows, from, today }) {
  const container = $('days-chart');
  const { users, byDay } = perDayPerUser(rows);
  // The top users get their own colour; the rest share "others" so the colours stay tellable apart.
  const own = ownColours(users.length, SERIES_COLORS.length);
  const colour = new Map(users.map(([u], i) => [u, i < own ? SERIES_COLORS[i] : OTHERS_COLOR]));
  const series = users.slice(0, own).map(([u]) => u);
  const seen = [...byDay.keys()].sort();
  const { days, sparse } = dayAxis(seen, from, today);
  renderLegend(users, own, colour, sparse);
  renderTable(seen, byDay);

  if (!rows.length || !days.length) {
    emptyChart(container, 160, 'No messages in this period.');
    return;
  }
  const { svg, width, height } = chartBox(container, 240);
  svg.setAttribute('aria-label', 'Messages per day, stacked by user');
  const plot = { left: 44, right: width - 12, top: 20, bottom: height - 28 };
  const dayTotal = (d) => (byDay.has(d) ? [...byDay.get(d).values()].reduce((a, b) => a + b, 0) : 0);
  const scale = niceScale(Math.max(...days.map(dayTotal)));
  yAxis(svg, plot, scale);
  const band = (plot.right - plot.left) / days.length;
  const barW = Math.max(2, Math.min(44, band * 0.72));
  const yOf = (v) => plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
  const multiYear = days[0].slice(0, 4) !== days[days.length - 1].slice(0, 4);
  days.forEach((day, i) => {
    const cell = byDay.get(day);
    const total = dayTotal(day);
    const x = plot.left + band * i + (band - barW) / 2;
    const group = svgEl('g', { class: 'bar-group', 'data-testid': 'per-day-day', 'data-day': day, 'data-count': total });
    const lines = cell ? [...cell.entries()].sort((a, b) => b[1] - a[1]).map(([u, n]) => `${u}: ${fmtInt(n)}`) : [];
    group.append(svgEl('rect', { x: plot.left + band * i, y: plot.top, width: band, height: plot.bottom - plot.top, class: 'hit' },
      tip(`${dayLabel(day, true)} · ${fmtInt(total)} message${total === 1 ? '' : 's'}${lines.length ? '\n' + lines.join('\n') : ''}`)));
    if (cell) {
      const order = [...series.filter((u) => cell.has(u)), ...[...cell.keys()].filter((u) => !series.includes(u))];
      stack(group, {
        x, width: barW, yOf, total,
        parts: order.map((user) => ({
          n: cell.get(user), fill: colour.get(user), title: `${dayLabel(day, true)} · ${user}: ${fmtInt(cell.get(user))}`,
          attrs: { 'data-testid': 'per-day-bar', 'data-day': day, 'data-user': user, 'data-count': cell.get(user) },
        })),
      });
      if (band >= 18) {
        group.append(svgEl('text', {
          x: x + barW / 2, y: yOf(total) - 5, class: 'bar-total', 'text-anchor': 'middle',
          'data-testid': 'per-day-total', 'data-day': day,
        }, fmtInt(total)));
      }
    }
    svg.append(group);
  });
  xLabels(svg, plot, days.length, (i) => dayLabel(days[i], multiYear), multiYear ? 84 : 54);
  container.replaceChildren(svg);
}

export const daysPanel = {
  key: 'days',
  testid: 'panel-messages-per-day',
  segment: { id: 'days-range', get: () => range, set: (v) => { range = v; } },
  fetch: fetchDays,
  render: renderDays,
  redraw: renderDays,
};
