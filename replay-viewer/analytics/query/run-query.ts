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
  const r = await db.pool.query({ ...toQuery(q), rowMode: 'array' });
  return r.rows as unknown[][];
}
