/**
 * A commit's work as server-side functions (created with the schema at every open), so that the write lock every
 * commit of a shared store takes is held for the server's own work only (issue #15: with four instances each commit
 * waited 0.7–1.6 s for the lock when it was held through ~10 round trips, each waiting for a busy instance's CPU):
 *
 *   SELECT … FROM commit_locked(…)     one statement in its own implicit transaction: the lock; the feed head and
 *                                      the write's chain heads; where another writer moved them, the write rebuilt
 *                                      on them (as BackendWrite.rebase rebuilds it); then commit_write: every check
 *                                      and every row. The transaction ends with the statement (committed, or rolled
 *                                      back when it failed), and the transaction-scoped lock with it.
 *
 * So the lock never waits for this process: a process busy serving requests answers its sockets late (an event-loop
 * delay of 10–16 ms on average on a loaded machine), and before commit_locked the lock waited for it once per commit
 * (lock_for_commit's answer, the rebuild and sending the write: about half of the hold). The
 * heads and feed head found under the lock come back with the answer; the commit queue then rebuilds its copy of
 * the write on them, which gives the links and entries the server stored (the same hashes, seqs and times).
 * lock_for_commit (the lock and the heads' read alone) stays for instances of the previous version during a rolling
 * upgrade: both take the same lock.
 *
 * A write that needs no lock (no chain, feed or checkpoint: settings, or one writer) is commit_write alone, one
 * statement in its own implicit transaction, so one round trip in all.
 *
 * The lock and the read are in one function because a plain statement could not do both: its snapshot is taken when
 * it starts, before it waits for the lock, so it would miss the commits made while it waited. A VOLATILE PL/pgSQL
 * function takes a new snapshot for each statement it runs (READ COMMITTED), so its reads follow the lock.
 *
 * commit_write keeps every guarantee of postgres-store.ts's header, in the same order as the statements it replaced:
 * the feed head and the checkpoint log must be where the write says (else STORE_CONFLICT), chain heads move by
 * compare-and-set (else STORE_CONFLICT; links' and feed's primary keys refuse a fork as a last line: 23505, which the
 * store maps to STORE_CONFLICT), and shared bodies the write uploads or names are claimed from body_deletions under
 * their rows' locks (body-deletions.ts: a marked body is named again, a deleting or deleted one refuses the write with
 * BODY_DELETED unless revived). A rebuild by commit_locked only renumbers and relinks before those checks, which then
 * pass or refuse as for any write. It returns the objects no row names any more (for deletion after the commit) and
 * the bodies it marked for deletion. Its refusals are raised with SQLSTATEs of our own (below), their context as JSON.
 */
import type pg from 'pg';
import type { BackendWrite, StoredRecord } from '../base/backend';
import { VerbatimError } from '../errors';

/** SQLSTATEs raised by commit_write: another writer moved a head first; a body this write names was deleted. */
const CONFLICT_STATE = 'VB409';
const BODY_DELETED_STATE = 'VB410';
/** Statements the server refused for their content: the connection stays usable (a unique violation is a fork). */
const REFUSALS = new Set([CONFLICT_STATE, BODY_DELETED_STATE, '23505']);

/** The write's parameters, in commitParams' order: commit_write takes them, commit_locked passes them on. */
const WRITE_PARAMS = `  w_feed_after int8, w_checkpoint_seq int8, w_checkpoint_value bytea,
  w_head_chains text[], w_head_values bytea[], w_head_previous bytea[],
  w_del_ids text[],
  w_put_ids text[], w_put_kinds text[], w_put_sessions text[], w_put_ats float8[], w_put_at_ms int8[], w_put_urls text[],
  w_put_shared bool[], w_put_blobs text[], w_put_customers text[], w_put_values bytea[], w_put_objects text[],
  w_bodies text[], w_revive text[],
  w_link_chains text[], w_link_idx int8[], w_link_values bytea[],
  w_feed_seqs int8[], w_feed_values bytea[],
  w_meta_keys text[], w_meta_values bytea[], w_meta_gone text[],
  w_unreferenced text[])`;

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
${WRITE_PARAMS}
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

