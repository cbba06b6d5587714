/**
 * The scale-out backend: records, chains, checkpoints, the change feed and settings in PostgreSQL (tables in
 * schema.ts), shared bodies and large record values (event chunks) in an ObjectStorage (S3, or PgObjectStorage).
 *
 * A write: objects first, each durable before the rows that name them; then every row in one transaction; objects
 * that no row names any more are deleted after it committed (a crash in between leaves unnamed garbage, never a
 * row without its object).
 *
 * Several processes may write at once (multiWriter, the default). Each commit takes one transaction-scoped advisory
 * lock (WRITE_LOCK), so commits are applied one at a time across processes; inside it the commit reads the feed
 * head and the heads of the write's chains and, when another writer moved them, rebuilds the write on them as the
 * commit queue would (BackendWrite.rebase; the queue rebuilds its own copy alike once the write landed), then checks
 * that the feed head, each chain head and the checkpoint log are where the write says, and otherwise fails with
 * STORE_CONFLICT, which the commit queue answers by reloading those heads and rebuilding the write (a writer without
 * `rebase`, or a checkpoint another writer sealed first). The lock is held for the server's work only: one
 * function doing all of that, one statement in its own transaction, and the server never waits for this process
 * while it holds the lock (commit-sql.ts). That gives a feed 1, 2, 3, … with no gap (a sequence would leave gaps on
 * rollback) and no fork (two writers never both see seq N free), chains without forks (heads are compare-and-set;
 * links' primary key (chain, idx) refuses a second link at an index as a last line), and one checkpoint log. A session's read-modify-write (append events, link a
 * customer, erase) also holds a session-level advisory lock across processes (_exclusive). Shared bodies an erasure
 * left unnamed are deleted late, after a grace period, so that another writer's capture naming one meanwhile keeps it
 * (body-deletions.ts).
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { BatchedLookup } from './batched-lookup';
import { VerbatimError } from '../errors';
import { decodeHead, type Head } from '../integrity/link';
import { parseRecordId, type RecordKind } from '../record-ids';
import type { BackendWrite, CaptureLookup, SessionPage, StoredRecord } from '../base/backend';
import type { ObjectStorage } from '../base/object-storage';
import { StoreBase, type StoreBaseOptions } from '../base/store-base';
import type { Leadership } from '../leadership';
import { inTransaction, isConnectionError, poolConfigOf, resilientPool, unreachable, type PgConnection } from './pg-connection';
import { blobObject, pruneBodyDeletions, sweepBodies } from './body-deletions';
import { atMs, commitSql, commitWrite, conflict, lockedCommit } from './commit-sql';
import { startLeaderJob, type LeaderJob } from '../leader-job';
import { PgLeadership } from './pg-leadership';
import { PgObjectStorage } from './pg-object-storage';
import { PgSharedState, sharedStateSql } from './pg-shared-state';
import type { SharedState } from '../shared-state';
import { SCHEMA_VERSION, SCHEMA_VERSION_KEY, schemaSql } from './schema';

export interface PostgresStoreOptions extends StoreBaseOptions {
  /** `postgres://…` (`?schema=` names the schema) or a `pg` pool config. */
  connection: PgConnection;
  schema?: string;
  /** Where bodies and large values go; default a table in the same schema (PgObjectStorage). */
  objects?: ObjectStorage;
  /** close() also closes `objects` (the CLI's; a test that reopens keeps its own open). */
  closeObjects?: boolean;
  /** Several processes share the database (default true). False skips the cross-process locks. */
  multiWriter?: boolean;
  /** Record values larger than this many bytes go to object storage (default 16 KiB). */
  inlineLimit?: number;
  /** Connections for reads and commits (default 6). */
  poolSize?: number;
  /**
   * Connections holding session locks (multiWriter; default 8): how many sessions this instance can be in the middle
   * of appending to at once. Each holds its lock only for one read-modify-write.
   */
  sessionLocks?: number;
  /**
   * How long a shared body an erasure left unnamed stays in object storage before a sweep deletes it, ms (default 10
   * minutes): longer than a capture takes from its "already stored" check to its commit, so one in flight names the
   * body again instead of being refused. 0 deletes at the erasure's commit, as a single writer may.
   */
  bodyGraceMs?: number;
  /**
   * How often bodies whose grace ran out are swept, and deletions older than twice the grace pruned (default every
   * minute), by one instance at a time (the "body-deletions" job's leader).
   */
  sweepEveryMs?: number;
}

