/** Runs an analytics statement on whichever backend the index is, rows as value arrays (fast to read, both ways). */
import { toQuery } from '../../search/postgres/pg-sql';
import type { AnalyticsDb } from '../../search/search-index';
import type { Frag } from '../../search/sql-fragment';
import type { Backend } from '../funnels/funnel-sql';

export function backendOf(db: AnalyticsDb): Backend {
  return db.kind;
}

export async function rowsOf(db: AnalyticsDb, q: Frag): Promise<unknown[][]> {
  if (db.kind === 'sqlite') return db.db.prepare(q.sql).raw().all(...q.params) as unknown[][];
  // PostgreSQL's JIT compiles a statement whose estimated cost passes jit_above_cost: a funnel's chain of per-session
  // lookups is estimated in the millions, so every report paid 0.5–1 s of compiling (EXPLAIN ANALYZE: "JIT … Total
  // 1073 ms" of 4.7 s at 100,000 sessions) to save nothing on a few hundred thousand index probes. Off for this
  // statement only (SET LOCAL in a read-only transaction), whatever the server's setting.
  const c = await db.pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN READ ONLY');
    await c.query('SET LOCAL jit = off');
    const r = await c.query({ ...toQuery(q), rowMode: 'array' });
    await c.query('COMMIT');
    return r.rows as unknown[][];
  } catch (err) {
    // A connection that cannot even roll back goes, rather than back to the pool mid-transaction.
    await c.query('ROLLBACK').catch((e: Error) => void (broken = e));
    throw err;
  } finally {
    c.release(broken);
  }
}

/**
 * Each row of a statement to `each`, in turn: on SQLite streamed (no array of every row held at once, so each row
 * is garbage young: 137,000 rows of a per-customer funnel cost more in collection than in reading), on PostgreSQL from
 * the answer as rowsOf reads it. `each` runs synchronously (SQLite's connection is busy meanwhile).
 */
export async function eachRow(db: AnalyticsDb, q: Frag, each: (row: unknown[]) => void): Promise<void> {
  if (db.kind === 'sqlite') {
    for (const r of db.db.prepare(q.sql).raw().iterate(...q.params)) each(r as unknown[]);
    return;
  }
  for (const r of await rowsOf(db, q)) each(r);
}
