/**
 * The order a search or the session list answers in, and its keyset: rows sorted on (sort key, id), both in the same
 * direction, and the next page starting strictly after the last row's (value, id). The id breaks every tie, so
 * thousands of sessions sharing a start, a duration or a score are each listed exactly once. Backend-neutral: each
 * backend gives its placeholder (SQLite `?`, PostgreSQL `?::float8`/`?::text`).
 */
import { VerbatimError } from '../../store/errors';
import type { SessionRow } from './stored-rows';

export const SORT_KEYS = ['start', 'duration', 'pages', 'errors', 'score', 'channel'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

export interface ListOrder { key: SortKey; dir: SortDir }

/** Newest first: the list's and the search's default. */
export const NEWEST_FIRST: ListOrder = { key: 'start', dir: 'desc' };

/** The sessions table's column per key (both backends name them alike; each has an index on (column, id)). */
export const SORT_COLUMNS: Record<SortKey, keyof SessionRow & string> = {
  start: 'started_at', duration: 'duration_ms', pages: 'page_count', errors: 'errors', score: 'score', channel: 'channel',
};

export function isSortKey(v: unknown): v is SortKey {
  return typeof v === 'string' && (SORT_KEYS as readonly string[]).includes(v);
}

/** Where a page starts: after this (value, id) in the order. An empty id starts at the value itself (jump to a date). */
export interface OrderCursor { value: number | string; id: string }

export function sortValue(row: SessionRow, key: SortKey): number | string {
  const v = row[SORT_COLUMNS[key]];
  return typeof v === 'string' ? v : Number(v);
}

/** `ORDER BY` for the order (the id in the same direction, so one row comparison pages it). */
export function orderBy(order: ListOrder): string {
  const dir = order.dir === 'asc' ? 'ASC' : 'DESC';
  return `s.${SORT_COLUMNS[order.key]} ${dir}, s.id ${dir}`;
}

/** The keyset condition's SQL: rows strictly after the cursor in the order (row values: SQLite ≥ 3.15, PostgreSQL). */
export function afterSql(order: ListOrder, placeholders: { number: string; text: string }): string {
  const value = order.key === 'channel' ? placeholders.text : placeholders.number;
  return `(s.${SORT_COLUMNS[order.key]}, s.id) ${order.dir === 'asc' ? '>' : '<'} (${value}, ${placeholders.text})`;
}

/** The opaque `cursor=`: the order it was made for, the last row's value and id. */
export function encodeOrderCursor(order: ListOrder, c: OrderCursor): string {
  return Buffer.from(JSON.stringify([c.value, c.id, order.key, order.dir]), 'utf8').toString('base64url');
}

/**
 * A cursor for `order`. The two-element form ([startedAt, id]) is the older newest-first cursor; a cursor made for
 * another order is refused (its value would page the wrong column).
 */
export function decodeOrderCursor(text: string, order: ListOrder): OrderCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch { /* reported below */ }
  if (!Array.isArray(v) || (v.length !== 2 && v.length !== 4) || typeof v[1] !== 'string' || v[1].length > 128) {
    throw new VerbatimError('BAD_REQUEST', 'Malformed cursor');
  }
  const [value, id, key = 'start', dir = 'desc'] = v as [unknown, string, unknown, unknown];
  if (key !== order.key || dir !== order.dir) {
    throw new VerbatimError('BAD_REQUEST', 'The cursor belongs to another sort order: start again from the first page', { sort: `${order.key}:${order.dir}` });
  }
  const ok = order.key === 'channel' ? typeof value === 'string' && value.length <= 128 : typeof value === 'number' && Number.isFinite(value);
  if (!ok) throw new VerbatimError('BAD_REQUEST', 'Malformed cursor');
  return { value: value as number | string, id };
}
