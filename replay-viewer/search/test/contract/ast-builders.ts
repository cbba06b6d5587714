/** Query trees by hand, so the contract suite tests the index alone, not the parser. */
import type { Comparison, QueryNode, Term, TextField } from '../../query/ast';

const span = { start: 0, end: 0 };
export const text = (field: TextField | null, value: string, o: { phrase?: boolean; prefix?: boolean } = {}): Term =>
  ({ kind: 'text', field, value, phrase: o.phrase ?? false, prefix: o.prefix ?? false, ...span });
export const kw = (field: Extract<Term, { kind: 'keyword' }>['field'], value: string): Term => ({ kind: 'keyword', field, value, ...span });
export const num = (field: Extract<Term, { kind: 'number' }>['field'], op: Comparison, value: number): Term => ({ kind: 'number', field, op, value, ...span });
export const time = (field: 'after' | 'before' | 'on', from?: number, to?: number): Term => ({ kind: 'time', field, from, to, ...span });
export const and = (...items: QueryNode[]): QueryNode => ({ kind: 'and', items, ...span });
export const or = (...items: QueryNode[]): QueryNode => ({ kind: 'or', items, ...span });
export const not = (item: QueryNode): QueryNode => ({ kind: 'not', item, ...span });
export const then = (...steps: QueryNode[]): QueryNode => ({ kind: 'then', steps, ...span });
