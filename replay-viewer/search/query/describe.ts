/**
 * The tree back to words: `chipsOf` gives one filter chip per term for the viewer (label, source span, whether a
 * NOT applies), `formatQuery` prints a canonical query that parseQuery reads back to the same tree (spans aside).
 * Canonical means: keywords in capitals, implicit AND as a space, `-` for NOT, parentheses only where precedence
 * needs them (and around a group that was parenthesised, so the tree's shape survives), times in UTC ISO form
 * (relative times are already resolved), durations as `1h30m`.
 */
import type { QueryNode, Term } from './ast';
import { isSpace } from './tokenize';
import { describeTime, formatDuration, formatTime } from './values';

export interface Chip {
  label: string;
  start: number;
  end: number;
  /** Under an odd number of NOTs: the viewer shows it struck through or marked "not". */
  negated: boolean;
}

const SYMBOLS = { '=': '=', '>': '>', '>=': '≥', '<': '<', '<=': '≤' } as const;

export function chipsOf(node: QueryNode): Chip[] {
  const chips: Chip[] = [];
  const walk = (n: QueryNode, negated: boolean): void => {
    const statusClass = statusClassOf(n);
    if (statusClass) {
      chips.push({ label: `status ${statusClass}`, start: n.start, end: n.end, negated });
      return;
    }
    switch (n.kind) {
      case 'and': case 'or': for (const item of n.items) walk(item, negated); return;
      case 'then': for (const step of n.steps) walk(step, negated); return;
      case 'not': walk(n.item, !negated); return;
      default: chips.push({ label: labelOf(n), start: n.start, end: n.end, negated });
    }
  };
  walk(node, false);
  return chips;
}

function labelOf(term: Term): string {
  switch (term.kind) {
    case 'text': {
      const value = `"${term.value}${term.prefix ? '…' : ''}"`;
      return term.field ? `${term.field} ${value}` : value;
    }
    case 'keyword': return `${term.field} ${term.value}`;
    case 'number': {
      const value = term.field === 'status' || term.field === 'pages' || term.field === 'fidelity' ? String(term.value) : formatDuration(term.value, ' ');
      return `${term.field} ${SYMBOLS[term.op]} ${value}`;
    }
    case 'time':
      if (term.field === 'after') return `after ${describeTime(term.from ?? 0)}`;
      if (term.field === 'before') return `before ${describeTime(term.to ?? 0)}`;
      return `on ${describeTime(term.from ?? 0)}`;
  }
}

/**
 * `status:5xx` parses to `status ≥ 500 AND status < 600`, both comparisons sharing the and's span; that shape
 * prints back as the class (`5xx`, `40x`). An and written out by hand has distinct spans and stays two chips.
 */
function statusClassOf(node: QueryNode): string | undefined {
  if (node.kind !== 'and' || node.items.length !== 2) return undefined;
  const [low, high] = node.items;
  if (low.kind !== 'number' || high.kind !== 'number' || low.field !== 'status' || high.field !== 'status') return undefined;
  if (low.op !== '>=' || high.op !== '<') return undefined;
  if (low.start !== node.start || high.start !== node.start || low.end !== node.end || high.end !== node.end) return undefined;
  for (const size of [100, 10]) {
    const digits = 3 - Math.log10(size);
    if (high.value - low.value === size && low.value % size === 0 && low.value >= 100 && low.value < 1000) {
      return String(low.value / size).padStart(digits, '0') + 'x'.repeat(3 - digits);
    }
  }
  return undefined;
}

/** Binding strength, loosest first; a child binding no tighter than its parent gets parentheses. */
const RANK = { or: 1, and: 2, then: 3, not: 4 } as const;

export function formatQuery(node: QueryNode): string {
  const statusClass = statusClassOf(node);
  if (statusClass) return `status:${statusClass}`;
  switch (node.kind) {
    case 'or': return node.items.map((i) => child(i, RANK.or)).join(' OR ');
    case 'and': return node.items.map((i) => child(i, RANK.and)).join(' ');
    case 'then': return node.steps.map((s) => child(s, RANK.then)).join(' THEN ');
    case 'not': return `-${child(node.item, RANK.not - 1)}`;
    default: return formatTerm(node);
  }
}

function child(node: QueryNode, parentRank: number): string {
  const text = formatQuery(node);
  if (node.kind === 'and' && statusClassOf(node)) return text;
  const rank = node.kind in RANK ? RANK[node.kind as keyof typeof RANK] : Infinity;
  return rank <= parentRank ? `(${text})` : text;
}

function formatTerm(term: Term): string {
  switch (term.kind) {
    case 'text': {
      const star = term.prefix ? '*' : '';
      const value = term.phrase ? quote(term.value) : term.value;
      return term.field ? `${term.field}:${value}${star}` : `${value}${star}`;
    }
    case 'keyword': return `${term.field}:${isBareValue(term.value) ? term.value : quote(term.value)}`;
    case 'number': {
      const value = term.field === 'status' || term.field === 'pages' || term.field === 'fidelity' ? String(term.value) : formatDuration(term.value);
      return `${term.field}:${term.op === '=' ? '' : term.op}${value}`;
    }
    case 'time':
      return `${term.field}:${formatTime((term.field === 'before' ? term.to : term.from) ?? 0)}`;
  }
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A keyword value the lexer reads back unchanged without quotes. */
function isBareValue(value: string): boolean {
  if (!value || '><='.includes(value[0])) return false;
  for (const c of value) {
    if (c === '(' || c === ')' || c === '"' || c === '*' || isSpace(c)) return false;
  }
  return true;
}