-- The lock, the heads' read, the rebuild and the write in one statement: the lock is held for the server's own work
-- only. A write built on a feed head or chain heads another writer moved since is rebuilt here as
-- BackendWrite.rebase rebuilds it (w_rebase: the writer allows it): the feed entries renumbered after the stored
-- head, each moved chain's links relinked from its stored head (link.ts: hash_i = SHA-256("vbl2" ‖ hash_{i-1} ‖ op
-- ‖ SHA-256(id) ‖ value digest); a link keeps its value digest, op and id). It returns the heads it found, so the
-- writer rebuilds its copy of the write alike once it has landed.
CREATE OR REPLACE FUNCTION ${ns}.commit_locked(
  lock_space int4, lock_key int4, w_rebase bool,
${WRITE_PARAMS}
  RETURNS TABLE (found_heads bytea[], found_feed int8, unnamed_objects text[], marked_bodies text[]) LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_found bytea[];
  v_feed int8;
  v_hash bytea[];
  v_count int8[];
  v_stale bool[];
  v_any bool := false;
  v_text text;
  j int;
  v_result record;
BEGIN
  PERFORM pg_advisory_xact_lock(lock_space, lock_key);
  -- A new snapshot, taken after the lock was granted (as in lock_for_commit).
  v_found := ARRAY(SELECT h.value FROM unnest(w_head_chains) WITH ORDINALITY AS c(chain, n)
    LEFT JOIN ${ns}.heads h ON h.chain = c.chain ORDER BY c.n);
  SELECT coalesce(max(f.seq), 0)::int8 INTO v_feed FROM ${ns}.feed f;
  IF w_rebase THEN
    IF w_feed_after IS NOT NULL AND w_feed_after <> v_feed THEN
      FOR i IN 1 .. cardinality(w_feed_seqs) LOOP
        w_feed_seqs[i] := v_feed + i;
        -- change-feed entries end with their place: …,"seq":N,"at":T} (commit-queue.ts)
        v_text := convert_from(w_feed_values[i], 'UTF8');
        IF v_text !~ ',"seq":[0-9]+,"at":[0-9]+}$' THEN
          RAISE EXCEPTION USING ERRCODE = '${CONFLICT_STATE}', MESSAGE = 'change feed', DETAIL = json_build_object('head', v_feed, 'expected', w_feed_after)::text;
        END IF;
        w_feed_values[i] := convert_to(regexp_replace(v_text, ',"seq":[0-9]+,"at":([0-9]+)}$', ',"seq":' || (v_feed + i) || ',"at":\\1}'), 'UTF8');
      END LOOP;
      w_feed_after := v_feed;
    END IF;
    FOR j IN 1 .. cardinality(w_head_chains) LOOP
      v_stale[j] := v_found[j] IS DISTINCT FROM w_head_previous[j];
      IF v_stale[j] THEN
        v_any := true;
        v_count[j] := CASE WHEN v_found[j] IS NULL THEN 0 ELSE ('x' || encode(substring(v_found[j] FROM 1 FOR 6), 'hex'))::bit(48)::int8 END;
        v_hash[j] := CASE WHEN v_found[j] IS NULL THEN '\\x${'00'.repeat(32)}'::bytea ELSE substring(v_found[j] FROM 7) END;
      END IF;
    END LOOP;
    IF v_any THEN
      FOR i IN 1 .. cardinality(w_link_chains) LOOP
        j := array_position(w_head_chains, w_link_chains[i]);
        IF v_stale[j] THEN
          -- link value: hash(32) ‖ value digest(32) ‖ op(1) ‖ id
          v_hash[j] := sha256('\\x76626c32'::bytea || v_hash[j] || substring(w_link_values[i] FROM 65 FOR 1)
            || sha256(substring(w_link_values[i] FROM 66)) || substring(w_link_values[i] FROM 33 FOR 32));
          w_link_values[i] := v_hash[j] || substring(w_link_values[i] FROM 33);
          w_link_idx[i] := v_count[j];
          v_count[j] := v_count[j] + 1;
        END IF;
      END LOOP;
      FOR j IN 1 .. cardinality(w_head_chains) LOOP
        IF v_stale[j] THEN
          w_head_values[j] := substring(int8send(v_count[j]) FROM 3) || v_hash[j];
          w_head_previous[j] := v_found[j];
        END IF;
      END LOOP;
    END IF;
  END IF;
  SELECT * INTO v_result FROM ${ns}.commit_write(w_feed_after, w_checkpoint_seq, w_checkpoint_value,
    w_head_chains, w_head_values, w_head_previous, w_del_ids,
    w_put_ids, w_put_kinds, w_put_sessions, w_put_ats, w_put_at_ms, w_put_urls,
    w_put_shared, w_put_blobs, w_put_customers, w_put_values, w_put_objects, w_bodies, w_revive,
    w_link_chains, w_link_idx, w_link_values, w_feed_seqs, w_feed_values,
    w_meta_keys, w_meta_values, w_meta_gone, w_unreferenced);
  RETURN QUERY SELECT v_found, v_feed, v_result.unnamed_objects, v_result.marked_bodies;
