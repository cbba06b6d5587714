/**
 * A commit's work as two server-side functions (created with the schema, version 3), so that the write lock every
 * commit of a shared store takes is held for three statements instead of 4–11 round trips (issue #15: with four
 * instances each commit waited 0.7–1.6 s for the lock, held through round trips that each waited for a CPU):
 *
 *   BEGIN                              sent together with the next (pipeline mode of the pg client)
 *   SELECT … FROM lock_for_commit(…)   the lock, then the feed head and the write's chain heads
 *   (the commit queue rebuilds the write on them when another writer moved them: BackendWrite.rebase)
 *   SELECT … FROM commit_write(…)      every check and every row of the write, in one statement
 *   COMMIT                             sent behind it without waiting for its answer
 *
 * So the lock waits for this process once (the answer of lock_for_commit, the rebuild, sending the rest), and the
 * server commits and releases it without waiting for this process again: a process busy serving requests answers
 * its sockets late (tens of ms on a loaded machine), and each of those waits was lock time for every instance. When
 * commit_write fails, the COMMIT behind it ends the aborted transaction as a ROLLBACK.
 *
 * A write that needs no lock (no chain, feed or checkpoint: settings, or one writer) is commit_write alone, one
 * statement in its own implicit transaction, so one round trip in all.
 *
 * The lock and the read are one function because a plain statement could not do both: its snapshot is taken when it
 * starts, before it waits for the lock, so it would miss the commits made while it waited. A VOLATILE PL/pgSQL
 * function takes a new snapshot for each statement it runs (READ COMMITTED), so its read follows the lock.
 *
 * commit_write keeps every guarantee of postgres-store.ts's header, in the same order as the statements it replaces:
 * the feed head and the checkpoint log must be where the write says (else STORE_CONFLICT), chain heads move by
 * compare-and-set (else STORE_CONFLICT; links' and feed's primary keys refuse a fork as a last line: 23505, which the
 * store maps to STORE_CONFLICT), and shared bodies the write uploads or names are claimed from body_deletions under
 * their rows' locks (body-deletions.ts: a marked body is named again, a deleting or deleted one refuses the write with
 * BODY_DELETED unless revived). It returns the objects no row names any more (for deletion after the commit) and the
 * bodies it marked for deletion. Its refusals are raised with SQLSTATEs of our own (below), their context as JSON.
 */
import type pg from 'pg';
import type { BackendWrite, StoredRecord } from '../base/backend';
import { VerbatimError } from '../errors';

/** SQLSTATEs raised by commit_write: another writer moved a head first; a body this write names was deleted. */
const CONFLICT_STATE = 'VB409';
const BODY_DELETED_STATE = 'VB410';

