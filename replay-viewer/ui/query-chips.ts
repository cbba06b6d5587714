/**
 * The filter chips of a query: one per term, with the span to cut when its ✕ is clicked, from the query parser
 * (search/query: parseQuery, chipsOf), so the chips show the query as the API will read it.
 */
import { chipsOf, parseQuery } from '../search/query/index';

export interface QueryChip { label: string; start: number; end: number; negated: boolean }

export function queryChips(query: string): QueryChip[] {
  if (!query.trim()) return [];
  try {
    return chipsOf(parseQuery(query));
  } catch {
    // A query the parser rejects has no chips; the API's 400 says why.
    return [];
  }
}