END $fn$;
`;

/** Another writer moved a head, the feed or the checkpoint log first: the commit queue reloads and rebuilds. */
export const conflict = (what: string, context: Record<string, unknown> = {}): VerbatimError =>
  new VerbatimError('STORE_CONFLICT', `another writer moved the ${what} first`, { what, ...context });

const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
/** Records are ordered and looked up by whole milliseconds, as the LevelDB keys are (level/keys.ts padTime). */
export const atMs = (at: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(at)));

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

/** commit_write's parameters, in its order (commit_locked takes them after the lock and whether to rebuild). */
function commitParams(write: BackendWrite, rows: CommitRows): unknown[] {
  const { puts, objectOf } = rows;
  const meta = [...new Map(write.meta.map((m) => [m.key, m.value])).entries()];
  const set = meta.filter(([, v]) => v !== undefined) as [string, Uint8Array][];
  const first = write.feed[0];
  return [
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
}

const call = (ns: string, fn: string, columns: string, params: unknown[]): string =>
  `SELECT ${columns} FROM ${ns}.${fn}(${params.map((_, i) => `$${i + 1}`).join(', ')})`;

/** commit_write: every check and row of `write` in one statement; refusals as coded errors. */
export async function commitWrite(c: pg.ClientBase | pg.Pool, ns: string, write: BackendWrite, rows: CommitRows): Promise<{ unnamed: string[]; marked: string[] }> {
  const params = commitParams(write, rows);
  try {
    const result = await c.query<{ unnamed_objects: string[]; marked_bodies: string[] }>(call(ns, 'commit_write', 'unnamed_objects, marked_bodies', params), params);
    return { unnamed: result.rows[0]!.unnamed_objects, marked: result.rows[0]!.marked_bodies };
  } catch (err) {
    throw refusal(err);
  }
}

/** commit_write's refusals (its SQLSTATEs) as coded errors; any other error as it is. */
function refusal(err: unknown): unknown {
  const e = err as { code?: string; message?: string; detail?: string };
  if (e.code === CONFLICT_STATE) return conflict(e.message ?? 'store', JSON.parse(e.detail ?? '{}') as Record<string, unknown>);
  if (e.code === BODY_DELETED_STATE) {
    return new VerbatimError('BODY_DELETED', 'a shared body this write names was deleted by another writer', { states: JSON.parse(e.detail ?? '{}') });
  }
  return err;
}

/**
 * A write that moves chain heads, the feed or the checkpoint log, under the write lock: commit_locked as one statement
 * (an implicit transaction), so the server takes the lock, rebuilds the write on the stored heads where another
 * writer moved them (`rebase`: the writer allows it), writes it and commits without waiting for this process. It
 * was BEGIN, the call and COMMIT: three statements (three socket writes) for the same transaction, and socket writes
 * were the largest part of an instance's CPU beyond the embedded store's (issue #15's profiles). `rebuild` then gets
 * the heads and feed head found under the lock, so the writer's copy of the write becomes the one stored (the store
 * rebases it when they moved).
 */
export async function lockedCommit(
  pool: pg.Pool, ns: string, lock: readonly [number, number], write: BackendWrite, rows: CommitRows,
  rebuild: (heads: Map<string, Uint8Array | undefined>, feedHead: number) => void,
): Promise<{ unnamed: string[]; marked: string[] }> {
  const chains = write.heads.map((h) => h.chain);
  const params = [lock[0], lock[1], write.rebase !== undefined, ...commitParams(write, rows)];
  const client = await pool.connect();
  let broken: Error | undefined;
  let row: { found_heads: (Buffer | null)[]; found_feed: string; unnamed_objects: string[]; marked_bodies: string[] };
  try {
    row = (await client.query<typeof row>(call(ns, 'commit_locked', 'found_heads, found_feed, unnamed_objects, marked_bodies', params), params)).rows[0]!;
  } catch (err) {
    // A refusal leaves the connection idle (its transaction rolled back with the statement); after anything else
    // (the connection lost, the server going down) it is not returned to the pool.
    if (!REFUSALS.has((err as { code?: string }).code ?? '')) broken = err as Error;
    throw refusal(err);
  } finally {
    client.release(broken);
  }
  rebuild(new Map(chains.map((chain, i) => [chain, row.found_heads[i] ?? undefined])), Number(row.found_feed));
  return { unnamed: row.unnamed_objects, marked: row.marked_bodies };
}
