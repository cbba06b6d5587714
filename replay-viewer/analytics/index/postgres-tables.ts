/**
 * The analytics tables in the PostgreSQL index (../../search/postgres/postgres-index.ts calls these inside its own
 * transactions): created with the schema, rows inserted with the batch's hits (one unnest statement per table and
 * session), deleted with an erased session. Text columns use the "C" collation, as the index's other tables do.
 */
import type pg from 'pg';
import { isKeyed, type AnalyticsRow, type AnalyticsTable } from './analytics-table';
import { checkedTables, onConflictSql, primaryKeySql, rowsByTable } from './table-rows';

export function analyticsSchemaSql(ns: string): string {
  return checkedTables().map((t) => {
    const cols = t.columns.map((c) => `${c.name} ${c.pg}${c.pg === 'text' ? ' COLLATE "C"' : ''}`).join(', ');
    const ixs = [...(isKeyed(t) ? [] : [['sid']]), ...t.indexes]
      .map((ix) => `CREATE INDEX IF NOT EXISTS ${t.name}_${ix.join('_')} ON ${ns}.${t.name} (${ix.join(', ')});`);
    return [`CREATE TABLE IF NOT EXISTS ${ns}.${t.name} (sid bigint NOT NULL, ${cols}${primaryKeySql(t)});`, ...ixs].join('\n');
  }).join('\n');
}

function insertSql(t: AnalyticsTable<any>): string {
  const names = t.columns.map((c) => c.name);
  const arrays = ['$1::bigint[]', ...t.columns.map((c, i) => `$${i + 2}::${c.pg}[]`)].join(', ');
  return `INSERT INTO ${t.name} (sid, ${names.join(', ')}) SELECT * FROM unnest(${arrays})${onConflictSql(t)}`;
}

/** Rows per INSERT statement (arrays unnested server-side). */
const CHUNK = 5_000;

/** A batch's rows, every session's at once: one statement per table (and chunk), not one per session. */
export async function insertAnalyticsPg(c: pg.PoolClient, sessions: readonly { sid: number; rows: readonly AnalyticsRow[] }[]): Promise<void> {
  const byTable = new Map<AnalyticsTable<any>, { sids: number[]; values: unknown[][] }>();
  for (const { sid, rows } of sessions) {
    for (const [table, list] of rowsByTable(rows)) {
      let t = byTable.get(table);
      if (!t) byTable.set(table, (t = { sids: [], values: [] }));
      for (const values of list) { t.sids.push(sid); t.values.push(values); }
    }
  }
  for (const [table, { sids, values }] of byTable) {
    for (let i = 0; i < sids.length; i += CHUNK) {
      const cols: unknown[][] = [sids.slice(i, i + CHUNK), ...table.columns.map(() => [] as unknown[])];
      for (const v of values.slice(i, i + CHUNK)) v.forEach((x, j) => cols[j + 1]!.push(x ?? null));
      await c.query(insertSql(table), cols);
    }
  }
}

export async function eraseAnalyticsPg(c: pg.PoolClient, sid: number): Promise<void> {
  for (const t of checkedTables()) await c.query(`DELETE FROM ${t.name} WHERE sid = $1`, [sid]);
}

/** The tables' names, for TRUNCATE and VACUUM beside the index's own. */
export function analyticsTableNames(): string[] {
  return checkedTables().map((t) => t.name);
}
