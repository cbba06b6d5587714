/**
 * Backend-neutral handling of analytics rows: grouping a session's rows by table, one row per key (last wins), and the
 * key clauses SQLite and PostgreSQL spell alike.
 */
import { VerbatimError } from '../../../store/errors';
import { isKeyed, type AnalyticsRow, type AnalyticsTable } from './analytics-table';
import { ANALYTICS_TABLES, tableNamed } from './registry';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/** The registered tables, checked once: their names and columns are spliced into SQL. */
export function checkedTables(): readonly AnalyticsTable<any>[] {
  for (const t of ANALYTICS_TABLES) {
    for (const n of [t.name, ...t.columns.map((c) => c.name)]) {
      if (!IDENT.test(n)) throw new VerbatimError('CONFIG_INVALID', 'an analytics table or column name must be a plain identifier', { name: n });
    }
  }
  return ANALYTICS_TABLES;
}

/**
 * A session's rows as value lists per table. Rows of the same key collapse to the last one (PostgreSQL refuses an
 * INSERT … ON CONFLICT touching one row twice; SQLite would apply both, to the same end).
 */
export function rowsByTable(rows: readonly AnalyticsRow[]): Map<AnalyticsTable<any>, unknown[][]> {
  const out = new Map<AnalyticsTable<any>, Map<string, unknown[]>>();
  let n = 0;
  for (const r of rows) {
    const table = tableNamed(r.table);
    if (!table) throw new VerbatimError('BAD_REQUEST', 'a row for an analytics table the index does not have', { table: r.table });
    const values = table.values(r.row);
    const keyOf = table.key.map((k) => table.columns.findIndex((c) => c.name === k));
    const key = isKeyed(table) ? JSON.stringify(keyOf.map((i) => values[i])) : `#${n++}`;
    let m = out.get(table);
    if (!m) out.set(table, (m = new Map()));
    m.delete(key);
    m.set(key, values);
  }
  return new Map([...out].map(([t, m]) => [t, [...m.values()]]));
}

/** `, PRIMARY KEY (sid, …)` for a keyed table, else nothing (its rows are appended). */
export function primaryKeySql(t: AnalyticsTable<any>): string {
  return isKeyed(t) ? `, PRIMARY KEY (${['sid', ...t.key].join(', ')})` : '';
}

/** What an INSERT does with a row met again: overwrite `update`, or keep the first; nothing for an unkeyed table. */
export function onConflictSql(t: AnalyticsTable<any>): string {
  if (!isKeyed(t)) return '';
  return t.update.length
    ? ` ON CONFLICT (${['sid', ...t.key].join(', ')}) DO UPDATE SET ${t.update.map((c) => `${c} = excluded.${c}`).join(', ')}`
    : ' ON CONFLICT DO NOTHING';
}