export const commitSql = (ns: string): string => `
CREATE OR REPLACE FUNCTION ${ns}.lock_for_commit(lock_space int4, lock_key int4, chains text[])
  RETURNS TABLE (head_chain text, head_value bytea, feed_head int8) LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_space, lock_key);
  -- A new snapshot, taken after the lock was granted (see commit-sql.ts).
  RETURN QUERY
    SELECT NULL::text, NULL::bytea, (SELECT coalesce(max(f.seq), 0)::int8 FROM ${ns}.feed f)
    UNION ALL SELECT h.chain::text, h.value, NULL::int8 FROM ${ns}.heads h WHERE h.chain = ANY(chains);
END $fn$;

CREATE OR REPLACE FUNCTION ${ns}.commit_write(
  w_feed_after int8, w_checkpoint_seq int8, w_checkpoint_value bytea,
  w_head_chains text[], w_head_values bytea[], w_head_previous bytea[],
  w_del_ids text[],
  w_put_ids text[], w_put_kinds text[], w_put_sessions text[], w_put_ats float8[], w_put_at_ms int8[], w_put_urls text[],
  w_put_shared bool[], w_put_blobs text[], w_put_customers text[], w_put_values bytea[], w_put_objects text[],
  w_bodies text[], w_revive text[],
  w_link_chains text[], w_link_idx int8[], w_link_values bytea[],
  w_feed_seqs int8[], w_feed_values bytea[],
  w_meta_keys text[], w_meta_values bytea[], w_meta_gone text[],
  w_unreferenced text[])
  RETURNS TABLE (unnamed_objects text[], marked_bodies text[]) LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_head int8;
  v_expected int8;
  v_got int8;
  v_refused jsonb;
  v_unnamed text[] := '{}';
  v_marked text[] := '{}';
BEGIN
  IF w_feed_after IS NOT NULL THEN
    SELECT coalesce(max(f.seq), 0) INTO v_head FROM ${ns}.feed f;
    IF v_head <> w_feed_after THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_STATE}', MESSAGE = 'change feed', DETAIL = json_build_object('head', v_head, 'expected', w_feed_after)::text;
    END IF;
  END IF;
  IF w_checkpoint_seq IS NOT NULL THEN
    SELECT coalesce(max(c.seq), 0) INTO v_head FROM ${ns}.checkpoints c;
    IF v_head <> w_checkpoint_seq - 1 THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_STATE}', MESSAGE = 'checkpoint log', DETAIL = json_build_object('head', v_head, 'expected', w_checkpoint_seq - 1)::text;
    END IF;
  END IF;

  -- Chain heads: each moved one must still be the one the write extended; each new one must not exist yet.
  v_expected := (SELECT count(*) FROM unnest(w_head_previous) AS p WHERE p IS NOT NULL);
  IF v_expected > 0 THEN
    UPDATE ${ns}.heads h SET value = n.value FROM unnest(w_head_chains, w_head_values, w_head_previous) AS n(chain, value, previous)
      WHERE n.previous IS NOT NULL AND h.chain = n.chain AND h.value = n.previous;
    GET DIAGNOSTICS v_got = ROW_COUNT;
    IF v_got <> v_expected THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_STATE}', MESSAGE = 'chain head', DETAIL = json_build_object('chains', v_expected, 'moved', v_got)::text;
    END IF;
  END IF;
  v_expected := cardinality(w_head_chains) - v_expected;
  IF v_expected > 0 THEN
    INSERT INTO ${ns}.heads (chain, value)
      SELECT n.chain, n.value FROM unnest(w_head_chains, w_head_values, w_head_previous) AS n(chain, value, previous) WHERE n.previous IS NULL
      ON CONFLICT (chain) DO NOTHING;
    GET DIAGNOSTICS v_got = ROW_COUNT;
    IF v_got <> v_expected THEN
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_STATE}', MESSAGE = 'chain head', DETAIL = json_build_object('created', v_expected, 'inserted', v_got)::text;
    END IF;
  END IF;

  -- Objects no row will name: those of deleted records, and the old ones of records rewritten (the caller keeps the
  -- ones the write names again).
  IF cardinality(w_del_ids) > 0 THEN
    WITH d AS (DELETE FROM ${ns}.records r WHERE r.id = ANY(w_del_ids) RETURNING r.object)
    SELECT coalesce(array_agg(d.object) FILTER (WHERE d.object IS NOT NULL), '{}') INTO v_unnamed FROM d;
  END IF;
  IF cardinality(w_put_ids) > 0 THEN
    v_unnamed := v_unnamed || ARRAY(SELECT r.object::text FROM ${ns}.records r WHERE r.id = ANY(w_put_ids) AND r.object IS NOT NULL);
  END IF;

  -- Bodies an erasure left for deletion that this write uploads or names (body-deletions.ts): their rows locked first,
  -- so a sweep moving one on waits for this commit or has moved it already (then its new state is read here). Rows
  -- are added only under the write lock; a write without it (an upload alone) may miss one added meanwhile, which
  -- then only leaves marked a body it has just put.
  IF cardinality(w_bodies) > 0 THEN
    PERFORM 1 FROM ${ns}.body_deletions d WHERE d.digest = ANY(w_bodies) ORDER BY d.digest FOR UPDATE;
    SELECT jsonb_object_agg(d.digest, d.state) INTO v_refused FROM ${ns}.body_deletions d
      WHERE d.digest = ANY(w_bodies) AND NOT (d.state = 'marked' OR (d.state = 'deleted' AND d.digest = ANY(w_revive)));
    IF v_refused IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = '${BODY_DELETED_STATE}', MESSAGE = 'body deleted', DETAIL = v_refused::text;
    END IF;
    DELETE FROM ${ns}.body_deletions d WHERE d.digest = ANY(w_bodies);
  END IF;

  IF cardinality(w_put_ids) > 0 THEN
    INSERT INTO ${ns}.records (id, kind, session_id, at, at_ms, url, shared, blobs, customer_key, value, object)
      SELECT t.id, t.kind, t.session_id, t.at, t.at_ms, t.url, t.shared, string_to_array(t.blobs, ','), t.customer_key, t.value, t.object
      FROM unnest(w_put_ids, w_put_kinds, w_put_sessions, w_put_ats, w_put_at_ms, w_put_urls, w_put_shared, w_put_blobs, w_put_customers, w_put_values, w_put_objects)
        AS t(id, kind, session_id, at, at_ms, url, shared, blobs, customer_key, value, object)
      ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, session_id = EXCLUDED.session_id, at = EXCLUDED.at, at_ms = EXCLUDED.at_ms,
        url = EXCLUDED.url, shared = EXCLUDED.shared, blobs = EXCLUDED.blobs, customer_key = EXCLUDED.customer_key,
        value = EXCLUDED.value, object = EXCLUDED.object;
  END IF;
  IF cardinality(w_link_chains) > 0 THEN
    INSERT INTO ${ns}.links (chain, idx, value) SELECT * FROM unnest(w_link_chains, w_link_idx, w_link_values);
  END IF;
  IF cardinality(w_feed_seqs) > 0 THEN
    INSERT INTO ${ns}.feed (seq, value) SELECT * FROM unnest(w_feed_seqs, w_feed_values);
  END IF;
  IF w_checkpoint_seq IS NOT NULL THEN
    INSERT INTO ${ns}.checkpoints (seq, value) VALUES (w_checkpoint_seq, w_checkpoint_value);
  END IF;
  IF cardinality(w_meta_keys) > 0 THEN
    INSERT INTO ${ns}.meta (key, value) SELECT * FROM unnest(w_meta_keys, w_meta_values) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
  END IF;
  IF cardinality(w_meta_gone) > 0 THEN
    DELETE FROM ${ns}.meta m WHERE m.key = ANY(w_meta_gone);
  END IF;

  -- Bodies the write's base found unnamed, asked again here: another writer may have named one since.
  IF cardinality(w_unreferenced) > 0 THEN
    v_marked := ARRAY(SELECT u.digest FROM unnest(w_unreferenced) AS u(digest)
      WHERE NOT EXISTS (SELECT 1 FROM ${ns}.records r WHERE r.blobs @> ARRAY[u.digest]));
    -- One already marked keeps its time; one deleting or deleted is not made "marked" again (its object may be gone).
    INSERT INTO ${ns}.body_deletions (digest, state) SELECT unnest(v_marked), 'marked' ON CONFLICT (digest) DO NOTHING;
  END IF;
  RETURN QUERY SELECT v_unnamed, v_marked;
END $fn$;
`;

