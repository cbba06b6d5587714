/** The date range of a search or the session list (`startedFrom` inclusive, `startedBefore` exclusive) as SQL. */
import type { SearchOptions } from './search-index';

/** ` AND s.started_at >= … AND s.started_at < …` with the bounds inlined: only safe integers are
 * (anything else is left out here and refused by the route with a reason). */
export function startedRange(options: Pick<SearchOptions, 'startedFrom' | 'startedBefore'>): string {
  let out = '';
  if (options.startedFrom !== undefined && Number.isSafeInteger(options.startedFrom)) out += ` AND s.started_at >= ${options.startedFrom}`;
  if (options.startedBefore !== undefined && Number.isSafeInteger(options.startedBefore)) out += ` AND s.started_at < ${options.startedBefore}`;
  return out;
}
