/**
 * The analytics tables in the PostgreSQL index (../../search/postgres/postgres-index.ts calls these inside its own
 * transactions): created with the schema, rows inserted with the batch's hits (one unnest statement per table and
 * session), deleted with an erased session. Text columns use the "C" collation, as the index's other tables do.
 */
import type pg from 'pg';
import { isKeyed, type AnalyticsRow, type AnalyticsTable } from './analytics-table';
import { checkedTables, rowsByTable } from './table-rows';

export function analyticsSchemaSql(ns: string): string {
  return checkedTables().map((t) => {
    const cols = t.columns.map((c) => `${c.name} ${c.pg}${c.pg === 'text' ? ' COLLATE "C"' : ''}`).join(', ');
    const pk = isKeyed(t) ? `, PRIMARY KEY (${['sid', ...t.key].join(', ')})` : '';
    const ixs = [...(isKeyed(t) ? [] : [['sid']]), ...t.indexes]
      .map((ix) => `CREATE INDEX IF NOT EXISTS ${t.name}_${ix.join('_')} ON ${ns}.${t.name} (${ix.join(', ')});`);
    return [`CREATE TABLE IF NOT EXISTS ${ns}.${t.name} (sid bigint NOT NULL, ${cols}${pk});`, ...ixs].join('\n');
  }).join('\n');
}

function insertSql(t: AnalyticsTable<any>): string {
  const names = t.columns.map((c) => c.name);
  const arrays = t.columns.map((c, i) => `$${i + 2}::${c.pg}[]`).join(', ');
  const conflict = !isKeyed(t) ? '' : t.update.length
    ? ` ON CONFLICT (${['sid', ...t.key].join(', ')}) DO UPDATE SET ${t.update.map((c) => `${c} = excluded.${c}`).join(', ')}`
    : ' ON CONFLICT DO NOTHING';
  return `INSERT INTO ${t.name} (sid, ${names.join(', ')}) SELECT $1, * FROM unnest(${arrays})${conflict}`;
}

export async function insertAnalyticsPg(c: pg.PoolClient, sid: number, rows: readonly AnalyticsRow[]): Promise<void> {
  for (const [table, list] of rowsByTable(rows)) {
    const cols: unknown[][] = table.columns.map(() => []);
    for (const values of list) values.forEach((v, i) => cols[i]!.push(v ?? null));
    await c.query(insertSql(table), [sid, ...cols]);
  }
}

export async function eraseAnalyticsPg(c: pg.PoolClient, sid: number): Promise<void> {
  for (const t of checkedTables()) await c.query(`DELETE FROM ${t.name} WHERE sid = $1`, [sid]);
}

/** The tables' names, for TRUNCATE and VACUUM beside the index's own. */
export function analyticsTableNames(): string[] {
  return checkedTables().map((t) => t.name);
}
