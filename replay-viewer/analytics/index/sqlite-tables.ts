/**
 * The analytics tables in the embedded SQLite index (../../search/sqlite/sqlite-index.ts calls these inside its
 * own transactions): created on open, rows inserted with the batch's hits, deleted with an erased session.
 */
import type Database from 'better-sqlite3';
import { isKeyed, type AnalyticsRow, type AnalyticsTable } from './analytics-table';
import { checkedTables, onConflictSql, primaryKeySql, rowsByTable } from './table-rows';

export function createAnalyticsSqlite(db: Database.Database): void {
  for (const t of checkedTables()) {
    const cols = t.columns.map((c) => `${c.name} ${c.sqlite}`).join(', ');
    db.exec(`CREATE TABLE IF NOT EXISTS ${t.name} (sid INTEGER NOT NULL, ${cols}${primaryKeySql(t)})`);
    if (!isKeyed(t)) db.exec(`CREATE INDEX IF NOT EXISTS ${t.name}_sid ON ${t.name} (sid)`);
    for (const ix of t.indexes) db.exec(`CREATE INDEX IF NOT EXISTS ${t.name}_${ix.join('_')} ON ${t.name} (${ix.join(', ')})`);
  }
}

const inserts = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function insertOf(db: Database.Database, t: AnalyticsTable<any>): Database.Statement {
  let m = inserts.get(db);
  if (!m) inserts.set(db, (m = new Map()));
  let s = m.get(t.name);
  if (!s) {
    const names = t.columns.map((c) => c.name);
    s = db.prepare(`INSERT INTO ${t.name} (sid, ${names.join(', ')}) VALUES (${['?', ...names.map(() => '?')].join(', ')})${onConflictSql(t)}`);
    m.set(t.name, s);
  }
  return s;
}

export function insertAnalyticsSqlite(db: Database.Database, sid: number, rows: readonly AnalyticsRow[]): void {
  for (const [table, list] of rowsByTable(rows)) {
    const insert = insertOf(db, table);
    for (const values of list) insert.run(sid, ...values);
  }
}

export function eraseAnalyticsSqlite(db: Database.Database, sid: number): void {
  for (const t of checkedTables()) db.prepare(`DELETE FROM ${t.name} WHERE sid = ?`).run(sid);
}

export function resetAnalyticsSqlite(db: Database.Database): void {
  for (const t of checkedTables()) db.exec(`DELETE FROM ${t.name}`);
}

export function countAnalyticsSqlite(db: Database.Database): Record<string, number> {
  return Object.fromEntries(checkedTables().map((t) => [t.name, (db.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n]));
}
