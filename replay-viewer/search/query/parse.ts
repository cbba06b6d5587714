/**
 * parseQuery: the search box's text → the syntax tree in ast.ts, or a QueryError pointing at the offending
 * character. Hand-written recursive descent over a pull lexer (tokenize.ts); dependency-free, bundled into the viewer.
 *
 * Precedence, tightest first:  NOT (and `-`)  >  THEN  >  AND (also implicit, between adjacent terms)  >  OR.
 *   `a b OR c`          = (a AND b) OR c
 *   `login then error`  = login, later error, in one session;  `x login then error` = x AND (login THEN error)
 *   `-a then b`         = (NOT a) THEN b;   `a then b then c` is one three-step sequence
 * Keywords and field names are case-insensitive (so the words and/or/not/then must be quoted to be searched).
 *
 * Values: free words and phrases (`"5.1 % offer"`, with `\"` and `\\` inside quotes) search the text fields; a
 * trailing `*` asks for a prefix (`url:/payments/*`, `host:api.*`). `status:500`, `status:>=500`, `status:5xx`
 * (→ `status:>=500 AND status:<600`), `pages:>10`; durations need a unit (500ms, 90s, 5m, 1h30m) and become ms.
 * Times (`after:`, `before:`, `on:`) take ISO dates or date-times, UTC unless a zone is written (`Z`, `+02:00`),
 * or `now`, `today`, `yesterday` (UTC days), `-30m`, `-24h`, `-7d`, `-2w` counted back from `options.now`.
 * `after:` is inclusive, `before:` exclusive, `on:` is that whole UTC day.
 *
 * Limits against hostile input (each a QueryError): 2,000 characters, 16 levels of nesting (each `(` and each
 * NOT counts one), 64 terms. Positions are UTF-16 offsets, as JavaScript strings index.
 */
import type { QueryNode } from './ast';
import { QueryError } from './query-error';
import { buildTerm } from './term';
import { Lexer, MAX_TERMS } from './tokenize';
import type { Token } from './tokenize';

export { QueryError, isQueryError } from './query-error';
export const MAX_QUERY_LENGTH = 2000;
export const MAX_DEPTH = 16;
export { MAX_TERMS };

export interface ParseOptions {
  /** Epoch ms that relative times (`-7d`, `today`) count from; Date.now() when absent. */
  now?: number;
}

export function parseQuery(text: string, options: ParseOptions = {}): QueryNode {
  if (typeof text !== 'string') throw new QueryError('the query must be text', 0);
  if (text.length > MAX_QUERY_LENGTH) {
    throw new QueryError(`the query is ${text.length} characters long; the limit is ${MAX_QUERY_LENGTH.toLocaleString('en')}`, MAX_QUERY_LENGTH);
  }
  const now = options.now ?? Date.now();
  if (!Number.isFinite(now)) throw new TypeError('parseQuery: options.now must be a finite number');
  return new Parser(text, now).query();
}

/** A node with the extent of its source text, parentheses included. */
interface Parsed { node: QueryNode; start: number; end: number; term?: true }

type Operator = Token & { t: 'and' | 'or' | 'not' | 'then' | '(' };

class Parser {
  private readonly lexer: Lexer;
  private depth = 0;

  constructor(private readonly text: string, private readonly now: number) {
    this.lexer = new Lexer(text);
  }

  query(): QueryNode {
    if (this.lexer.peek().t === 'end') throw new QueryError('the query is empty', 0);
    const { node } = this.or(null);
    const rest = this.lexer.peek();
    // `or` stops only at the end or at a `)` it did not open.
    if (rest.t !== 'end') throw new QueryError('unbalanced ")": there is no "(" before it', rest.start);
    return node;
  }

  private or(after: Operator | null): Parsed {
    const items = [this.and(after)];
    for (let op = this.lexer.peek(); op.t === 'or'; op = this.lexer.peek()) {
      this.lexer.next();
      items.push(this.and(op as Operator));
    }
    return this.group('or', items);
  }

  private and(after: Operator | null): Parsed {
    const items = [this.then(after)];
    for (let next = this.lexer.peek(); ; next = this.lexer.peek()) {
      if (next.t === 'and') {
        this.lexer.next();
        items.push(this.then(next as Operator));
      } else if (next.t === 'term' || next.t === '(' || next.t === 'not') {
        items.push(this.then(null));
      } else break;
    }
    return this.group('and', items);
  }

  private then(after: Operator | null): Parsed {
    const steps = [this.unary(after)];
    for (let op = this.lexer.peek(); op.t === 'then'; op = this.lexer.peek()) {
      this.lexer.next();
      steps.push(this.unary(op as Operator));
    }
    if (steps.length === 1) return steps[0];
    const start = steps[0].start;
    const end = steps[steps.length - 1].end;
    return { node: { kind: 'then', steps: steps.map((s) => s.node), start, end }, start, end };
  }

  private unary(after: Operator | null): Parsed {
    const token = this.lexer.peek();
    if (token.t === 'term') {
      this.lexer.next();
      return { node: buildTerm(token.raw, this.now), start: token.start, end: token.end, term: true };
    }
    if (token.t === 'not') {
      this.lexer.next();
      this.enter(token);
      const item = this.unary(token as Operator);
      this.depth--;
      return { node: { kind: 'not', item: item.node, start: token.start, end: item.end }, start: token.start, end: item.end };
    }
    if (token.t === '(') {
      this.lexer.next();
      this.enter(token);
      if (this.lexer.peek().t === ')') throw new QueryError('empty parentheses', token.start);
      const inner = this.or(token as Operator);
      const close = this.lexer.peek();
      if (close.t !== ')') throw new QueryError('unbalanced "(": it is never closed', token.start);
      this.lexer.next();
      this.depth--;
      // A group's span takes in its parentheses; a term keeps its own (chips point at the term itself, and
      // `status:5xx`'s two comparisons are recognised by sharing their node's span).
      if (!inner.term) {
        inner.node.start = token.start;
        inner.node.end = close.end;
      }
      return { node: inner.node, start: token.start, end: close.end, term: inner.term };
    }
    throw this.missingTerm(after, token);
  }

  /** Expected a term, found `token` (end, `)`, AND, OR or THEN). */
  private missingTerm(after: Operator | null, token: Token): QueryError {
    const word = (t: Token): string => (t.t === 'end' ? 'the end' : `"${this.text.slice(t.start, t.end)}"`);
    if (token.t === 'end' || token.t === ')') {
      if (after && after.t === '(') return new QueryError('unbalanced "(": it is never closed', after.start);
      if (after) return new QueryError(`${word(after)} needs a term after it`, after.start);
      // Only at the very start: an empty query was refused before parsing, so this is a `)`.
      return new QueryError('unbalanced ")": there is no "(" before it', token.start);
    }
    if (after && after.t !== '(') return new QueryError(`expected a term after ${word(after)}, found ${word(token)}`, token.start);
    return new QueryError(`${word(token)} needs a term before it`, token.start);
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) {
      throw new QueryError(`the query nests more than ${MAX_DEPTH} levels deep (each "(" and each NOT counts)`, token.start);
    }
  }

  private group(kind: 'and' | 'or', items: Parsed[]): Parsed {
    if (items.length === 1) return items[0];
    const start = items[0].start;
    const end = items[items.length - 1].end;
    return { node: { kind, items: items.map((i) => i.node), start, end }, start, end };
  }
}
