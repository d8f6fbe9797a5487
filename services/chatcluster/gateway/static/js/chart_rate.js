// The "messages per second" panel: the last minute as a sparkline with its mean.
import { api } from './api.js';
import { rateSummary } from './chart_data.js';
import { $ } from './dom.js';
import { clockTime, fmtInt } from './format.js';
import { chartBox, svgEl, tip } from './svg.js';

function renderRate(rate) {
  const { counts, total, peak, top } = rateSummary(rate);
  $('rate-mean').textContent = rate.per_second.toFixed(2);
  $('rate-total').textContent = fmtInt(total);
  $('rate-peak').textContent = fmtInt(peak);
  const container = $('rate-chart');
  const { svg, width, height } = chartBox(container, 72);
  svg.setAttribute('aria-label', `Messages per second over the last ${rate.window_seconds} seconds`);
  const plot = { left: 2, right: width - 2, top: 6, bottom: height - 4 };
  const n = Math.max(1, counts.length - 1);
  const xOf = (i) => plot.left + (i / n) * (plot.right - plot.left);
  const yOf = (v) => plot.bottom - (v / top) * (plot.bottom - plot.top);
  const pts = counts.map((c, i) => `${xOf(i).toFixed(1)},${yOf(c).toFixed(1)}`);
  svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis-base' }));
  if (pts.length) {
    svg.append(svgEl('path', { d: `M${xOf(0)},${plot.bottom} L${pts.join(' L')} L${xOf(counts.length - 1)},${plot.bottom} Z`, class: 'spark-area' }));
    svg.append(svgEl('polyline', { points: pts.join(' '), class: 'spark-line' }));
    const last = counts.length - 1;
    svg.append(svgEl('circle', { cx: xOf(last), cy: yOf(counts[last]), r: 3, class: 'spark-dot' }));
  }
  const meanY = yOf(rate.per_second);
  svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: meanY, y2: meanY, class: 'spark-mean' },
    tip(`Mean ${rate.per_second.toFixed(2)} messages per second`)));
  const band = (plot.right - plot.left) / Math.max(1, counts.length);
  rate.points.forEach((p, i) => {
    svg.append(svgEl('rect', { x: plot.left + band * i, y: 0, width: band, height, class: 'hit' },
      tip(`${clockTime(new Date(p.second))} · ${p.count} message${p.count === 1 ? '' : 's'}`)));
  });
  container.replaceChildren(svg);
}

export const ratePanel = {
  key: 'rate',
  testid: 'panel-rate',
  fetch: () => api('GET', '/v1/stats/rate'),
  render: renderRate,
  redraw: renderRate,
};
