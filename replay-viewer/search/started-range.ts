/** The date range of a search or the session list (`startedFrom` inclusive, `startedBefore` exclusive) as SQL. */
import type { SearchOptions } from './search-index';
import { frag, sql, type Frag } from './sql-fragment';

/** ` AND s.started_at >= ? AND s.started_at < ?`, bound; `placeholder` is the backend's (`?`, `?::float8`). */
export function startedRange(options: Pick<SearchOptions, 'startedFrom' | 'startedBefore'>, placeholder: string): Frag {
  const parts: Frag[] = [];
  if (options.startedFrom !== undefined) parts.push(frag(` AND s.started_at >= ${placeholder}`, [options.startedFrom]));
  if (options.startedBefore !== undefined) parts.push(frag(` AND s.started_at < ${placeholder}`, [options.startedBefore]));
  return sql(...parts);
}
