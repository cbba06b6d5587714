/**
 * The agent's home: a customer lookup. A customer id, and optionally the search's own filters (a query, a channel, a
 * date range), find that customer's sessions across channels (web, gateway, kiosk), newest first, each with a
 * Replay link. It asks GET /api/search, which gives agents customer-linked sessions only (search-routes.ts), so the
 * page can show no more than the API allows; a viewer without the search index answers from the store's customer
 * history instead (GET /api/sessions?customer=, no query). The lookup lives in the URL (`/?customer=&text=&channel=&from=&to=`).
 */
import type { SearchResponse } from '../search/types';
import { listSessions, type ApiError } from './api';
import { h } from './dom';
import { formatDateTime, formatDuration, shortUrl } from './format';
import { listPage } from './list-api';
import { dayStart, nextDayStart } from './list-state';
import { addFilter } from './query-terms';
import { CHANNEL_LABELS } from './session-table';

const PAGE_SIZE = 50;

export function renderAgentHome(root: HTMLElement): void {
  document.title = 'Customer lookup · Verbatim';
  document.documentElement.dataset.view = 'agent-home';
  const params = new URLSearchParams(location.search);
  const value = (name: string) => params.get(name)?.trim() ?? '';
  const field = (id: string, label: string, input: HTMLElement, hint?: string) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null);
  const customer = h('input', { id: 'lookup-customer', name: 'customer', type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', value: value('customer') });
  const text = h('input', { id: 'lookup-text', name: 'text', type: 'search', autocomplete: 'off', spellcheck: 'false', value: value('text'), 'aria-describedby': 'lookup-text-hint' });
  const channel = h('select', { id: 'lookup-channel', name: 'channel' },
    ...['', 'proxy', 'gateway', 'kiosk'].map((c) => h('option', c === value('channel') ? { value: c, selected: true } : { value: c }, c ? CHANNEL_LABELS[c]! : 'All channels')));
  const from = h('input', { id: 'lookup-from', name: 'from', type: 'date', value: value('from') });
  const to = h('input', { id: 'lookup-to', name: 'to', type: 'date', value: value('to') });
  // The UI's CSP has form-action 'none': navigate from script instead of submitting.
  const form = h('form', { class: 'lookup-form', 'aria-label': 'Customer lookup', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const [name, input] of [['customer', customer], ['text', text], ['channel', channel], ['from', from], ['to', to]] as const) {
      if (input.value.trim()) next.set(name, input.value.trim());
    }
    location.assign(`/?${next}`);
  } },
  field('lookup-customer', 'Customer id', customer),
  field('lookup-text', 'Search within', text, 'Optional, e.g. error:timeout or url:/payments'),
  field('lookup-channel', 'Channel', channel),
  field('lookup-from', 'From', from), field('lookup-to', 'To', to),
  h('button', { class: 'button', type: 'submit' }, 'Look up'));

  const results = h('section', { class: 'lookup-results', 'aria-labelledby': 'lookup-results-title' });
  root.replaceChildren(h('section', { class: 'list-view agent-home' },
    h('div', { class: 'list-head' }, h('h1', {}, 'Customer lookup')),
    h('p', { class: 'muted' }, 'Find a customer\'s recorded sessions on the web, the gateway and kiosks.'),
    form, results));
  const id = value('customer');
  if (id) void showCustomer(results, id, params);
  else customer.focus();
}