/** Advisory lock keys (the two-int form keeps them apart from anyone's single-key locks). */
const LOCK_SPACE = 0x5642_5354; // 'VBST'
const WRITE_LOCK = 1;
/** The write lock's key pair, for tools that watch it (the instances bench samples how long it is held). */
export const WRITE_LOCK_KEY: readonly [number, number] = [LOCK_SPACE, WRITE_LOCK];
const DDL_LOCK = 2;
const SESSION_LOCKS = 4;
/** Job leadership locks (pg-leadership.ts), one per job name. */
const JOB_LOCKS = 8;
/** Shared logs' append locks (pg-shared-state.ts), one per log name. */
const LOG_LOCKS = 16;
const PAGE = 500;
/** The commit queue writes one commit at a time; a second connection for a commit made beside it (tests, tools). */
const COMMIT_CONNECTIONS = 2;
const DEFAULT_BODY_GRACE_MS = 10 * 60_000;
/**
 * Under load a write waits this long for others to join it: each costs a round trip and the write lock
 * (commit-queue.ts). 10 ms: 2 and 4 instances served 15-37 % more requests per instance-CPU-second than without, the
 * lock held 57-59 % of the window instead of 74-79 %; 20 ms was no better at 2 and worse at 4 (README, #15).
 */
const DEFAULT_COMMIT_LINGER_MS = 10;
const UNIQUE_VIOLATION = '23505';

interface RecordRow {
  id: string;
  kind: RecordKind;
  session_id: string;
  at: number;
  url: string | null;
  shared: boolean;
  blobs: string[] | null;
  customer_key: string | null;
  value: Buffer | null;
  object: string | null;
}

const RECORD_COLUMNS = 'id, kind, session_id, at, url, shared, blobs, customer_key, value, object';
const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
/** Content in the key: a value rewritten under the same id gets a new object, the old one is deleted after commit. */
const recordObject = (id: string, value: Uint8Array): string => `records/${sha256Hex(id)}/${sha256Hex(value).slice(0, 32)}`;

export class PostgresStore extends StoreBase {
  protected readonly engine: { multiWriter: boolean; durable: boolean };
  readonly schema: string;
  private readonly config: pg.PoolConfig;
  private pool: pg.Pool | undefined;
  private lockPool: pg.Pool | undefined;
  /** Commits' connections (commit-sql.ts); one commit at a time per commit queue. */
  private commitPool: pg.Pool | undefined;
  private objects: ObjectStorage | undefined;
  private ownObjects: ObjectStorage | undefined;
  private readonly inlineLimit: number;
  private readonly leaders = new Map<string, PgLeadership>();
  private readonly shared: PgSharedState;
  private readonly bodyGraceMs: number;
  private sweepJob: LeaderJob | undefined;
  private sweeping: Promise<number> | undefined;

  constructor(private readonly pgOptions: PostgresStoreOptions) {
    // "Stored" is trusted for the grace period at most, so a deletion's row can be pruned later (body-deletions.ts).
    const grace = pgOptions.bodyGraceMs ?? DEFAULT_BODY_GRACE_MS;
    // A personal body is written without asking first whether it is there: the answer is nearly always no, and the
    // question a statement (StoreBaseOptions.lookUpPersonalBodies).
    super({ ...(grace > 0 ? { knownDigestsMaxAgeMs: grace } : {}), commitLingerMs: DEFAULT_COMMIT_LINGER_MS, lookUpPersonalBodies: false, ...pgOptions });
    const { config, schema } = poolConfigOf(pgOptions.connection, pgOptions.schema, pgOptions.poolSize ?? 6);
    this.config = config;
    this.schema = schema;
    this.shared = new PgSharedState(() => this.db, schema, LOCK_SPACE + LOG_LOCKS);
    this.engine = { multiWriter: pgOptions.multiWriter ?? true, durable: true };
    this.inlineLimit = pgOptions.inlineLimit ?? 16 * 1024;
    this.bodyGraceMs = grace;
  }

