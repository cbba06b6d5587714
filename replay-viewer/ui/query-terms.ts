/**
 * A light scan of a search query's text into its terms, with their spans, for what the UI does to the text itself:
 * the words to highlight in snippets and editing the query (removing a term, adding a facet filter). The real
 * parser (search/query/parse.ts) judges validity; this scan never rejects anything.
 */
import { TEXT_FIELDS } from '../search/query/ast';

export interface RawTerm {
  /** The term as written, without a leading `-` or `NOT`. */
  text: string;
  field: string | null;
  /** The value, unquoted, without the comparison operator. */
  value: string;
  phrase: boolean;
  negated: boolean;
  /** Span in the query, including the `-` / `NOT` that negates it. */
  start: number;
  end: number;
}

const KEYWORDS = /^(and|or|then|not)$/i;

export function scanTerms(query: string): RawTerm[] {
  const terms: RawTerm[] = [];
  let i = 0;
  let notAt = -1;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s|\(|\)/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    let quoted = false;
    while (i < query.length && (quoted || !/[\s()]/.test(query[i]!))) {
      if (query[i] === '"') quoted = !quoted;
      i++;
    }
    const word = query.slice(start, i);
    if (KEYWORDS.test(word)) {
      notAt = word.toLowerCase() === 'not' ? start : -1;
      continue;
    }
    const minus = word.startsWith('-') && word.length > 1;
    const text = minus ? word.slice(1) : word;
    const m = /^([a-z]+):(>=|<=|>|<|=)?(.*)$/i.exec(text);
    const raw = m ? m[3]! : text;
    const phrase = raw.startsWith('"');
    terms.push({
      text, field: m ? m[1]!.toLowerCase() : null, value: raw.replace(/^"|"$/g, ''), phrase,
      negated: minus || notAt >= 0, start: notAt >= 0 ? notAt : start, end: i,
    });
    notAt = -1;
  }
  return terms;
}

/** What a snippet should highlight: the free-text and text-field values the query looks for (not the negated ones). */
export function highlightWords(query: string): string[] {
  const textFields: readonly string[] = TEXT_FIELDS;
  return scanTerms(query)
    .filter((t) => !t.negated && (t.field === null || textFields.includes(t.field)))
    .map((t) => (t.phrase ? t.value : t.value.replace(/\*$/, '')))
    .filter((w) => w.length > 0);
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

/** The query with `field:value` added (quoted when needed), unless it is already there. */
export function addFilter(query: string, field: string, value: string): string {
  const clean = value.replace(/"/g, '');
  const term = `${field}:${/^[^\s()]+$/.test(clean) && !KEYWORDS.test(clean) ? clean : `"${clean}"`}`;
  if (scanTerms(query).some((t) => !t.negated && t.text === term)) return query;
  return query.trim() ? `${query.trim()} ${term}` : term;
}
