/**
 * The query's lexer: a hand-written, single-pass scanner pulled one token at a time by the parser, so errors come
 * out in source order and hostile input costs linear time (no regular expressions over the query).
 *
 * Words end at white space, `(`, `)` and `"`. A word `name:value` whose name is ASCII letters is a field term
 * (`10:30` is a plain word); the value may start with an operator (`:>=`, `:>`, `:<=`, `:<`, `:=`) and may be
 * quoted. Inside quotes a backslash takes the next character literally (`\"`, `\\`). A single trailing `*`
 * (after a bare word or after the closing quote) asks for a prefix; `*` anywhere else in a bare word is refused,
 * quote it to search for it. `-` directly before a term negates it; AND, OR, NOT, THEN are keywords in any case.
 */
import { closestField, lookupField, ALL_FIELDS } from './fields';
import type { FieldInfo } from './fields';
import { QueryError, shown } from './query-error';

export const MAX_TERMS = 64;

/** A field term or free word as written, before its value is checked against the field's type. */
export interface RawTerm {
  /** Null for a free word or phrase. */
  field: FieldInfo | null;
  /** `:` when the value follows the colon directly, else the comparison written after it. */
  op: ':' | '=' | '>' | '>=' | '<' | '<=';
  opStart: number;
  value: string;
  quoted: boolean;
  prefix: boolean;
  /** Offset of the value's first character (inside the quotes when quoted). */
  valueStart: number;
  start: number;
  end: number;
}

export type Token =
  | { t: 'end' | '(' | ')' | 'and' | 'or' | 'not' | 'then'; start: number; end: number }
  | { t: 'term'; start: number; end: number; raw: RawTerm };

const KEYWORDS: Record<string, 'and' | 'or' | 'not' | 'then'> = { AND: 'and', OR: 'or', NOT: 'not', THEN: 'then' };

export function isSpace(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && /\s/.test(c);
}

/** Ends a bare word. */
function isBoundary(c: string | undefined): boolean {
  return c === undefined || c === '(' || c === ')' || c === '"' || isSpace(c);
}

const isNameChar = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');

export class Lexer {
  private pos = 0;
  private ahead: Token | null = null;
  private terms = 0;

  constructor(private readonly text: string) {}

  peek(): Token {
    return (this.ahead ??= this.scan());
  }

  next(): Token {
    const token = this.peek();
    this.ahead = null;
    return token;
  }

  private scan(): Token {
    const text = this.text;
    while (isSpace(text[this.pos])) this.pos++;
    const start = this.pos;
    const c = text[start];
    if (c === undefined) return { t: 'end', start, end: start };
    if (c === '(' || c === ')') {
      this.pos++;
      return { t: c, start, end: this.pos };
    }
    if (c === '-') {
      const after = text[start + 1];
      if (after === undefined || after === ')' || isSpace(after)) {
        throw new QueryError('"-" must be followed directly by the term it excludes (-word); to search for "-", quote it', start);
      }
      this.pos++;
      return { t: 'not', start, end: this.pos };
    }
    if (c === '"') return this.term(start, null, ':', start, start);

    let nameEnd = start;
    while (isNameChar(text[nameEnd])) nameEnd++;
    if (nameEnd > start && text[nameEnd] === ':') return this.fieldTerm(start, nameEnd);

    const end = this.bareEnd(start);
    const word = text.slice(start, end);
    const keyword = KEYWORDS[word.toUpperCase()];
    if (keyword) {
      this.pos = end;
      return { t: keyword, start, end };
    }
    return this.term(start, null, ':', start, start);
  }

  private fieldTerm(start: number, nameEnd: number): Token {
    const text = this.text;
    const name = text.slice(start, nameEnd);
    const field = lookupField(name);
    if (!field) {
      const guess = closestField(name);
      throw new QueryError(
        guess
          ? `unknown field ${shown(name)}: did you mean ${guess}?`
          : `unknown field ${shown(name)}; fields are ${ALL_FIELDS.join(', ')} (to search for text with a colon, quote it)`,
        start,
      );
    }
    const opStart = nameEnd + 1;
    let i = opStart;
    let op: RawTerm['op'] = ':';
    if (text[i] === '>' || text[i] === '<') {
      op = text[i] as '>' | '<';
      i++;
      if (text[i] === '=') {
        op = `${op}=`;
        i++;
      }
    } else if (text[i] === '=') {
      op = '=';
      i++;
    }
    const v = text[i];
    if (v === undefined || v === ')' || isSpace(v)) {
      throw new QueryError(`"${name}:" needs a value right after it, e.g. ${example(field)}`, i);
    }
    if (v === '(') {
      throw new QueryError(`"${name}:" cannot take a group; repeat the field inside: (${name}:a OR ${name}:b)`, i);
    }
    return this.term(start, field, op, opStart, i);
  }

  /** Reads the value at `at` (a bare word, or a quoted phrase with an optional `*`) and ends the term there. */
  private term(start: number, field: FieldInfo | null, op: RawTerm['op'], opStart: number, at: number): Token {
    if (++this.terms > MAX_TERMS) throw new QueryError(`the query has more than ${MAX_TERMS} terms`, start);
    const text = this.text;
    let value: string;
    let end: number;
    let prefix = false;
    const quoted = text[at] === '"';
    if (quoted) {
      ({ value, end } = this.quoted(at));
      if (text[end] === '*') {
        prefix = true;
        end++;
      }
    } else {
      end = this.bareEnd(at);
      value = text.slice(at, end);
      const star = value.indexOf('*');
      if (star >= 0 && star < value.length - 1) {
        throw new QueryError('"*" only works at the end of a word (prefix search); to search for "*", quote it', at + star);
      }
      if (star >= 0) {
        if (value.length === 1) throw new QueryError('"*" needs at least one character before it', at);
        prefix = true;
        value = value.slice(0, -1);
      }
    }
    this.pos = end;
    return { t: 'term', start, end, raw: { field, op, opStart, value, quoted, prefix, valueStart: quoted ? at + 1 : at, start, end } };
  }

  private bareEnd(i: number): number {
    while (!isBoundary(this.text[i])) i++;
    return i;
  }

  private quoted(open: number): { value: string; end: number } {
    const text = this.text;
    const parts: string[] = [];
    let from = open + 1;
    for (let i = from; i < text.length; i++) {
      if (text[i] === '\\') {
        if (i + 1 >= text.length) break;
        parts.push(text.slice(from, i), text[i + 1]);
        i++;
        from = i + 1;
      } else if (text[i] === '"') {
        parts.push(text.slice(from, i));
        return { value: parts.join(''), end: i + 1 };
      }
    }
    throw new QueryError('unbalanced quote: this " is never closed', open);
  }
}

function example(field: FieldInfo): string {
  switch (field.kind) {
    case 'text': return `${field.field}:word or ${field.field}:"a phrase"`;
    case 'keyword': return `${field.field}:value`;
    case 'number': return field.duration ? `${field.field}:>2s` : field.field === 'status' ? 'status:500 or status:>=400' : `${field.field}:>10`;
    case 'time': return `${field.field}:2026-11-05 or ${field.field}:-7d`;
  }
}
