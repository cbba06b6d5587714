/**
 * The filter chips of a query: one per term, with the span to cut when its ✕ is clicked.
 *
 * The adapter between the UI and the query parser: parse.ts and describe.ts (branch wip/search-query) give
 * `chipsOf(parseQuery(q))`; until they are merged the light scan in query-terms.ts stands in. Swapping is the one
 * line marked below (plus its imports).
 */
import { scanTerms } from './query-terms';

export interface QueryChip { label: string; start: number; end: number; negated: boolean }

export function queryChips(query: string): QueryChip[] {
  try {
    // After the merge: return chipsOf(parseQuery(query));
    return scanTerms(query).map((t) => ({ label: t.text, start: t.start, end: t.end, negated: t.negated }));
  } catch {
    // A query the parser rejects has no chips; the API's 400 says why.
    return [];
  }
}
