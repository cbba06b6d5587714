/**
 * The session list's state as it lives in the URL (so a sorted, filtered page can be linked to, and Back works):
 * `sort`, `order`, `from`, `to` (dates, `to` inclusive), `at` (jump to a date), `size`, `empty=1` (show sessions
 * with no recorded page), `score` (minimum struggle score), `channel`, `terminal`, `customer`, `cursor`.
 */
import type { SortDir, SortKey } from '../search/list-order';
import { addFilter } from './query-terms';
import type { ListRequest } from './list-api';

export const SORTABLE: readonly SortKey[] = ['start', 'duration', 'pages', 'errors', 'score', 'channel'];
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ListState {
  sort: SortKey;
  order: SortDir;
  from?: string;
  to?: string;
  at?: string;
  size: number;
  showEmpty: boolean;
  minScore?: number;
  channel?: string;
  terminal?: string;
  customer?: string;
  cursor?: string;
}

export function readState(params: URLSearchParams): ListState {
  const sort = params.get('sort') as SortKey;
  const size = Number(params.get('size'));
  const score = params.get('score');
  const date = (name: string) => (DATE.test(params.get(name) ?? '') ? params.get(name)! : undefined);
  const text = (name: string) => params.get(name)?.trim() || undefined;
  return {
    sort: SORTABLE.includes(sort) ? sort : 'start',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    from: date('from'), to: date('to'), at: date('at'),
    size: (PAGE_SIZES as readonly number[]).includes(size) ? size : DEFAULT_PAGE_SIZE,
    showEmpty: params.get('empty') === '1',
    minScore: score && /^\d{1,3}$/.test(score) && Number(score) <= 100 ? Number(score) : undefined,
    channel: text('channel'), terminal: text('terminal'), customer: text('customer'),
    cursor: text('cursor'),
  };
}

export function writeState(s: ListState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.sort !== 'start') p.set('sort', s.sort);
  if (s.order !== 'desc') p.set('order', s.order);
  for (const name of ['from', 'to', 'at', 'channel', 'terminal', 'customer', 'cursor'] as const) if (s[name]) p.set(name, s[name]!);
  if (s.size !== DEFAULT_PAGE_SIZE) p.set('size', String(s.size));
  if (s.showEmpty) p.set('empty', '1');
  if (s.minScore !== undefined) p.set('score', String(s.minScore));
  return p;
}

/** Local midnight of a `YYYY-MM-DD` date, in epoch ms. */
export function dayStart(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime();
}

/** Local midnight of the day after (a day is not always 24 hours). */
export function nextDayStart(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + 1).getTime();
}

/** The API request for a state: the filters as query terms, the dates as epoch ms (`to` takes its whole day). */
export function toRequest(s: ListState): ListRequest {
  let q = '';
  if (s.channel) q = addFilter(q, 'channel', s.channel);
  if (s.terminal) q = addFilter(q, 'terminal', s.terminal);
  if (s.customer) q = addFilter(q, 'customer', s.customer);
  if (s.minScore !== undefined) q = `${q} score:>=${s.minScore}`.trim();
  if (!s.showEmpty) q = `${q} pages:>=1`.trim();
  const r: ListRequest = { q, sort: s.sort, order: s.order, limit: s.size };
  if (s.from) r.from = dayStart(s.from);
  if (s.to) r.to = nextDayStart(s.to);
  if (s.cursor) r.cursor = s.cursor;
  // Jump: newest first, the page starts with that day's last sessions; oldest first, with its first ones.
  else if (s.at && s.sort === 'start') r.at = s.order === 'desc' ? nextDayStart(s.at) : dayStart(s.at);
  return r;
}