/** Another writer moved a head, the feed or the checkpoint log first: the commit queue reloads and rebuilds. */
export const conflict = (what: string, context: Record<string, unknown> = {}): VerbatimError =>
  new VerbatimError('STORE_CONFLICT', `another writer moved the ${what} first`, { what, ...context });

const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
/** Records are ordered and looked up by whole milliseconds, as the LevelDB keys are (level/keys.ts padTime). */
export const atMs = (at: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(at)));

/** Under the write lock: the feed head and the stored heads of `chains` (undefined: no such chain). */
export async function lockForCommit(c: pg.PoolClient, ns: string, lock: readonly [number, number], chains: string[]): Promise<{ feedHead: number; heads: Map<string, Uint8Array | undefined> }> {
  const { rows } = await c.query<{ head_chain: string | null; head_value: Buffer | null; feed_head: number | null }>(
    `SELECT head_chain, head_value, feed_head FROM ${ns}.lock_for_commit($1, $2, $3)`, [lock[0], lock[1], chains]);
  const heads = new Map<string, Uint8Array | undefined>(chains.map((chain) => [chain, undefined]));
  let feedHead = 0;
  for (const r of rows) {
    if (r.head_chain === null) feedHead = r.feed_head!;
    else heads.set(r.head_chain, r.head_value!);
  }
  return { feedHead, heads };
}

