/**
 * The sortable session list over the search index (GET /api/search with an order; list-state.ts keeps its state in
 * the URL): column headers sort, a date range, a jump to a date, a minimum struggle score, a page size, sessions with
 * no recorded page hidden unless asked for, the total, and keyset pages (Next; Back returns). Which columns show is
 * the user's own choice, kept on the server (GET/PUT /api/me/prefs).
 */
import type { SearchResponse, SearchResult } from '../search/types';
import type { SortKey } from '../search/list-order';
import { LIST_COLUMNS, type ListColumn, type UserPrefs } from '../prefs/prefs-shape';
import { h } from './dom';
import { formatDateTime, formatDuration, shortUrl } from './format';
import { getPrefs, listPage, savePrefs } from './list-api';
import { PAGE_SIZES, SORTABLE, readState, toRequest, writeState, type ListState } from './list-state';

/** How the list moves to another state: the caller pushes the URL and re-renders (session-list.ts). */
export type Navigate = (params: URLSearchParams, state: ListHistory) => void;
/** Kept in history.state: which page of the current order this is (for "Previous") and what to focus after. */
export interface ListHistory { listPage: number; focus?: string }

const LABELS: Record<ListColumn, string> = {
  start: 'Started', duration: 'Duration', pages: 'Pages', errors: 'Errors', score: 'Struggle score', channel: 'Channel',
  browser: 'Browser / OS', device: 'Device', country: 'Country', entry: 'Entry page',
};
const NUMERIC: ReadonlySet<ListColumn> = new Set(['duration', 'pages', 'errors', 'score']);
export const CHANNEL_LABELS: Record<string, string> = { proxy: 'Web', gateway: 'Gateway', kiosk: 'Kiosk' };

/**
 * Renders the list into `area`; resolves false, leaving `area` empty, when the viewer has no search index (the
 * caller shows the plain list then).
 */
export async function showSortableList(area: HTMLElement, params: URLSearchParams, navigate: Navigate): Promise<boolean> {
  const state = readState(params);
  const here = (history.state ?? {}) as Partial<ListHistory>;
  const pageNo = state.cursor || state.at ? here.listPage ?? 1 : 0;
  const [answer, { prefs, stored }] = await Promise.all([listPage(toRequest(state)).catch((err: Error) => err), getPrefs()]);
  if (answer === undefined) return false;
  const go = (next: ListState, focus?: string, listPage = 0) => navigate(writeState(next), { listPage, focus });
  // A new order, filter or page size starts again at the first page.
  const restart = (change: Partial<ListState>, focus?: string) => go({ ...state, cursor: undefined, at: undefined, ...change }, focus);

  const controls = filterForm(state, restart, (at) => go({ ...state, cursor: undefined, at, sort: 'start' }, 'jump', 1));
  const status = h('p', { class: 'list-status list-total', role: 'status', id: 'list-total' });
  area.append(controls, status);
  if (answer instanceof Error) {
    status.textContent = `Could not load sessions: ${answer.message}`;
    status.classList.add('error');
    return true;
  }
  let columns = prefs.listColumns;
  const tableHolder = h('div', { class: 'list-table' });
  const render = () => tableHolder.replaceChildren(sessionTable(answer, state, columns, (key) => {
    const order = state.sort === key ? (state.order === 'desc' ? 'asc' : 'desc') : key === 'channel' ? 'asc' : 'desc';
    restart({ sort: key, order }, `sort:${key}`);
  }));
  render();
  const picker = columnPicker(columns, stored, async (chosen) => {
    columns = chosen;
    render();
    if (stored) await savePrefs({ listColumns: chosen } satisfies UserPrefs).catch(() => undefined);
  });
  status.textContent = totalText(answer, pageNo, state.size);
  const nav = h('nav', { class: 'list-pages', 'aria-label': 'Pages of sessions' },
    pageNo > 0 ? h('button', { class: 'button subtle', type: 'button', 'data-page': 'first', onclick: () => restart({}, 'page:first') }, 'First page') : null,
    pageNo > 0 && here.listPage ? h('button', { class: 'button subtle', type: 'button', 'data-page': 'previous', onclick: () => history.back() }, 'Previous page') : null,
    answer.next ? h('button', { class: 'button', type: 'button', 'data-page': 'next', onclick: () => go({ ...state, at: undefined, cursor: answer.next }, 'page:next', pageNo + 1) }, 'Next page') : null,
  );
  area.append(h('div', { class: 'list-tools' }, picker), tableHolder, nav);
  restoreFocus(area, here.focus);
  return true;
}

