// A small SVG kit for the stats charts: elements, a chart's box, axes and thinned-out labels.
// Colours are presentation attributes (fill=...), never style attributes: the page's
// Content-Security-Policy allows no inline style.
import { labelIndexes } from './chart_data.js';
import { fmtInt } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) if (c != null) el.append(c);
  return el;
}

export const tip = (text) => svgEl('title', {}, text);

export function chartBox(container, height) {
  const width = Math.max(280, Math.floor(container.clientWidth || 600));
  const svg = svgEl('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  return { svg, width, height };
}

export function emptyChart(container, height, text) {
  const { svg, width } = chartBox(container, height);
  svg.append(svgEl('text', { x: width / 2, y: height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, text));
  container.replaceChildren(svg);
}

export function yAxis(svg, plot, scale, format = fmtInt) {
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    const y = plot.bottom - (v / scale.max) * (plot.bottom - plot.top);
    svg.append(svgEl('line', { x1: plot.left, x2: plot.right, y1: y, y2: y, class: v === 0 ? 'axis-base' : 'grid' }));
    svg.append(svgEl('text', { x: plot.left - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, format(v)));
  }
}

// X labels under n evenly spaced bands, never overlapping; the newest band always gets one.
// labelOf(i, previous shown i or -1) gives a line, or [line, second line].
export function xLabels(svg, plot, n, labelOf, minGap = 58) {
  const band = (plot.right - plot.left) / n;
  let previous = -1;
  for (const i of labelIndexes(n, band, minGap)) {
    const label = labelOf(i, previous);
    previous = i;
    const [first, second] = Array.isArray(label) ? label : [label];
    const x = plot.left + band * (i + 0.5);
    const text = svgEl('text', { x, y: plot.bottom + 17, class: 'tick', 'text-anchor': 'middle' }, first);
    if (second) text.append(svgEl('tspan', { x, dy: 14, class: 'tick-date' }, second));
    svg.append(text);
  }
}

// Stacked segments of one bar, bottom up, with a one-pixel gap between them.
export function stack(group, { x, width, yOf, parts, total }) {
  let acc = 0;
  for (const { n, fill, attrs, title } of parts) {
    const y0 = yOf(acc);
    acc += n;
    const y1 = yOf(acc);
    group.append(svgEl('rect', { x, y: y1, width, height: Math.max(0, y0 - y1 - (acc < total ? 1 : 0)), fill, ...attrs }, tip(title)));
  }
}
