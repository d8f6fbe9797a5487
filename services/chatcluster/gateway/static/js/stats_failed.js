// The "failed messages" panel: dead letters per consumer and the latest errors (text, never markup).
import { api } from './api.js';
import { $, element } from './dom.js';
import { fmtInt, formatTime } from './format.js';

function consumerChip([consumer, n]) {
  const li = element('li', 'chip');
  li.dataset.testid = 'failed-consumer-entry';
  li.dataset.consumer = consumer;
  li.dataset.count = String(n);
  li.append(element('span', '', consumer), element('b', '', fmtInt(n)));
  return li;
}

function failedEntry(d) {
  const li = element('li', 'failed-item');
  li.dataset.testid = 'failed-entry';
  li.dataset.consumer = d.consumer;
  const head = element('div', 'failed-head');
  const when = document.createElement('time');
  const date = new Date(d.failed_at);
  when.dateTime = d.failed_at;
  when.title = date.toLocaleString();
  when.textContent = `${formatTime(date)} · ${d.deliveries} deliver${d.deliveries === 1 ? 'y' : 'ies'}`;
  head.append(element('span', 'failed-consumer', d.consumer), element('code', 'failed-subject', d.subject), when);
  const error = element('div', 'failed-error', d.error);
  error.dataset.testid = 'failed-error';
  error.title = d.error;
  const payload = document.createElement('details');
  payload.append(element('summary', '', `Payload (stream sequence ${d.stream_sequence})`), element('pre', '', d.payload));
  li.append(head, error, payload);
  return li;
}

function renderFailed(failed) {
  $('failed-total').textContent = fmtInt(failed.total);
  $('failed-total').classList.toggle('bad', failed.total > 0);
  const consumers = Object.entries(failed.by_consumer || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  $('failed-consumers').replaceChildren(...consumers.map(consumerChip));
  $('failed-empty').hidden = failed.total > 0 || failed.recent.length > 0;
  $('failed-recent').replaceChildren(...failed.recent.map(failedEntry));
}

export const failedPanel = {
  key: 'failed',
  testid: 'panel-failed',
  fetch: () => api('GET', '/v1/stats/failed?limit=10'),
  render: renderFailed,
};
