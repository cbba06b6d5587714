/**
 * What query terms mean whatever the backend: which hit kinds a text field searches, which words a snippet shows,
 * which facets a search may ask for.
 */
import type { QueryNode, Term } from './query/ast';
import { words } from './tokens';

/** Which hit kinds a text field searches (undefined: every kind). */
export const KINDS_OF: Record<string, string[] | undefined> = {
  marker: ['marker'],
  text: ['text'], typed: ['typed'], clicked: ['clicked'], error: ['error'], title: ['title'], ws: ['websocket'],
  url: ['url'], path: ['url', 'request', 'websocket'], field: undefined, struggle: ['struggle'], foreign: ['foreign'],
  fidelity: ['fidelity'],
};

/** The query's terms outside any NOT, in query order: the ones whose hits can be matching moments. */
export function positiveTerms(node: QueryNode): Term[] {
  if (node.kind === 'and' || node.kind === 'or') return node.items.flatMap(positiveTerms);
  if (node.kind === 'then') return node.steps.flatMap(positiveTerms);
  return node.kind === 'not' ? [] : [node as Term];
}

/** Plain words of the query's positive text terms (where a snippet is cut). */
export function snippetWords(node: QueryNode): string[] {
  if (node.kind === 'and' || node.kind === 'or') return node.items.flatMap(snippetWords);
  if (node.kind === 'then') return node.steps.flatMap(snippetWords);
  if (node.kind === 'text') return words(node.value);
  return [];
}

/** The facets a search may ask for: session facts, and the hits' method and status class (every backend has each). */
export const FACET_FIELDS = ['channel', 'terminal', 'device', 'browser', 'os', 'country', 'method', 'status'];
