/**
 * The waterfall's details pane for one row: the full URL, status, the timings the capture holds (waiting for the
 * response headers, then the body), sizes, and the response headers exactly as stored — values the masking policy
 * changed hold "•" and are labelled masked, so nobody mistakes them for the site's. The capture point keeps
 * response headers only; the request's headers are not recorded, and the pane says so. A WebSocket row lists its
 * messages, each seeking the replay to its moment.
 */
import { h } from './dom';
import { formatBytes, formatDateTime, formatOffset } from './format';
import type { WaterfallRow } from './network-rows';

const MASK = '•';

export function detailsContent(row: WaterfallRow, first: number, onSeek: (offset: number) => void): HTMLElement[] {
  const facts: [string, string][] = [
    ['URL', row.url],
    ['Started', `${formatOffset(Math.max(0, row.start))} (${formatDateTime(first + row.start)})`],
  ];
  const c = row.capture;
  if (c) {
    facts.splice(1, 0, ['Method', c.method], ['Status', `${c.status}${c.statusText ? ` ${c.statusText}` : ''}`], ['Type', `${row.mime || 'unknown'}${c.destination ? ` (requested as ${c.destination})` : ''}`]);
    facts.push(['Waiting (to response headers)', `${c.timing.headersMs} ms`]);
    facts.push(['Download (headers to last byte)', `${Math.max(0, c.timing.totalMs - c.timing.headersMs)} ms`]);
    facts.push(['Total', `${c.timing.totalMs} ms`]);
    if (c.body) {
      const how = c.body.masked ? 'masked, stored decoded' : c.body.encoding ? `${c.body.encoding}-encoded, as transferred` : 'as transferred';
      facts.push(['Body stored', `${formatBytes(c.body.size)} (${how}${c.body.truncated ? ', cut at the capture cap' : ''})`]);
    } else {
      facts.push(['Body stored', 'none']);
    }
    const length = c.headers.find(([k]) => k === 'content-length')?.[1];
    if (length) facts.push(['Content-Length', `${length} bytes`]);
    if (c.incomplete) facts.push(['Incomplete', `${c.incomplete.reason}${c.incomplete.detail ? `: ${c.incomplete.detail}` : ''}`]);
    if (c.revalidatedFrom) facts.push(['Revalidated', 'the upstream answered 304; the body is an earlier capture\'s']);
    if (c.requestBody) facts.push(['Request body', `${c.requestBody.contentType}, ${formatBytes(c.requestBody.size)}${c.requestBody.masked ? ', masked' : ''}`]);
  } else if (row.messages) {
    facts.push(['Messages', `${row.messages.length}, ${formatBytes(row.size ?? 0)}`], ['Open for', `${Math.round(row.end - row.start)} ms between the first and last message`]);
  }
  const parts: HTMLElement[] = [
    h('dl', { class: 'network-facts' }, ...facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))),
  ];
  if (c) {
    parts.push(h('h3', {}, `Response headers (${c.headers.length})`),
      c.headers.length ? h('table', { class: 'network-headers' },
        h('tbody', {}, ...c.headers.map(([k, v]) => h('tr', {},
          h('th', { scope: 'row' }, k),
          h('td', {}, v, v.includes(MASK) ? h('span', { class: 'masked-tag' }, 'masked') : null)))))
        : h('p', { class: 'muted' }, 'None recorded.'),
      h('h3', {}, 'Request headers'),
      h('p', { class: 'muted' }, 'Not recorded: the capture point keeps the response headers only.'));
  }
  if (row.messages) {
    parts.push(h('h3', {}, 'Messages'), h('ol', { class: 'network-messages' }, ...row.messages.map((m) => {
      const offset = Math.max(0, m.at - first);
      const what = m.kind === 'binary' ? `binary, ${formatBytes(m.size)}` : m.kind === 'close' ? `close${m.preview ? ` ${m.preview}` : ''}` : m.preview ?? `text, ${formatBytes(m.size)}`;
      return h('li', { 'data-direction': m.direction },
        h('button', { type: 'button', class: 'network-message-time', title: `Show this moment (${formatDateTime(m.at)})`, onclick: () => onSeek(offset) }, formatOffset(offset)),
        h('span', { class: 'network-message-direction' }, m.direction === 'sent' ? '↑ sent' : '↓ received'),
        h('span', { class: 'network-message-text' }, what),
        m.masked ? h('span', { class: 'masked-tag' }, 'masked') : null);
    })));
  }
  return parts;
}
