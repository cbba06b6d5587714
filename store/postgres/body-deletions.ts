/**
 * Deleting shared bodies when several writers share one store. Bodies are content-addressed and shared between
 * sessions; an erasure leaves some unnamed. Deleting such a body from object storage at once, as one process may, is
 * wrong with several: another instance may have just checked "already stored" (a HEAD, or its cache) and be about
 * to commit a capture naming it. So a body is deleted late, through the table body_deletions (schema.ts):
 *
 *   marked    the erasure's commit, under the write lock, found no record naming it (changed_at: when;
 *             commit_write in commit-sql.ts)
 *   deleting  a sweep, after the grace period, found it still unnamed and is deleting the object
 *   deleted   the object is gone (the row stays while a writer may still believe "already stored": see pruning)
 *
 * Every commit that names or uploads a body looks at its row, under the row's lock, in the same transaction that
 * writes the records (commit_write in commit-sql.ts): a marked body is named again (the row removed: the sweep,
 * waiting on that lock, then finds no row); a deleting or deleted one refuses the write (BODY_DELETED), unless this write found it stored
 * again after it had been reported deleted (`revive`). So a capture naming a body commits only while the object
 * is there, and the grace period makes a refusal rare: a capture in flight when an erasure ran names the body again
 * long before the sweep. Rows are only ever inserted by a commit holding the write lock, as every capture commit
 * does: locking, under that lock, the rows of the bodies a commit names misses none.
 *
 * Pruning (pruneBodyDeletions): a "deleted" row is only needed while some writer may still act on an "already
 * stored" it learnt before the deletion. Writers trust a body remembered as stored for at most the grace period
 * (StoreBaseOptions.knownDigestsMaxAgeMs), and a capture goes from its check to its commit within the grace period
 * (the grace's own premise): so a row deleted longer ago than twice the grace can be told by nobody, and goes.
 */
import type pg from 'pg';
import type { ObjectStorage } from '../base/object-storage';
import { inTransaction } from './pg-connection';

export type DeletionState = 'marked' | 'deleting' | 'deleted';

/** A sweep that died between "deleting" and "deleted" left rows behind: another sweep finishes them after this. */
const STALE_DELETING_MS = 60_000;
/** Bodies per sweep transaction. */
const SWEEP_BATCH = 1_000;

export const blobObject = (digest: string): string => `blobs/${digest}`;

export interface SweepTarget {
  pool: pg.Pool;
  /** Qualified table names. */
  deletions: string;
  records: string;
  objects: ObjectStorage;
  graceMs: number;
}

/**
 * Deletes the objects of bodies marked longer ago than the grace period and still unnamed. Safe to run on every
 * instance at once (rows are claimed with SKIP LOCKED and move on from "marked" once). Returns how many bodies it
 * deleted.
 */
export async function sweepBodies(t: SweepTarget): Promise<number> {
  let total = 0;
  for (;;) {
    const claimed = await inTransaction(t.pool, async (c) => {
      const { rows } = await c.query<{ digest: string }>(
        `UPDATE ${t.deletions} SET state = 'deleting', changed_at = now() WHERE digest IN (
           SELECT digest FROM ${t.deletions} d
           WHERE ((state = 'marked' AND changed_at <= now() - $1 * interval '1 millisecond')
                  OR (state = 'deleting' AND changed_at <= now() - $2 * interval '1 millisecond'))
             AND NOT EXISTS (SELECT 1 FROM ${t.records} WHERE blobs @> ARRAY[d.digest])
           ORDER BY digest LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING digest`, [t.graceMs, STALE_DELETING_MS]);
      return rows.map((r) => r.digest);
    });
    if (!claimed.length) return total;
    let kept: string[] = [];
    try {
      await t.objects.delete(claimed.map(blobObject));
    } catch (err) {
      // Another failure: they stay "deleting" (refusing writers that name them) and a sweep tries again later.
      if ((err as { code?: string }).code !== 'OBJECT_LOCKED') throw err;
      // Object Lock keeps some (erasure then relies on crypto-shredding): those still there are bodies again.
      const present = await t.objects.has(claimed.map(blobObject));
      kept = claimed.filter((_, i) => present[i]);
    }
    // "deleted" once the delete answered: a writer told so checks the object store afterwards, so even a body put
    // again meanwhile is found, not lost.
    const gone = claimed.filter((d) => !kept.includes(d));
    await inTransaction(t.pool, async (c) => {
      if (gone.length) await c.query(`UPDATE ${t.deletions} SET state = 'deleted', changed_at = now() WHERE digest = ANY($1::text[]) AND state = 'deleting'`, [gone]);
      if (kept.length) await c.query(`DELETE FROM ${t.deletions} WHERE digest = ANY($1::text[]) AND state = 'deleting'`, [kept]);
    });
    total += gone.length;
    if (claimed.length < SWEEP_BATCH) return total;
  }
}

/**
 * Removes "deleted" rows older than `keepMs` (see the header: twice the grace period), in batches so that no
 * transaction holds many row locks. Marked and deleting rows are work not yet done and stay. Returns how many went.
 */
export async function pruneBodyDeletions(pool: pg.Pool, table: string, keepMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM ${table} WHERE digest IN (
         SELECT digest FROM ${table} WHERE state = 'deleted' AND changed_at <= now() - $1 * interval '1 millisecond'
         LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)`, [keepMs]);
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < SWEEP_BATCH) return total;
  }
}
