/**
 * GET /api/search's order, date range and paging parameters (`sort`, `order`, `from`, `to`, `at`, `cursor`) as
 * SearchOptions, each refused with a reason when malformed.
 */
import { VerbatimError } from '../../store/errors';
import { SORT_KEYS, encodeOrderCursor, isSortKey, type ListOrder } from './list-order';
import type { SearchOptions } from './search-index';

export function listParams(query: URLSearchParams): Pick<SearchOptions, 'order' | 'cursor' | 'startedFrom' | 'startedBefore'> {
  const sort = query.get('sort') || 'start';
  if (!isSortKey(sort)) throw new VerbatimError('BAD_REQUEST', `Query parameter sort must be one of ${SORT_KEYS.join(', ')}`);
  const dir = query.get('order') || 'desc';
  if (dir !== 'asc' && dir !== 'desc') throw new VerbatimError('BAD_REQUEST', 'Query parameter order must be asc or desc');
  const order: ListOrder = { key: sort, dir };
  const out: ReturnType<typeof listParams> = { order };
  const from = msParam(query, 'from');
  const to = msParam(query, 'to');
  if (from !== undefined) out.startedFrom = from;
  if (to !== undefined) out.startedBefore = to;
  const cursor = query.get('cursor') || undefined;
  const at = msParam(query, 'at');
  if (at !== undefined) {
    if (cursor) throw new VerbatimError('BAD_REQUEST', 'Query parameters at and cursor exclude each other');
    if (sort !== 'start') throw new VerbatimError('BAD_REQUEST', 'Query parameter at (jump to a time) needs sort=start');
    // An empty id sorts before every session id: descending, the page starts with the sessions that started before
    // `at`; ascending, with those that started at or after it.
    out.cursor = encodeOrderCursor(order, { value: at, id: '' });
  } else if (cursor) {
    out.cursor = cursor;
  }
  return out;
}

function msParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be a time in epoch milliseconds`);
  }
  return Number(raw);
}
