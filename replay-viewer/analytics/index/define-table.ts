/**
 * An analytics table declared once: each column gives its kind and how a row gives its value, in insert order.
 * Both backends' types and the row's value list are derived from it, so a column's SQLite type, PostgreSQL type and
 * place in the value list can no longer drift apart (they were written out per column and again, by position, in
 * `values`). The key, update and index lists are checked against the column names when the code is compiled.
 */
import type { AnalyticsColumn, AnalyticsTable } from './analytics-table';

type Kind = 'text' | 'int' | 'real';

const TYPES: Record<Kind, Omit<AnalyticsColumn, 'name'>> = {
  text: { sqlite: 'TEXT', pg: 'text' },
  int: { sqlite: 'INTEGER', pg: 'bigint' },
  real: { sqlite: 'REAL', pg: 'float8' },
};

export interface ColumnOf<R> { kind: Kind; value: (row: R) => unknown }

export const text = <R>(value: (row: R) => unknown): ColumnOf<R> => ({ kind: 'text', value });
export const int = <R>(value: (row: R) => unknown): ColumnOf<R> => ({ kind: 'int', value });
export const real = <R>(value: (row: R) => unknown): ColumnOf<R> => ({ kind: 'real', value });

export interface TableSpec<R, C extends string> {
  name: string;
  /** In insert order, after `sid` (plain identifiers: object keys keep their written order). */
  columns: Record<C, ColumnOf<R>>;
  key: NoInfer<C>[];
  update: NoInfer<C>[];
  indexes: NoInfer<C | 'sid'>[][];
}

/** `defineTable<Row>()({ … })`: the row type given, the column names inferred from `columns`. */
export function defineTable<R>(): <C extends string>(spec: TableSpec<R, C>) => AnalyticsTable<R> {
  return (spec) => {
    const columns = Object.entries(spec.columns) as [string, ColumnOf<R>][];
    const getters = columns.map(([, c]) => c.value);
    return {
      name: spec.name,
      columns: columns.map(([name, c]) => ({ name, ...TYPES[c.kind] })),
      key: spec.key,
      update: spec.update,
      indexes: spec.indexes,
      values: (row) => getters.map((get) => get(row)),
    };
  };
}
