/**
 * The player's "not from the bank" badge (GET /api/sessions/<id>/foreign-content, replay/foreign-content/): how many
 * elements, texts, scripts, frames and forms the page showed that no captured response explains, and on demand the
 * list. Choosing an item seeks the replay to its moment and outlines the element in the replay. Flag texts are
 * recorded content, hence hostile: they become text nodes (and <mark>s for the words no capture holds), never markup.
 */
import type { ForeignContentReport, ForeignFlag, ForeignReason } from '../replay/foreign-content/types';
import { call, seg } from './api-call';
import { h } from './dom';
import { formatDateTime } from './format';
import { highlighted } from './highlight';

const REASON_TEXT: Record<ForeignReason, string> = {
  'extension-resource': 'loaded from a browser extension',
  'foreign-resource': 'script, frame or stylesheet the site never sent',
  'foreign-form-action': 'form sends to an origin that is not the site\'s',
  'foreign-overlay': 'overlay the site did not draw',
  'unexplained-content': 'content no response from the site holds',
  'text-replaced': 'text changed to words the site never sent',
};

export interface ForeignContentActions {
  /** Shows the replay at this moment (epoch ms). */
  seekTo(at: number): void;
  /** Outlines this recorded node once the replay shows it; false when it is not on screen then. */
  outline(nodeId: number): boolean;
}

export function foreignContentBadge(sessionId: string, actions: ForeignContentActions): HTMLElement {
  const summary = h('summary', { class: 'foreign-summary' }, 'Foreign content …');
  const body = h('div', { class: 'foreign-body' });
  const el = h('details', { class: 'foreign-badge', 'data-foreign': 'loading' }, summary, body);
  call<ForeignContentReport>('GET', `/api/sessions/${seg(sessionId)}/foreign-content`).then((report) => show(el, summary, body, report, actions), (err: Error) => {
    el.dataset.foreign = 'unknown';
    summary.textContent = 'Foreign content unknown';
    body.replaceChildren(h('p', {}, `Could not compare the page with what the site sent: ${err.message}`));
  });
  return el;
}

function show(el: HTMLElement, summary: HTMLElement, body: HTMLElement, report: ForeignContentReport, actions: ForeignContentActions): void {
  const n = report.flags.length;
  el.dataset.foreign = n ? 'found' : 'none';
  el.dataset.count = String(n);
  summary.textContent = n ? `Not from the bank: ${n}` : 'All content from the bank';
  const status = h('p', { class: 'foreign-status', role: 'status' });
  const checked = `${report.pagesChecked} page${report.pagesChecked === 1 ? '' : 's'} compared with what the site sent`
    + (report.pagesUnchecked ? `; ${report.pagesUnchecked} not compared (the proxy never saw their document)` : '')
    + (report.capped ? '; only part was checked' : '') + '.';
  body.replaceChildren(
    h('p', {}, checked),
    n ? h('ul', { class: 'foreign-flags', 'aria-label': 'Content the bank did not send' },
      ...report.flags.slice(0, 500).map((f) => h('li', { 'data-reason': f.reason }, item(f, actions, status)))) : h('p', {}, 'Nothing on the pages lacks a source among the captured responses.'),
    status,
  );
}

function item(f: ForeignFlag, actions: ForeignContentActions, status: HTMLElement): HTMLElement {
  const label = f.text || f.path;
  return h('button', {
    type: 'button', class: 'foreign-flag', 'data-node': String(f.nodeId), title: f.source,
    onclick: () => {
      actions.seekTo(f.at);
      // The replay rebuilds the page on a seek: outline once it shows the moment.
      setTimeout(() => {
        status.textContent = actions.outline(f.nodeId) ? `Outlined in the replay: ${f.path}` : 'The element is not on screen at that moment of this tab.';
      }, 150);
    },
  },
  h('span', { class: 'foreign-time' }, formatDateTime(f.at)),
  ' · ',
  h('span', { class: 'foreign-reason' }, REASON_TEXT[f.reason]),
  ' · ',
  h('span', { class: 'foreign-text' }, ...highlighted(label, f.words ?? [])),
  h('span', { class: 'foreign-source' }, ` — ${f.source}`));
}