  /**
   * Deletes the shared bodies whose grace period ran out and that nothing names (body-deletions.ts); returns how many.
   * Runs every `sweepEveryMs` on each instance, and at once after an erasure's commit when the grace is 0.
   */
  sweepDeletedBodies(): Promise<number> {
    // One sweep at a time per instance; a caller during one waits for it and starts its own (it may find more).
    const run = async (): Promise<number> => {
      await this.sweeping?.catch(() => undefined);
      return sweepBodies({ pool: this.db, deletions: this.t('body_deletions'), records: this.t('records'), objects: this.store, graceMs: this.bodyGraceMs });
    };
    const sweep = run();
    this.sweeping = sweep;
    return sweep.finally(() => { if (this.sweeping === sweep) this.sweeping = undefined; });
  }

  /**
   * Removes the rows of bodies deleted longer ago than twice the grace period: no writer can still believe them
   * stored (body-deletions.ts, pruning). Run after each sweep by the job's leader; returns how many rows went.
   */
  pruneBodyDeletions(): Promise<number> {
    return pruneBodyDeletions(this.db, this.t('body_deletions'), 2 * this.bodyGraceMs);
  }

  private get db(): pg.Pool {
    if (!this.pool) throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { schema: this.schema });
    return this.pool;
  }

  private get commits(): pg.Pool {
    if (!this.commitPool) throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { schema: this.schema });
    return this.commitPool;
  }

  private get store(): ObjectStorage {
    if (!this.objects) throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { schema: this.schema });
    return this.objects;
  }

  private t(table: string): string {
    return `${this.schema}.${table}`;
  }

  // ---------------------------------------------------------------- lifecycle

  protected async _open(): Promise<void> {
    // Connections the server dropped (a restart) are replaced by the next query, never fatal (pg-connection.ts).
    const pool = resilientPool(this.config);
    this.pool = pool;
    try {
      if (this.options.readOnly) await this.assertSchemaExists();
      else await this.createSchema();
    } catch (err) {
      this.pool = undefined;
      await pool.end().catch(() => undefined);
      throw err instanceof VerbatimError ? err : new VerbatimError('STORE_NOT_OPEN', `could not open the PostgreSQL store (schema ${this.schema})`, { schema: this.schema }, { cause: err });
    }
    if (this.engine.multiWriter) {
      this.lockPool = resilientPool({ ...this.config, max: this.pgOptions.sessionLocks ?? 8 });
    }
    this.commitPool = resilientPool({ ...this.config, max: COMMIT_CONNECTIONS, pipeline: true });
    this.ownObjects = this.pgOptions.objects
      ? (this.pgOptions.closeObjects ? this.pgOptions.objects : undefined)
      : new PgObjectStorage({ pool, schema: this.schema });
    this.objects = this.pgOptions.objects ?? this.ownObjects;
    if (!this.options.readOnly) {
      // One instance at a time sweeps and prunes; a failed run leaves its rows for the next (here or on another).
      const everyMs = this.pgOptions.sweepEveryMs ?? 60_000;
      this.sweepJob = startLeaderJob({
        leadership: this.leadership('body-deletions'), everyMs,
        run: async () => { await this.sweepDeletedBodies(); await this.pruneBodyDeletions(); },
        onError: () => undefined,
      });
    }
  }

  /** Several writers: one instance per job, elected by a session-level advisory lock (pg-leadership.ts). */
  override leadership(job: string): Leadership {
    if (!this.engine.multiWriter) return super.leadership(job);
    let leader = this.leaders.get(job);
    if (!leader) this.leaders.set(job, (leader = new PgLeadership(this.config, LOCK_SPACE + JOB_LOCKS, job)));
    return leader;
  }

  /** Accounts, terminals, the audit trail: in this schema's documents and logs tables, seen by every instance. */
  protected override _sharedState(): SharedState {
    return this.shared;
  }

  /** DDL once, even when several instances start together (CREATE … IF NOT EXISTS races without the lock). */
  private async createSchema(): Promise<void> {
    await inTransaction(this.db, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, DDL_LOCK]);
      await c.query(schemaSql(this.schema));
      // The commit's functions, replaced on every open: a store of an older version gets them here (version 3).
      await c.query(commitSql(this.schema));
      await c.query(sharedStateSql(this.schema));
      const { rows } = await c.query<{ value: Buffer }>(`SELECT value FROM ${this.t('meta')} WHERE key = $1`, [SCHEMA_VERSION_KEY]);
      const stored = rows[0] ? Number(rows[0].value.toString()) : undefined;
      if (stored !== undefined && stored > SCHEMA_VERSION) {
        throw new VerbatimError('STORE_NOT_OPEN', `the store's tables are of a newer version (${stored}) than this Verbatim knows (${SCHEMA_VERSION}): upgrade Verbatim`, { schema: this.schema });
      }
      // An older version's tables were brought up to this one by schemaSql (only tables added so far).
      if (stored === undefined || stored < SCHEMA_VERSION) {
        await c.query(`INSERT INTO ${this.t('meta')} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [SCHEMA_VERSION_KEY, Buffer.from(String(SCHEMA_VERSION))]);
      }
    });
  }

  private async assertSchemaExists(): Promise<void> {
    const { rows } = await this.db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [this.t('records')]);
    if (!rows[0]?.found) throw new VerbatimError('STORE_NOT_OPEN', `no Verbatim store in schema ${this.schema} of this database`, { schema: this.schema });
  }

  protected async _close(): Promise<void> {
    const job = this.sweepJob;
    this.sweepJob = undefined;
    await job?.stop().catch(() => undefined);
    await this.sweeping?.catch(() => undefined);
    const [pool, locks, commits, own] = [this.pool, this.lockPool, this.commitPool, this.ownObjects];
    this.pool = undefined;
    this.lockPool = undefined;
    this.commitPool = undefined;
    this.objects = undefined;
    this.ownObjects = undefined;
    await Promise.all([...this.leaders.values()].map((l) => l.release()));
    await own?.close();
    await Promise.all([pool?.end(), locks?.end(), commits?.end()]);
  }

  /**
   * A failed transaction rolled back whole, and objects go up before the rows naming them: nothing torn to repair.
   * Writable again once the server and the object storage both answer (without the object storage's probe, a store
   * whose object store is down would reopen at once and hold the next write until its deadline, again and again).
   */
  protected async _recover(): Promise<void> {
    await this.db.query('SELECT 1');
    await this.objects?.probe?.();
  }

  /** The server down or restarting (not a wrong password, database or schema): start degraded, connect when it is back. */
  protected override _unreachable(err: unknown): boolean {
    return isConnectionError(err);
  }

  protected override async _exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const locks = this.lockPool;
    if (!locks) return fn();
    // A server gone (a restart) is a coded 503 to the caller (a recorder upload), not a bare 500.
    const client = await locks.connect().catch((err: unknown) => { throw unreachable(err); });
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_SPACE + SESSION_LOCKS, key])
        .catch((err: Error) => { broken = err; throw unreachable(err); });
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE + SESSION_LOCKS, key]).catch((e: Error) => { broken = e; });
      }
    } finally {
      // A connection that could not unlock is dropped: the server releases its locks with it.
      client.release(broken);
    }
  }

  // ---------------------------------------------------------------- writes

  protected async _commit(write: BackendWrite): Promise<void> {
    const objects = this.store;
    // Last put of an id wins (the commit queue never batches two, but ON CONFLICT refuses to touch a row twice).
    const puts = [...new Map(write.put.map((r) => [r.id, r])).values()];
    const large = puts.filter((r) => r.value.byteLength > this.inlineLimit).map((r) => ({ id: r.id, key: recordObject(r.id, r.value), value: r.value }));
    const objectOf = new Map(large.map((l) => [l.id, l.key]));
    await Promise.all([
      ...write.blobs.map((b) => objects.put(blobObject(b.digest), b.value)),
      ...large.map((l) => objects.put(l.key, l.value)),
    ]);
    const bodies = [...new Set([...write.blobs.map((b) => b.digest), ...puts.flatMap((r) => r.blobs ?? [])])];
    const rows = { puts, objectOf, bodies, unreferenced: write.deleteBlobs };
    const locked = this.engine.multiWriter && (write.feed.length > 0 || write.heads.length > 0 || write.checkpoint !== undefined);
    let done: { unnamed: string[]; marked: string[] };
    try {
      // Under the write lock: sent in one go, the server rebuilding the write on heads other writers moved; then the
      // commit queue's copy rebuilt on the heads it found (commit-sql.ts). Without it the write is one statement.
      done = !locked
        ? await commitWrite(this.commits, this.schema, write, rows)
        : await lockedCommit(this.commits, this.schema, WRITE_LOCK_KEY, write, rows, (heads, feedHead) => {
          if (write.rebase && (write.feed.length || write.heads.length) && this.stale(write, heads, feedHead)) write.rebase(heads, feedHead);
        });
    } catch (err) {
      // A second link at one index, feed entry or checkpoint seq: another writer's, so a conflict, not a failure.
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw conflict('chain, feed or checkpoint log', { constraint: (err as { constraint?: string }).constraint });
      throw err;
    }
    // The rows no longer name these: deleting them is tidying, and a failure here leaves garbage, not a dangling row.
    // Values of records are their own (content and id in the key); shared bodies wait for the sweep.
    const unnamed = new Set(done.unnamed);
    for (const key of objectOf.values()) unnamed.delete(key);
    if (unnamed.size) await objects.delete([...unnamed]).catch(() => undefined);
    if (done.marked.length && this.bodyGraceMs === 0) await this.sweepDeletedBodies().catch(() => undefined);
  }

  /**
   * Whether another writer moved a chain head of this write or the feed since this one built it (the heads
   * commit_locked found under the write lock): then the server stored the write rebuilt on them, and the commit
   * queue's copy is rebuilt alike (commit-queue.ts), so it landed at once instead of being refused and retried.
   */
  private stale(write: BackendWrite, stored: Map<string, Uint8Array | undefined>, feedHead: number): boolean {
    const first = write.feed[0];
    return (first !== undefined && first.seq !== feedHead + 1)
      || write.heads.some((h) => {
        const now = stored.get(h.chain);
        return h.previous === undefined ? now !== undefined : now === undefined || !Buffer.from(h.previous).equals(now);
      });
  }

  // ---------------------------------------------------------------- records

  private async toRecord(row: RecordRow, lenient = false): Promise<StoredRecord> {
    let value: Uint8Array | undefined = row.value ?? undefined;
    if (row.object !== null) {
      value = await this.store.get(row.object);
      if (value === undefined) {
        // verify reads every record: it reports the value digest that no longer matches, rather than stopping.
        if (lenient) value = new Uint8Array(0);
        else throw new VerbatimError('STORE_CORRUPT', 'a record\'s value is missing from object storage', { id: row.id, object: row.object });
      }
    }
    return {
      id: row.id, kind: row.kind, sessionId: row.session_id, at: row.at, value: value!,
      ...(row.url !== null ? { url: row.url } : {}),
      ...(row.kind === 'capture' ? { shared: row.shared } : {}),
      ...(row.blobs?.length ? { blobs: row.blobs } : {}),
      ...(row.customer_key !== null ? { customerKey: row.customer_key } : {}),
    };
  }

  private async records(sql: string, params: unknown[]): Promise<StoredRecord[]> {
    const { rows } = await this.db.query<RecordRow>(sql, params);
    return Promise.all(rows.map((r) => this.toRecord(r)));
  }

  protected async _get(id: string): Promise<StoredRecord | undefined> {
    const [record] = await this.records(`SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE id = $1`, [id]);
    return record;
  }

  protected async _getMany(ids: string[]): Promise<(StoredRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const found = await this.records(`SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE id = ANY($1::text[])`, [ids]);
    const byId = new Map(found.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  }

  protected _has(id: string): Promise<boolean> {
    return this.hasLookup.get(id);
  }

  /** Existence checks asked for in one turn share a statement (batched-lookup.ts). */
  private readonly hasLookup = new BatchedLookup<boolean>(async (ids) => {
    const { rows } = ids.length === 1
      ? await this.db.query<{ id: string }>(`SELECT id FROM ${this.t('records')} WHERE id = $1`, ids)
      : await this.db.query<{ id: string }>(`SELECT id FROM ${this.t('records')} WHERE id = ANY($1::text[])`, [ids]);
    return new Map(rows.map((r) => [r.id, true]));
  }, false);

  protected _list(kind: RecordKind, sessionId: string): Promise<StoredRecord[]> {
    return this.records(`SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE session_id = $1 AND kind = $2 ORDER BY at_ms, id`, [sessionId, kind]);
  }

  protected _listSessions(page: SessionPage): Promise<StoredRecord[]> {
    const limit = page.limit >= Number.MAX_SAFE_INTEGER ? null : page.limit;
    if (!page.below) {
      return this.records(`SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE kind = 'session' ORDER BY at_ms DESC, session_id DESC LIMIT $1`, [limit]);
    }
    return this.records(
      `SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE kind = 'session' AND (at_ms, session_id) < ($1::int8, $2::text COLLATE "C")
       ORDER BY at_ms DESC, session_id DESC LIMIT $3`, [atMs(page.below.at), page.below.id, limit]);
  }

  protected async _findCapture(q: CaptureLookup): Promise<StoredRecord | undefined> {
    const scope = q.sessionId !== undefined ? 'session_id = $3' : 'shared';
    const [cmp, order] = q.direction === 'after' ? ['>', 'ASC'] : ['<=', 'DESC'];
    const [record] = await this.records(
      `SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE kind = 'capture' AND url = $1 AND ${scope} AND at_ms ${cmp} $2
       ORDER BY at_ms ${order}, id ${order} LIMIT 1`, [q.url, atMs(q.at), ...(q.sessionId !== undefined ? [q.sessionId] : [])]);
    return record;
  }

  protected async _sessionsByCustomer(customerKey: string): Promise<string[]> {
    const { rows } = await this.db.query<{ session_id: string }>(
      `SELECT session_id FROM ${this.t('records')} WHERE customer_key = $1 AND kind = 'customer' ORDER BY session_id`, [customerKey]);
    return rows.map((r) => r.session_id);
  }

  protected async *_records(): AsyncIterable<StoredRecord> {
    let after = '';
    for (;;) {
      const { rows } = await this.db.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM ${this.t('records')} WHERE id > $1 ORDER BY id LIMIT ${PAGE}`, [after]);
      for (const row of rows) yield await this.toRecord(row, true);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  /**
   * Rows whose lookup columns contradict their id (kind, owning session): such a row would list a record under
   * another session or kind. The id is what the chain commits to, so it is the reference.
   */
  protected override async *_indexProblems(): AsyncIterable<{ key: string; message: string }> {
    let after = '';
    for (;;) {
      const { rows } = await this.db.query<{ id: string; kind: string; session_id: string }>(
        `SELECT id, kind, session_id FROM ${this.t('records')} WHERE id > $1 ORDER BY id LIMIT ${PAGE}`, [after]);
      for (const row of rows) {
        const parsed = parseRecordId(row.id);
        if (!parsed || parsed.kind !== row.kind || parsed.sessionId !== row.session_id) {
          yield { key: row.id, message: `row ${row.id} is indexed as ${row.kind} of session "${row.session_id}": it was altered` };
        }
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.id;
    }
  }

  // ---------------------------------------------------------------- blobs

  protected _getBlob(digest: string): Promise<Uint8Array | undefined> {
    return this.store.get(blobObject(digest));
  }

  protected _hasBlobs(digests: string[]): Promise<boolean[]> {
    return this.store.has(digests.map(blobObject));
  }

  protected async _blobReferrers(digest: string, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(`SELECT id FROM ${this.t('records')} WHERE blobs @> ARRAY[$1::text] LIMIT $2`, [digest, limit]);
    return rows.map((r) => r.id);
  }

  // ---------------------------------------------------------------- ledger, feed, meta

  protected async _heads(): Promise<Map<string, Head>> {
    const { rows } = await this.db.query<{ chain: string; value: Buffer }>(`SELECT chain, value FROM ${this.t('heads')}`);
    const heads = new Map<string, Head>();
    for (const row of rows) {
      const head = decodeHead(row.value);
      if (head) heads.set(row.chain, head);
    }
    return heads;
  }

  protected async _head(chain: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ value: Buffer }>(`SELECT value FROM ${this.t('heads')} WHERE chain = $1`, [chain]);
    return rows[0]?.value;
  }

  protected async *_links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }> {
    let after = -1;
    for (;;) {
      const { rows } = await this.db.query<{ idx: number; value: Buffer }>(
        `SELECT idx, value FROM ${this.t('links')} WHERE chain = $1 AND idx > $2 ORDER BY idx LIMIT ${PAGE}`, [chain, after]);
      for (const row of rows) yield { index: row.idx, value: row.value };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.idx;
    }
  }

  protected async _chainIds(): Promise<string[]> {
    const { rows } = await this.db.query<{ chain: string }>(`SELECT chain FROM ${this.t('heads')} ORDER BY chain`);
    return rows.map((r) => r.chain);
  }

  protected async _checkpoints(afterSeq = 0): Promise<{ seq: number; value: Uint8Array }[]> {
    const { rows } = await this.db.query<{ seq: number; value: Buffer }>(`SELECT seq, value FROM ${this.t('checkpoints')} WHERE seq > $1 ORDER BY seq`, [afterSeq]);
    return rows;
  }

  protected async _feedHead(): Promise<number> {
    const { rows } = await this.db.query<{ head: number }>(`SELECT coalesce(max(seq), 0)::int8 AS head FROM ${this.t('feed')}`);
    return rows[0]!.head;
  }

  protected async _readFeed(afterSeq: number, limit: number): Promise<Uint8Array[]> {
    const { rows } = await this.db.query<{ value: Buffer }>(`SELECT value FROM ${this.t('feed')} WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return rows.map((r) => r.value);
  }

  protected async _getMeta(key: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ value: Buffer }>(`SELECT value FROM ${this.t('meta')} WHERE key = $1`, [key]);
    return rows[0]?.value;
  }

  protected override async *_metaEntries(): AsyncIterable<{ key: string; value: Uint8Array }> {
    const { rows } = await this.db.query<{ key: string; value: Buffer }>(`SELECT key, value FROM ${this.t('meta')} ORDER BY key`);
    yield* rows;
  }

  /** The store's tables (indexes and TOAST included) plus what object storage reports. */
  protected async _diskUsage(): Promise<number> {
    const tables = ['records', 'links', 'heads', 'feed', 'checkpoints', 'meta'].map((t) => this.t(t));
    const { rows } = await this.db.query<{ bytes: number }>(
      'SELECT coalesce(sum(pg_total_relation_size(t::regclass)), 0)::int8 AS bytes FROM unnest($1::text[]) AS t', [tables]);
    return rows[0]!.bytes + await this.store.usage();
  }
}
