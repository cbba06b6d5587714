/**
 * What the UI does to a search query's text itself: the words a snippet highlights, cutting a chip's term out by its
 * span, adding a facet filter. Reading the query is the parser's (search/query); these edits only touch the text
 * around the change, so everything else stays as the user wrote it.
 */
import { parseQuery, type QueryNode, type Term } from '../search/query/index';

/** The terms a query asks to be present (not under a NOT); none when it does not parse. */
function wantedTerms(query: string): Term[] {
  const out: Term[] = [];
  // Under an OR a term is one alternative, not a requirement; for highlighting and duplicates that is close enough.
  const walk = (n: QueryNode, negated: boolean): void => {
    switch (n.kind) {
      case 'and': case 'or': n.items.forEach((i) => walk(i, negated)); return;
      case 'then': n.steps.forEach((step) => walk(step, negated)); return;
      case 'not': walk(n.item, !negated); return;
      default: if (!negated) out.push(n);
    }
  };
  try {
    if (query.trim()) walk(parseQuery(query), false);
  } catch {
    // malformed: the API's 400 explains
  }
  return out;
}

/** What a snippet should highlight: the text the query looks for (free words, phrases, text fields), not what it excludes. */
export function highlightWords(query: string): string[] {
  return wantedTerms(query).flatMap((t) => (t.kind === 'text' && t.value ? [t.value] : []));
}

const BINARY = /^(and|or|then)$/i;
/** A `-` or NOT right before a span: a chip's span may be the term's own, without what negates it. */
const NEGATION_BEFORE = /(?:-|(?:^|\s)not\s+)$/i;

/**
 * The query without the text at [start, end): also drops the `-`/NOT that negated it, parentheses left empty and the
 * AND/OR/THEN that joined it to a neighbour, so what remains still parses. Only the text around the cut changes.
 */
export function removeSpan(query: string, start: number, end: number): string {
  let before = query.slice(0, start);
  let after = query.slice(end);
  for (;;) {
    before = before.replace(NEGATION_BEFORE, ' ').trimEnd();
    after = after.trimStart();
    if (!before.endsWith('(') || !after.startsWith(')')) break;
    before = before.slice(0, -1);
    after = after.slice(1);
  }
  const prevWord = /(\S+)$/.exec(before)?.[1] ?? '';
  const nextWord = /^(\S+)/.exec(after)?.[1] ?? '';
  if (BINARY.test(prevWord)) before = before.slice(0, -prevWord.length).trimEnd();
  else if (BINARY.test(nextWord)) after = after.slice(nextWord.length).trimStart();
  const space = before && after && !before.endsWith('(') && !after.startsWith(')') ? ' ' : '';
  return `${before}${space}${after}`;
}

/** The query with `field:value` ANDed to it (quoted when needed), unless it already asks for exactly that. */
export function addFilter(query: string, field: string, value: string): string {
  const q = query.trim();
  if (wantedTerms(q).some((t) => t.kind === 'keyword' && t.field === field && t.value.toLowerCase() === value.toLowerCase())) return q;
  const bare = /^[\w.\-/@+]+$/.test(value) && !/^(and|or|not|then)$/i.test(value);
  const term = `${field}:${bare ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`}`;
  if (!q) return term;
  // AND binds tighter than OR: `a OR b` narrowed is `(a OR b) term`, not `a OR (b term)`.
  return `${topIsOr(q) ? `(${q})` : q} ${term}`;
}

function topIsOr(query: string): boolean {
  try {
    return parseQuery(query).kind === 'or';
  } catch {
    return false;
  }
}