function totalText(answer: SearchResponse, pageNo: number, size: number): string {
  const total = answer.totalCapped ? `more than ${answer.total.toLocaleString('en')}` : answer.total.toLocaleString('en');
  if (!answer.results.length) return answer.total ? `No more sessions (${total} in all).` : 'No sessions match.';
  const noun = answer.total === 1 && !answer.totalCapped ? 'session' : 'sessions';
  // After a jump the position in the whole list is not known, only that of the page.
  return pageNo === 0 ? `${total} ${noun} · showing 1–${answer.results.length}` : `${total} ${noun} · page ${pageNo + 1} (${size} per page)`;
}

function filterForm(state: ListState, apply: (change: Partial<ListState>, focus: string) => void, jump: (date: string) => void): HTMLElement {
  const field = (id: string, label: string, input: HTMLElement) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const from = h('input', { id: 'list-from', type: 'date', value: state.from ?? '' });
  const to = h('input', { id: 'list-to', type: 'date', value: state.to ?? '' });
  const score = h('input', { id: 'list-score', type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric', value: state.minScore ?? '' });
  const size = h('select', { id: 'list-size', 'data-focus': 'size', onchange: () => apply({ size: Number(size.value) }, 'size') },
    ...PAGE_SIZES.map((n) => h('option', n === state.size ? { value: n, selected: true } : { value: n }, String(n))));
  const empty = h('input', { id: 'list-empty', type: 'checkbox', 'data-focus': 'empty', checked: state.showEmpty, onchange: () => apply({ showEmpty: empty.checked }, 'empty') });
  // The UI's CSP has form-action 'none': apply from script instead of submitting.
  const form = h('form', { class: 'list-controls', 'aria-label': 'Session list filters', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const n = score.value.trim() === '' ? undefined : Math.min(100, Math.max(0, Math.round(Number(score.value))));
    apply({ from: from.value || undefined, to: to.value || undefined, minScore: Number.isFinite(n) ? n : undefined }, 'apply');
  } },
  field('list-from', 'From', from), field('list-to', 'To', to), field('list-score', 'Minimum struggle score', score),
  h('button', { class: 'button', type: 'submit', 'data-focus': 'apply' }, 'Apply'),
  field('list-size', 'Rows per page', size),
  h('div', { class: 'field check' }, empty, h('label', { for: 'list-empty' }, 'Show empty sessions')));
  const at = h('input', { id: 'list-jump', type: 'date', value: state.at ?? '', required: true });
  const jumpForm = h('form', { class: 'list-jump', 'aria-label': 'Jump to a date', onsubmit: (ev: Event) => {
    ev.preventDefault();
    if (at.value) jump(at.value);
  } }, field('list-jump', 'Jump to date', at), h('button', { class: 'button subtle', type: 'submit', 'data-focus': 'jump' }, 'Go'));
  return h('div', { class: 'list-bar' }, form, jumpForm);
}

function columnPicker(columns: readonly ListColumn[], stored: boolean, onChange: (chosen: ListColumn[]) => void): HTMLElement {
  const boxes = LIST_COLUMNS.filter((c) => c !== 'start').map((c) => {
    const box = h('input', { type: 'checkbox', id: `col-${c}`, value: c, checked: columns.includes(c) });
    box.addEventListener('change', () => onChange(['start', ...boxes.filter((b) => b.box.checked).map((b) => b.column)]));
    return { column: c, box, el: h('div', { class: 'check' }, box, h('label', { for: `col-${c}` }, LABELS[c])) };
  });
  return h('details', { class: 'list-columns' }, h('summary', {}, 'Columns'),
    h('fieldset', {}, h('legend', {}, stored ? 'Columns shown (kept for your account)' : 'Columns shown'), ...boxes.map((b) => b.el)));
}

function sessionTable(answer: SearchResponse, state: ListState, columns: readonly ListColumn[], sortBy: (key: SortKey) => void): HTMLElement {
  if (!answer.results.length) return h('div');
  const head = columns.map((c) => {
    const sortable = (SORTABLE as readonly string[]).includes(c);
    const current = sortable && state.sort === c;
    const props: Record<string, string> = { scope: 'col' };
    if (NUMERIC.has(c)) props.class = 'num';
    if (current) props['aria-sort'] = state.order === 'asc' ? 'ascending' : 'descending';
    if (!sortable) return h('th', props, LABELS[c]);
    return h('th', props, h('button', { type: 'button', class: 'sort', 'data-sort': c, 'data-focus': `sort:${c}`, onclick: () => sortBy(c as SortKey) },
      LABELS[c], h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, current ? (state.order === 'asc' ? ' ▲' : ' ▼') : '')));
  });
  return h('table', { class: 'sessions sortable', 'aria-describedby': 'list-total' },
    h('caption', { class: 'visually-hidden' }, 'Recorded sessions; column headers with a button sort the list'),
    h('thead', {}, h('tr', {}, ...head, h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    h('tbody', {}, ...answer.results.map((r) => row(r, columns))));
}

function row(r: SearchResult, columns: readonly ListColumn[]): HTMLTableRowElement {
  const s = r.session;
  const href = `/sessions/${encodeURIComponent(s.id)}`;
  const cell = (c: ListColumn): HTMLTableCellElement => {
    switch (c) {
      case 'start': return h('td', {}, h('a', { href, class: 'session-link' }, formatDateTime(s.startedAt)));
      case 'duration': return h('td', { class: 'num' }, formatDuration(s.durationMs));
      case 'pages': return h('td', { class: 'num' }, String(s.pageCount));
      case 'errors': return h('td', { class: 'num' }, String(s.errorCount ?? 0));
      case 'score': return h('td', { class: 'num' }, String(s.struggleScore));
      case 'channel': return h('td', {}, CHANNEL_LABELS[s.channel] ?? s.channel, s.terminal ? h('span', { class: 'terminal' }, ` · ${s.terminal}`) : null);
      case 'browser': return h('td', {}, [s.browser, s.os].filter(Boolean).join(' · ') || h('span', { class: 'muted' }, 'Unknown'));
      case 'device': return h('td', { class: 'cap' }, s.device || '—');
      case 'country': return h('td', {}, s.country || '—');
      case 'entry': return h('td', { class: 'pages-cell' }, s.entryUrl ? h('span', { class: 'url', title: s.entryUrl }, shortUrl(s.entryUrl)) : h('span', { class: 'muted' }, 'No pages'));
    }
  };
  const tr = h('tr', {}, ...columns.map(cell), h('td', { class: 'actions' }, h('a', { href, class: 'button small', 'aria-label': `Replay the session of ${formatDateTime(s.startedAt)}` }, 'Replay')));
  tr.dataset.sessionId = s.id;
  return tr;
}

/** Keyboard users keep their place: the control they used is focused again after the list is drawn anew. */
function restoreFocus(area: HTMLElement, focus: string | undefined): void {
  if (!focus) return;
  const target = area.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focus)}"], [data-page="${CSS.escape(focus.replace(/^page:/, ''))}"]`)
    ?? area.querySelector<HTMLElement>('#list-total');
  if (target && !target.hasAttribute('tabindex') && target.id === 'list-total') target.setAttribute('tabindex', '-1');
  target?.focus();
}