async function showCustomer(area: HTMLElement, customerId: string, params: URLSearchParams): Promise<void> {
  let q = addFilter(params.get('text')?.trim() ?? '', 'customer', customerId);
  if (params.get('channel')) q = addFilter(q, 'channel', params.get('channel')!);
  const date = (name: string) => (/^\d{4}-\d{2}-\d{2}$/.test(params.get(name) ?? '') ? params.get(name)! : undefined);
  const fromDate = date('from');
  const toDate = date('to');
  const status = h('p', { class: 'list-status', role: 'status', id: 'lookup-total' }, 'Looking up…');
  const body = h('tbody');
  const table = h('table', { class: 'sessions', hidden: true, 'aria-describedby': 'lookup-total' },
    h('thead', {}, h('tr', {}, ...['Started', 'Channel', 'Duration', 'Pages', 'Entry page'].map((t) => h('th', { scope: 'col' }, t)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    body);
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'More sessions');
  area.replaceChildren(h('h2', { id: 'lookup-results-title' }, `Sessions of customer ${customerId}`), status, table, more);
  let cursor: string | undefined;
  let shown = 0;
  const load = async (): Promise<void> => {
    more.disabled = true;
    let page: SearchResponse | undefined;
    try {
      page = await listPage({ q, sort: 'start', order: 'desc', limit: PAGE_SIZE, cursor, facets: cursor ? [] : ['channel'],
        from: fromDate ? dayStart(fromDate) : undefined, to: toDate ? nextDayStart(toDate) : undefined });
    } catch (err) {
      status.textContent = `Could not look up the customer: ${(err as ApiError).message}`;
      status.classList.add('error');
      return;
    } finally {
      more.disabled = false;
    }
    if (!page) {
      // A viewer without the search index: the store's customer history (no query, the filters applied here).
      await showHistory(status, table, body, customerId, params.get('channel') ?? '',
        fromDate ? dayStart(fromDate) : -Infinity, toDate ? nextDayStart(toDate) : Infinity);
      return;
    }
    for (const r of page.results) body.append(row(r.session));
    shown += page.results.length;
    if (!cursor) {
      const perChannel = (page.facets.channel ?? []).map((f) => `${CHANNEL_LABELS[f.value] ?? f.value} ${f.count}`).join(' · ');
      status.textContent = page.total
        ? `${page.total.toLocaleString('en')} session${page.total === 1 ? '' : 's'}${perChannel ? ` · ${perChannel}` : ''}`
        : 'No sessions are linked to this customer id.';
    }
    table.hidden = shown === 0;
    cursor = page.next;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => void load());
  await load();
}

async function showHistory(status: HTMLElement, table: HTMLElement, body: HTMLElement, customerId: string, channel: string, from: number, to: number): Promise<void> {
  const sessions = (await listSessions({ customer: customerId, limit: 500 }))
    .filter((s) => (!channel || s.channel === channel) && s.startedAt >= from && s.startedAt < to);
  for (const s of sessions) {
    body.append(row({ id: s.id, startedAt: s.startedAt, channel: s.channel, terminal: s.terminalId, durationMs: s.durationMs,
      pageCount: s.pages.length, entryUrl: s.pages[0]?.url }));
  }
  status.textContent = sessions.length ? `${sessions.length} session${sessions.length === 1 ? '' : 's'}` : 'No sessions are linked to this customer id.';
  table.hidden = sessions.length === 0;
}

type RowFacts = Pick<SearchResponse['results'][number]['session'], 'id' | 'startedAt' | 'channel' | 'terminal' | 'durationMs' | 'pageCount' | 'entryUrl'>;

function row(s: RowFacts): HTMLTableRowElement {
  const href = `/sessions/${encodeURIComponent(s.id)}`;
  const tr = h('tr', {},
    h('td', {}, h('a', { href, class: 'session-link' }, formatDateTime(s.startedAt))),
    h('td', {}, CHANNEL_LABELS[s.channel] ?? s.channel, s.terminal ? h('span', { class: 'terminal' }, ` · ${s.terminal}`) : null),
    h('td', {}, formatDuration(s.durationMs)),
    h('td', { class: 'num' }, String(s.pageCount)),
    h('td', {}, s.entryUrl ? h('span', { class: 'url', title: s.entryUrl }, shortUrl(s.entryUrl)) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'actions' }, h('a', { href, class: 'button small', 'aria-label': `Replay the ${CHANNEL_LABELS[s.channel] ?? s.channel} session of ${formatDateTime(s.startedAt)}` }, 'Replay')));
  tr.dataset.sessionId = s.id;
  return tr;
}