export interface CommitRows {
  /** Puts with one record per id (ON CONFLICT refuses to touch a row twice). */
  puts: StoredRecord[];
  /** Object keys of the puts whose values go to object storage (uploaded already). */
  objectOf: Map<string, string>;
  /** Shared bodies the write uploads or names. */
  bodies: string[];
  /** Bodies the base found unnamed, to be marked for deletion if still so. */
  unreferenced: string[];
}

/** commit_write: every check and row of `write` in one statement; refusals as coded errors. */
export async function commitWrite(c: pg.ClientBase | pg.Pool, ns: string, write: BackendWrite, rows: CommitRows): Promise<{ unnamed: string[]; marked: string[] }> {
  const { puts, objectOf } = rows;
  const meta = [...new Map(write.meta.map((m) => [m.key, m.value])).entries()];
  const set = meta.filter(([, v]) => v !== undefined) as [string, Uint8Array][];
  const first = write.feed[0];
  const params: unknown[] = [
    first ? first.seq - 1 : null, write.checkpoint?.seq ?? null, write.checkpoint ? asBuffer(write.checkpoint.value) : null,
    write.heads.map((h) => h.chain), write.heads.map((h) => asBuffer(h.value)), write.heads.map((h) => (h.previous ? asBuffer(h.previous) : null)),
    write.del.map((r) => r.id),
    puts.map((r) => r.id), puts.map((r) => r.kind), puts.map((r) => r.sessionId), puts.map((r) => r.at), puts.map((r) => atMs(r.at)),
    puts.map((r) => r.url ?? null), puts.map((r) => r.shared === true), puts.map((r) => (r.blobs?.length ? r.blobs.join(',') : null)),
    puts.map((r) => r.customerKey ?? null),
    puts.map((r) => (objectOf.has(r.id) ? null : asBuffer(r.value))), puts.map((r) => objectOf.get(r.id) ?? null),
    rows.bodies, write.reviveBlobs ?? [],
    write.links.map((l) => l.chain), write.links.map((l) => l.index), write.links.map((l) => asBuffer(l.value)),
    write.feed.map((f) => f.seq), write.feed.map((f) => asBuffer(f.value)),
    set.map(([k]) => k), set.map(([, v]) => asBuffer(v)), meta.filter(([, v]) => v === undefined).map(([k]) => k),
    rows.unreferenced,
  ];
  try {
    const result = await c.query<{ unnamed_objects: string[]; marked_bodies: string[] }>(
      `SELECT unnamed_objects, marked_bodies FROM ${ns}.commit_write(${params.map((_, i) => `$${i + 1}`).join(', ')})`, params);
    return { unnamed: result.rows[0]!.unnamed_objects, marked: result.rows[0]!.marked_bodies };
  } catch (err) {
    const e = err as { code?: string; message?: string; detail?: string };
    if (e.code === CONFLICT_STATE) throw conflict(e.message ?? 'store', JSON.parse(e.detail ?? '{}') as Record<string, unknown>);
    if (e.code === BODY_DELETED_STATE) {
      throw new VerbatimError('BODY_DELETED', 'a shared body this write names was deleted by another writer', { states: JSON.parse(e.detail ?? '{}') });
    }
    throw err;
  }
}

/**
 * A write that moves chain heads, the feed or the checkpoint log, under the write lock, on a connection in pipeline
 * mode (above). `rebuild` gets the stored heads under the lock (the store rebases the write there when they moved).
 */
export async function lockedCommit(
  pool: pg.Pool, ns: string, lock: readonly [number, number], write: BackendWrite, rows: CommitRows,
  rebuild: (heads: Map<string, Uint8Array | undefined>, feedHead: number) => void,
): Promise<{ unnamed: string[]; marked: string[] }> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const [, { heads, feedHead }] = await Promise.all([client.query('BEGIN'), lockForCommit(client, ns, lock, write.heads.map((h) => h.chain))]);
    rebuild(heads, feedHead);
    const written = commitWrite(client, ns, write, rows);
    const committed = client.query('COMMIT');
    const [w, c] = await Promise.allSettled([written, committed]);
    if (w.status === 'rejected') throw w.reason;
    if (c.status === 'rejected') throw c.reason;
    return w.value;
  } catch (err) {
    // After a failed commit_write the transaction is over (its COMMIT rolled back): this only warns then.
    await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
    throw err;
  } finally {
    // A client whose rollback failed is in an unknown state: destroyed, not returned to the pool.
    client.release(broken);
  }
}
