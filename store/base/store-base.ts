/**
 * StoreBase: the VerbatimStore contract implemented once, over a small backend interface (the underscored methods).
 * Everything that must behave the same on every backend lives here: validation, encoding and sealing, per-session
 * serialisation, the hash chains and checkpoints, the change feed, erasure and holds, caches, and recovery after a
 * failed write. A backend (level/, memory/, later PostgreSQL + S3) only stores and indexes opaque values.
 */
import { join } from 'node:path';
import { encodeValue, sha256Hex, withCodec, CODEC_RAW, decodeValue } from '../blob-codec';
import type { StoreCapabilities } from '../capabilities';
import type { Change, ChangeListener } from '../change-feed';
import { DeflateWorker } from '../deflate-worker';
import { VerbatimError } from '../errors';
import { ChainHeads } from '../integrity/chain-heads';
import { readEvidence, type EvidenceProof } from '../integrity/evidence';
import { retentionCutoff, retentionEnded, signTombstone } from '../integrity/erasure';
import { Keyring } from '../integrity/keyring';
import { decodeHead, type Head } from '../integrity/link';
import { openCheckpoint, type StoredCheckpoint } from '../integrity/checkpoint';
import { Sealer } from '../integrity/sealer';
import { loadOrCreateSigningKey, type SigningKey } from '../integrity/signing-key';
import { WITNESS_FILE } from '../integrity/witness';
import { KeyedSerializer } from '../keyed-serializer';
import { LruSet } from '../lru-set';
import { RecordId, STORE_CHAIN, type RecordKind } from '../record-ids';
import type {
  CaptureQuery, CapturedResource, CustomerLink, Digest, EventBatch, HoldTarget, LegalHold, RetentionPolicy, Session,
  SessionInit, SessionListQuery, SessionNote, Tombstone, WebSocketMessage,
} from '../records';
import type { BlobOptions, EncodedBlob, Progress, SealSummary, StoreHealth, VerbatimStore } from '../store';
import { applyBatch, firstEventAt } from '../apply-batch';
import { assertBatch, assertCapture, assertId, assertNote, assertSessionInit, assertUrl, assertWebSocketMessage } from '../validate';
import type { BackendWrite, CaptureLookup, RecordKey, SessionPage, StoredRecord } from './backend';
import { emptyWrite, recordKeyOf } from './backend';
import { BlobCache } from './blob-cache';
import { pastDeletedBodies } from './body-revival';
import { CommitQueue, type WriteGroup } from './commit-queue';
import { RecordCodec } from './record-codec';
import { AuditReader } from './audit-reader';
import type { BackendPort } from './backend-port';
import { soleLeadership, type Leadership } from '../leadership';
import type { SharedState } from '../shared-state';

export interface IntegrityOptions {
  /** Where the Ed25519 signing key lives (<data>/keys); created 0700. */
  keysDir: string;
  /** Append-only log of checkpoint hashes outside the store (default <keysDir>/checkpoint-head). */
  witnessPath?: string;
  /** 0 turns periodic sealing off. Default 60 s. */
  sealIntervalMs?: number;
  /** Checkpoint origin line and key name. */
  origin?: string;
  /** Per-session keys (integrity/keyring.ts): session records and personal bodies are then sealed at rest. */
  keyringDir?: string;
}

export interface StoreBaseOptions {
  /** zlib level for blobs stored with `compress: true`; 1 (fastest) keeps per-capture CPU low. */
  blobCompressionLevel?: number;
  /** How many digests to remember as stored, so repeated bodies skip the write. */
  knownDigests?: number;
  /**
   * How long a shared body remembered as stored is trusted before the backend is asked again (default: until it is
   * forgotten). With several writers, another may delete the body meanwhile: a bound lets the backend forget its
   * deletions after a while (postgres/body-deletions.ts, pruning).
   */
  knownDigestsMaxAgeMs?: number;
  /** Deflate on a worker thread (default) rather than with Node's async zlib. */
  deflateOnWorker?: boolean;
  /** Soft cap on bytes per backend write. */
  maxWriteBytes?: number;
  /**
   * Whether a personal body this instance has not met is looked up before it is sealed and written (default true).
   * A backend whose lookup is a round trip turns it off (PostgreSQL: at 4 instances these lookups were about half of
   * all statements): a personal body is nearly always new (a page's HTML differs per load), so the lookup costs a
   * statement to find nothing; one written again is a rewrite of the same record, the same plaintext under a second
   * chain link, as a session record's rewrites are.
   */
  lookUpPersonalBodies?: boolean;
  /** Under load, how long a write waits for more to join it (commit-queue.ts); 0 or unset: never. */
  commitLingerMs?: number;
  /** Signed checkpoints, erasure and sealing at rest (integrity/). Records are hash-chained either way. */
  integrity?: IntegrityOptions;
  /** Opened only to read (verify, evidence of a stopped store): no seals, no writes. */
  readOnly?: boolean;
  /** After a failed write, how long to wait between attempts to make the backend writable again. Default 1 s. */
  recoveryIntervalMs?: number;
  /**
   * open() resolves even when the backend cannot be opened because it cannot be written (a full disk, an unwritable
   * directory): the store starts degraded — writes refused (507), reads 503 — and keeps trying to open every
   * recoveryIntervalMs. A proxy in front of customers then starts and passes pages unrecorded instead of staying
   * down. Off by default: verify, export and one-shot commands want the error.
   */
  openDegraded?: boolean;
  /**
   * Test hook, called before each backend write. Throwing (or rejecting) makes that write fail as a full disk
   * would, which sends the store into recovery.
   */
  beforeWrite?: (write: BackendWrite) => void | Promise<void>;
}

type State = 'closed' | 'opening' | 'open' | 'degraded' | 'closing';

/** Event chunks are few and compress ~10×, so they get zlib's default effort. */
const EVENT_COMPRESSION_LEVEL = 6;
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;
const FORMAT_KEY = 'format';
export const STORE_FORMAT = 'verbatim-store/2';
const holdKey = (t: HoldTarget, blind: string | undefined): string => ('sessionId' in t ? `hold/s/${t.sessionId}` : `hold/c/${blind}`);

export abstract class StoreBase implements VerbatimStore {
  private state: State = 'closed';
  private transition: Promise<void> | undefined;
  private degraded: { since: number; reason: string } | undefined;
  private readonly active = new Set<Promise<unknown>>();
  private readonly blobs: BlobCache;
  /** Personal bodies known stored (body/<sid>/<digest> ids). */
  private readonly knownPersonal: LruSet;
  private readonly pendingPersonal = new Map<string, Promise<void>>();
  /** Large shared bodies being hashed off-thread, before their write is registered. */
  private readonly hashing = new Set<Promise<unknown>>();
  /** Sessions known to exist (captures and messages need one); erased ones are dropped. */
  private readonly liveSessions = new LruSet(20_000);
  private readonly erasing = new Set<string>();
  private readonly sessions = new KeyedSerializer();
  private readonly chains = new ChainHeads();
  private readonly queue: CommitQueue;
  private readonly deflater: DeflateWorker | undefined;
  private readonly keyring: Keyring | undefined;
  private readonly codec: RecordCodec;
  private readonly listeners = new Set<ChangeListener>();
  private sealer: Sealer | undefined;
  private sealTimer: NodeJS.Timeout | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private signingKey: SigningKey | undefined;
  private unsealedAtOpen = false;
  /** The backend opened and the ledger loaded at least once since open() (false while opened degraded). */
  private loaded = false;

  /** What the engine itself can do; the base adds what depends on configuration. */
  protected abstract readonly engine: Pick<StoreCapabilities, 'multiWriter' | 'durable'>;

  constructor(protected readonly options: StoreBaseOptions = {}) {
    this.blobs = new BlobCache(options.knownDigests ?? 50_000, options.knownDigestsMaxAgeMs);
    this.knownPersonal = new LruSet(options.knownDigests ?? 50_000);
    this.deflater = options.deflateOnWorker === false ? undefined : new DeflateWorker();
    this.keyring = options.integrity?.keyringDir ? new Keyring(options.integrity.keyringDir) : undefined;
    this.codec = new RecordCodec(this.keyring, (bytes, level) => this.deflate(bytes, level));
    this.queue = new CommitQueue(
      {
        commit: async (write) => {
          await this.options.beforeWrite?.(write);
          await this._commit(write);
        },
        blobReferrers: (digest, limit) => this._blobReferrers(digest, limit),
        reload: async (chains) => {
          const heads = new Map<string, Head | undefined>();
          for (const chain of chains) {
            const stored = await this._head(chain);
            heads.set(chain, stored === undefined ? undefined : decodeHead(stored));
          }
          return { heads, feedHead: await this._feedHead() };
        },
      },
      this.chains, this.blobs,
      (changes) => this.deliver(changes),
      (err) => this.enterRecovery(err as VerbatimError),
      options.maxWriteBytes,
      options.commitLingerMs,
    );
  }

  /** Single writer: this instance is the only one, so it leads every job. PostgresStore elects one (pg-leadership.ts). */
  leadership(job: string): Leadership {
    return soleLeadership(job);
  }

  /** Shared documents and logs (shared-state.ts); UNSUPPORTED where the backend has none (`supports.sharedState`). */
  sharedState(): SharedState {
    const state = this._sharedState();
    if (!state) throw new VerbatimError('UNSUPPORTED', 'this store keeps no shared state');
    return state;
  }

  protected _sharedState(): SharedState | undefined {
    return undefined;
  }

  get supports(): StoreCapabilities {
    const signed = this.options.integrity !== undefined;
    return {
      personalBodies: this.keyring !== undefined,
      encryption: this.keyring !== undefined,
      integrity: signed,
      holds: true,
      erasure: signed,
      changeFeed: true,
      customerIndex: true,
      notes: true,
      sharedState: this._sharedState() !== undefined,
      ...this.engine,
    };
  }

  // ---------------------------------------------------------------- backend interface

  protected abstract _open(): Promise<void>;
  protected abstract _close(): Promise<void>;
  /** After a failed write: make the backend safe to write again (LevelDB: reopen, dropping a torn log tail). */
  protected abstract _recover(): Promise<void>;
  /** Applies one write atomically (blobs first where they cannot share the transaction). */
  protected abstract _commit(write: BackendWrite): Promise<void>;
  protected abstract _get(id: string): Promise<StoredRecord | undefined>;
  protected abstract _getMany(ids: string[]): Promise<(StoredRecord | undefined)[]>;
  protected abstract _has(id: string): Promise<boolean>;
  /** A session's records of one kind, ordered by (at, id). */
  protected abstract _list(kind: RecordKind, sessionId: string): Promise<StoredRecord[]>;
  /** Session records, newest first by (startedAt, id). */
  protected abstract _listSessions(page: SessionPage): Promise<StoredRecord[]>;
  protected abstract _findCapture(query: CaptureLookup): Promise<StoredRecord | undefined>;
  protected abstract _sessionsByCustomer(customerKey: string): Promise<string[]>;
  /** A shared body as stored (codec byte + payload). */
  protected abstract _getBlob(digest: string): Promise<Uint8Array | undefined>;
  protected abstract _hasBlobs(digests: string[]): Promise<boolean[]>;
  protected abstract _blobReferrers(digest: string, limit: number): Promise<string[]>;
  protected abstract _heads(): Promise<Map<string, Head>>;
  protected abstract _head(chain: string): Promise<Uint8Array | undefined>;
  protected abstract _links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }>;
  protected abstract _chainIds(): Promise<string[]>;
  /** Signed checkpoints by seq; a backend may leave out those up to `afterSeq` (the base filters either way). */
  protected abstract _checkpoints(afterSeq?: number): Promise<{ seq: number; value: Uint8Array }[]>;
  /** Every record, any order (verify). */
  protected abstract _records(): AsyncIterable<StoredRecord>;
  protected abstract _feedHead(): Promise<number>;
  protected abstract _readFeed(afterSeq: number, limit: number): Promise<Uint8Array[]>;
  protected abstract _getMeta(key: string): Promise<Uint8Array | undefined>;
  /** Every meta entry (a backend-level copy, backend-port.ts); a backend that cannot list them says so. */
  protected async *_metaEntries(): AsyncIterable<{ key: string; value: Uint8Array }> {
    throw new VerbatimError('UNSUPPORTED', 'this backend cannot list its settings (a backend-level copy needs it)');
  }
  protected abstract _diskUsage(): Promise<number>;
  /**
   * Multi-writer backends: runs `fn` holding a lock on `key` across every process sharing the backend (the session's
   * turn: read the session, write it back). Called inside this process's own per-session turn.
   */
  protected _exclusive<T>(_key: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  /**
   * Whether a failure to open means the backend's server cannot be reached now (down, restarting), as opposed to a
   * wrong configuration: with openDegraded the store then starts degraded and keeps trying, like on a full disk.
   */
  protected _unreachable(_err: unknown): boolean {
    return false;
  }

  /** Backend-specific index checks for verify (entries that do not match their record). */
  protected async *_indexProblems(): AsyncIterable<{ key: string; message: string }> {}

  // ---------------------------------------------------------------- lifecycle

  async open(): Promise<void> {
    if (this.state === 'open' || this.state === 'degraded') return;
    if (this.state === 'opening') return this.transition;
    if (this.state === 'closing') await this.transition?.catch(() => undefined);
    this.state = 'opening';
    this.transition = (async () => {
      try {
        await this.openBackend();
      } catch (err) {
        if (!this.options.openDegraded || this.options.readOnly || !(unwritable(err) || this._unreachable(err))) {
          this.state = 'closed';
          throw err;
        }
        // Not writable now (full disk, permissions, a database server down): start degraded and keep trying (recoverOnce).
        this.state = 'degraded';
        this.degraded = { since: Date.now(), reason: failureReason(err) };
        this.scheduleRecovery(this.options.recoveryIntervalMs ?? 1_000);
        return;
      }
      await this.becomeOpen();
    })();
    return this.transition;
  }

  /** Opens the backend and loads the ledger; on failure the backend is closed again. */
  private async openBackend(): Promise<void> {
    try {
      await this._open();
    } catch (err) {
      throw err instanceof VerbatimError ? err : new VerbatimError('STORE_NOT_OPEN', 'could not open the store', {}, { cause: err });
    }
    try {
      await this.checkFormat();
      await this.loadLedger();
    } catch (err) {
      await this._close().catch(() => undefined);
      throw err instanceof VerbatimError ? err : new VerbatimError('STORE_NOT_OPEN', 'could not load the store', {}, { cause: err });
    }
    this.loaded = true;
  }

  private async becomeOpen(): Promise<void> {
    this.state = 'open';
    this.degraded = undefined;
    this.queue.resume();
    if (this.sealer && !this.options.readOnly) {
      // A crash left records after the last checkpoint: cover them now rather than at the next change.
      if (this.unsealedAtOpen) await this.sealer.seal().catch(() => undefined);
      this.startSealTimer();
    }
  }

  /** Waits for operations under way (their writes land), seals, then closes the backend. */
  async close(): Promise<void> {
    if (this.state === 'opening') await this.transition?.catch(() => undefined);
    if (this.state === 'closed') return;
    if (this.state === 'closing') return this.transition;
    this.state = 'closing';
    this.transition = (async () => {
      try {
        while (this.active.size > 0) await Promise.allSettled([...this.active]);
        await this.queue.drain();
        clearInterval(this.sealTimer);
        clearTimeout(this.recoveryTimer);
        // A clean close always leaves every record under a signed checkpoint.
        if (!this.options.readOnly && !this.degraded) await this.sealer?.seal().catch(() => undefined);
        await this.deflater?.close();
        await this._close();
      } finally {
        this.blobs.clear();
        this.knownPersonal.clear();
        this.liveSessions.clear();
        this.sealer = undefined;
        this.degraded = undefined;
        this.loaded = false;
        this.state = 'closed';
      }
    })();
    return this.transition;
  }

  health(): StoreHealth {
    if (this.state === 'degraded' && this.degraded) return { state: 'degraded', ...this.degraded };
    return { state: this.state === 'degraded' ? 'open' : this.state };
  }

  private async checkFormat(): Promise<void> {
    const format = await this._getMeta(FORMAT_KEY);
    if (format === undefined) {
      if (await this.isLegacy()) {
        throw new VerbatimError('STORE_NOT_OPEN', 'this data directory holds a store of an older format: run `verbatim migrate` first', {});
      }
      if (!this.options.readOnly) await this._commit({ ...emptyWrite(), meta: [{ key: FORMAT_KEY, value: Buffer.from(STORE_FORMAT) }] });
      return;
    }
    if (Buffer.from(format).toString() !== STORE_FORMAT) {
      throw new VerbatimError('STORE_NOT_OPEN', `unknown store format ${Buffer.from(format).toString()}`, {});
    }
  }

  /**
   * One session's turn: serialised in this process, and across processes when the backend is shared (several
   * writers appending to one session would otherwise each write back the session record they read, losing counts).
   */
  private sessionTurn<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    return this.sessions.run(sessionId, () => (this.engine.multiWriter ? this._exclusive(`session/${sessionId}`, fn) : fn()));
  }

  /** Whether the backend holds data of an older layout (LevelDB v1); the default backend has none. */
  protected async isLegacy(): Promise<boolean> {
    return false;
  }

  private async loadLedger(): Promise<void> {
    const heads = await this._heads();
    this.chains.load(heads);
    this.queue.lastSeq = await this._feedHead();
    const integrity = this.options.integrity;
    if (!integrity) return;
    this.signingKey = await loadOrCreateSigningKey(integrity.keysDir, integrity.origin);
    const checkpoints = (await this._checkpoints()).map((c) => c.value);
    if (this.engine.multiWriter) this.assertSameSigningKey(checkpoints, integrity.keysDir);
    const shared = this.engine.multiWriter
      ? async (afterSeq: number) => {
        const stored = (await this._checkpoints(afterSeq)).filter((c) => c.seq > afterSeq).map((c) => c.value);
        return { checkpoints: stored, heads: await this._heads() };
      }
      : undefined;
    const sealer = new Sealer(this.chains, this.signingKey, integrity.witnessPath ?? join(integrity.keysDir, WITNESS_FILE),
      (checkpoint) => this.queue.submit({ checkpoint }), Date.now, shared);
    this.unsealedAtOpen = sealer.load(checkpoints, heads);
    this.sealer = sealer;
  }

  /**
   * Several instances seal one shared log, so they must sign with one key: an instance started with other keys would
   * extend the log with checkpoints nobody can verify against the store's key. Refused at open, with the reason.
   */
  private assertSameSigningKey(checkpoints: Uint8Array[], keysDir: string): void {
    const latest = checkpoints[checkpoints.length - 1];
    if (!latest || !this.signingKey) return;
    let seq: number | undefined;
    try {
      const stored = JSON.parse(Buffer.from(latest).toString('utf8')) as StoredCheckpoint;
      seq = stored.seq;
      openCheckpoint(stored.note, this.signingKey);
    } catch (err) {
      throw new VerbatimError('SIGNING_KEY_MISMATCH',
        `the store's checkpoints were signed with another key than the one in ${keysDir}: every instance sharing this store needs the same key directory (--keys)`,
        { keysDir, checkpoint: seq, reason: (err as Error).message });
    }
  }

  private startSealTimer(): void {
    const interval = this.options.integrity?.sealIntervalMs ?? 60_000;
    if (interval <= 0) return;
    // Periodic seals are best effort: a failed one is retried next time, and close() seals again.
    this.sealTimer = setInterval(() => { if (this.state === 'open') void this.sealer?.seal().catch(() => undefined); }, interval);
    this.sealTimer.unref();
  }

  /**
   * A write failed (a full disk, an I/O error). The backend may hold a torn tail, so nothing more is written through
   * it: writes fail fast (507) until the backend has been made writable again and a probe write landed. Nothing that
   * was acknowledged is lost; what failed was never acknowledged.
   */
  private enterRecovery(err: VerbatimError): void {
    if (this.state !== 'open') return;
    this.state = 'degraded';
    this.degraded = { since: Date.now(), reason: failureReason(err) };
    this.scheduleRecovery(0);
  }

  private scheduleRecovery(delayMs: number): void {
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(() => {
      this.recovering = this.recoverOnce().finally(() => { this.recovering = undefined; });
    }, delayMs);
    this.recoveryTimer.unref();
  }

  private async recoverOnce(): Promise<void> {
    if (this.state !== 'degraded') return;
    if (!this.loaded) {
      // Opened degraded: nothing was ever loaded, so this is a whole open.
      try {
        await this.openBackend();
      } catch (failure) {
        if (this.degraded) this.degraded.reason = failureReason(failure);
        this.scheduleRecovery(this.options.recoveryIntervalMs ?? 1_000);
        return;
      }
      if (this.state === 'degraded') await this.becomeOpen();
      return;
    }
    try {
      // Let operations under way settle (their writes were refused) before the backend is reopened.
      await Promise.race([Promise.allSettled([...this.active]), sleep(1_000)]);
      await this._recover();
      // The failed write may or may not have reached the backend: heads and feed are whatever it holds now.
      this.chains.load(await this._heads());
      this.queue.lastSeq = await this._feedHead();
      this.blobs.clear();
      this.knownPersonal.clear();
      await this.options.beforeWrite?.(emptyWrite());
      await this._commit({ ...emptyWrite(), meta: [{ key: 'health', value: Buffer.from(String(Date.now())) }] });
      this.state = 'open';
      this.degraded = undefined;
      this.queue.resume();
    } catch (failure) {
      if (this.degraded) this.degraded.reason = failureReason(failure);
      this.scheduleRecovery(this.options.recoveryIntervalMs ?? 1_000);
    }
  }

  /**
   * Runs an operation only while open, tracked so close() can wait for it. While the store recovers from a failed
   * write, an operation waits for the attempt under way; writes are then refused (507) until it succeeded.
   */
  private run<T>(op: string, fn: () => Promise<T>, write = false): Promise<T> {
    if (this.state === 'degraded') return this.afterRecovery(op, fn, write);
    if (this.state !== 'open') return Promise.reject(new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { op }));
    if (write && this.options.readOnly) return Promise.reject(new VerbatimError('BAD_REQUEST', 'the store was opened read-only', { op }));
    return this.track(fn());
  }

  private async afterRecovery<T>(op: string, fn: () => Promise<T>, write: boolean): Promise<T> {
    const attempt = this.recovering ?? (this.recoveryTimer ? sleep(0).then(() => this.recovering) : undefined);
    if (attempt) await Promise.race([attempt.catch(() => undefined), sleep(2_000)]);
    if (this.state === 'open') return this.run(op, fn, write);
    if (this.state === 'degraded' && !write) return this.track(fn());
    if (this.state === 'degraded') {
      throw new VerbatimError('STORE_WRITE_FAILED', 'the store is recovering from a failed write; try again shortly', { op, reason: this.degraded?.reason });
    }
    throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { op });
  }

  private track<T>(result: Promise<T>): Promise<T> {
    this.active.add(result);
    const forget = (): void => { this.active.delete(result); };
    result.then(forget, forget);
    return result;
  }

  private submit(group: WriteGroup): Promise<void> {
    return this.queue.submit(group);
  }

  // ---------------------------------------------------------------- blobs

  /** `bytes` must not change until the returned promise settles. */
  putBlob(bytes: Uint8Array, options?: BlobOptions): Promise<Digest> {
    return this.run('putBlob', async () => {
      if (!(bytes instanceof Uint8Array)) throw new VerbatimError('BAD_REQUEST', 'blob must be a Uint8Array');
      const compress = options?.compress === true;
      if (options?.sessionId !== undefined && this.keyring) return this.putPersonalBody(options.sessionId, bytes, compress);
      const hashed = sha256Hex(bytes);
      if (typeof hashed === 'string') {
        // Registered synchronously: a putCapture issued right after this call finds the write pending.
        await this.writeShared(hashed, bytes, compress);
        return hashed;
      }
      // A large body hashes off-thread; until its write is registered, putCapture waits on `hashing`.
      const registered = hashed.then((digest) => ({ digest, write: this.writeShared(digest, bytes, compress) }));
      this.hashing.add(registered);
      const forget = (): void => { this.hashing.delete(registered); };
      registered.then(forget, forget);
      const { digest, write } = await registered;
      await write;
      return digest;
    }, true);
  }

  putEncodedBlob(blob: EncodedBlob, options?: { sessionId?: string }): Promise<Digest> {
    return this.run('putEncodedBlob', async () => {
      if (typeof blob?.digest !== 'string' || !DIGEST_PATTERN.test(blob.digest) || !(blob.encoded instanceof Uint8Array) || blob.encoded.length < 1) {
        throw new VerbatimError('BAD_REQUEST', 'an encoded blob needs a SHA-256 digest and codec-encoded bytes');
      }
      if (options?.sessionId !== undefined && this.keyring) {
        await this.writePersonal(options.sessionId, blob.digest, async () => blob.encoded);
        return blob.digest;
      }
      await this.blobs.write(blob.digest, () => this.uploadShared(blob.digest, blob.encoded));
      return blob.digest;
    }, true);
  }

  private writeShared(digest: Digest, bytes: Uint8Array, compress: boolean): Promise<void> {
    return this.blobs.write(digest, async () => {
      const value = compress ? await this.deflate(bytes, this.options.blobCompressionLevel ?? 1) : withCodec(CODEC_RAW, bytes);
      await this.uploadShared(digest, value);
    });
  }

  /** Each attempt puts the bytes again, so after a deletion another writer reported, the body is there anew. */
  private uploadShared(digest: Digest, value: Uint8Array): Promise<void> {
    return pastDeletedBodies((revive) => this.submit({ blobs: [{ digest, value }], ...(revive.length ? { revive } : {}) }),
      { recheck: async (digests) => digests.map(() => true) });
  }

  getBlob(digest: Digest, sessionId?: string): Promise<Uint8Array | undefined> {
    return this.run('getBlob', async () => {
      if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return undefined;
      if (sessionId !== undefined) {
        assertId(sessionId, 'sessionId');
        const id = RecordId.body(sessionId, digest);
        const own = await this._get(id);
        if (own) return this.codec.bytes(sessionId, id, own.value);
      }
      const stored = await this._getBlob(digest);
      return stored === undefined ? undefined : decodeValue(stored);
    });
  }

  hasBlob(digest: Digest, sessionId?: string): Promise<boolean> {
    return this.run('hasBlob', async () => {
      if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return false;
      if (sessionId !== undefined) {
        assertId(sessionId, 'sessionId');
        if (await this.personalStored(sessionId, digest)) return true;
      }
      return this.sharedStored(digest, false);
    });
  }

  private async putPersonalBody(sessionId: string, bytes: Uint8Array, compress: boolean): Promise<Digest> {
    const digest = await sha256Hex(bytes);
    await this.writePersonal(sessionId, digest, () => (compress ? this.deflate(bytes, this.options.blobCompressionLevel ?? 1) : Promise.resolve(withCodec(CODEC_RAW, bytes))));
    return digest;
  }

  /** A session's personal body (sealed under body/<sid>/<digest>, chained with the session), written once. */
  private async writePersonal(sessionId: string, digest: Digest, encode: () => Promise<Uint8Array>): Promise<void> {
    assertId(sessionId, 'sessionId');
    await this.requireLiveSession(sessionId);
    const id = RecordId.body(sessionId, digest);
    let pending = this.pendingPersonal.get(id);
    if (!pending) {
      pending = (async () => {
        if (this.knownPersonal.has(id) || (this.options.lookUpPersonalBodies !== false && await this._has(id))) return void this.knownPersonal.add(id);
        const value = await this.codec.seal(sessionId, id, await encode());
        await this.submit({ put: [{ id, kind: 'body', sessionId, at: Date.now(), value }] });
        this.knownPersonal.add(id);
      })().finally(() => this.pendingPersonal.delete(id));
      this.pendingPersonal.set(id, pending);
    }
    await pending;
  }

  private async personalStored(sessionId: string, digest: Digest): Promise<boolean> {
    if (!this.keyring) return false;
    const id = RecordId.body(sessionId, digest);
    if (this.knownPersonal.has(id)) return true;
    const pending = this.pendingPersonal.get(id);
    if (pending) return pending.then(() => true, () => false);
    if (this.blobs.isKnown(digest) || !(await this._has(id))) return false;
    this.knownPersonal.add(id);
    return true;
  }

  /** Whether a shared body has landed; with `awaitPending`, one being written counts once (and if) it lands. */
  private async sharedStored(digest: Digest, awaitPending: boolean): Promise<boolean> {
    if (this.blobs.isKnown(digest)) return true;
    if (awaitPending) {
      if (!this.blobs.writing(digest) && this.hashing.size > 0) await Promise.allSettled([...this.hashing]);
      const pending = this.blobs.writing(digest);
      if (pending) return pending.then(() => true, () => false);
    }
    const [stored] = await this._hasBlobs([digest]);
    if (stored) this.blobs.markStored(digest);
    return stored === true;
  }

  private deflate(bytes: Uint8Array, level: number): Promise<Uint8Array> {
    return this.deflater ? this.deflater.encode(bytes, level) : encodeValue(bytes, true, level);
  }

  // ---------------------------------------------------------------- captures

  putCapture(input: CapturedResource): Promise<void> {
    return this.run('putCapture', async () => {
      assertCapture(input);
      const capture = { ...input };
      const sid = capture.sessionId;
      if (sid !== undefined) await this.requireLiveSession(sid);
      const shared: string[] = [];
      this.blobs.pin([capture.body?.digest, capture.requestBody?.digest].filter((d): d is string => typeof d === 'string'));
      try {
        for (const part of ['body', 'requestBody'] as const) {
          const body = capture[part];
          if (!body) continue;
          if (sid !== undefined && await this.personalStored(sid, body.digest)) {
            capture[part] = { ...body, sealed: true } as never;
          } else if (await this.sharedStored(body.digest, true)) {
            if (body.sealed) capture[part] = { ...body, sealed: false } as never;
            shared.push(body.digest);
          } else {
            throw new VerbatimError('BLOB_MISSING', `capture ${part === 'body' ? 'body' : 'request body'} is not stored`, {
              captureId: capture.id, digest: body.digest,
            });
          }
        }
        const id = RecordId.capture(sid, capture.id);
        // Another writer may delete a body between the check above and this commit (several writers): the backend
        // then refuses it, and the capture lands only if the body is stored again by then (body-revival.ts).
        await pastDeletedBodies((revive) => this.submit({
          ...(revive.length ? { revive } : {}),
          put: [{
            id, kind: 'capture', sessionId: sid ?? STORE_CHAIN, at: capture.startedAt, url: capture.url,
            // Personal bodies, and captures a kiosk vouches for alone, are never used by another session's replay.
            shared: !capture.body?.sealed && capture.scope !== 'session',
            value: this.codec.plainJson(capture),
            ...(shared.length ? { blobs: shared } : {}),
          }],
          changes: [{ type: 'capture.stored', ...(sid !== undefined ? { sessionId: sid } : {}), captureId: capture.id }],
        }), { recheck: (digests) => this._hasBlobs(digests) });
      } finally {
        this.blobs.unpin([input.body?.digest, input.requestBody?.digest].filter((d): d is string => typeof d === 'string'));
      }
    }, true);
  }

  findCapture(query: CaptureQuery): Promise<CapturedResource | undefined> {
    return this.run('findCapture', async () => {
      assertUrl(query.url, 'query.url');
      if (typeof query.at !== 'number' || Number.isNaN(query.at)) {
        throw new VerbatimError('BAD_REQUEST', 'query.at must be a number', { field: 'query.at' });
      }
      if (query.sessionId !== undefined) {
        assertId(query.sessionId, 'query.sessionId');
        // What this customer got: their own capture at or before the moment, else their own a little later (a
        // resource loaded after that moment, or a kiosk's read-back), before any other session's.
        const own = await this.captureAt({ url: query.url, at: query.at, sessionId: query.sessionId, direction: 'at-or-before' })
          ?? await this.captureAt({ url: query.url, at: query.at, sessionId: query.sessionId, direction: 'after' });
        if (own) return own;
      }
      return (await this.captureAt({ url: query.url, at: query.at, direction: 'at-or-before' }))
        ?? this.captureAt({ url: query.url, at: query.at, direction: 'after' });
    });
  }

  latestCapture(url: string): Promise<CapturedResource | undefined> {
    return this.run('latestCapture', async () => {
      assertUrl(url, 'url');
      return this.captureAt({ url, at: Number.MAX_SAFE_INTEGER, direction: 'at-or-before' });
    });
  }

  /** One index lookup; the record it yields must really be a capture of that URL (an altered index cannot redirect). */
  private async captureAt(query: CaptureLookup): Promise<CapturedResource | undefined> {
    const record = await this._findCapture(query);
    if (!record) return undefined;
    const capture = await this.codec.json<CapturedResource>(record.sessionId, record.id, record.value);
    if (capture.url !== query.url) {
      throw new VerbatimError('STORE_CORRUPT', 'a capture index entry does not match its record', { id: record.id });
    }
    return capture;
  }

  listCaptures(sessionId: string): Promise<CapturedResource[]> {
    return this.run('listCaptures', async () => {
      assertId(sessionId, 'sessionId');
      const records = await this._list('capture', sessionId);
      const captures = await Promise.all(records.map((r) => this.codec.json<CapturedResource>(r.sessionId, r.id, r.value)));
      return captures.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  getCapture(sessionId: string | undefined, captureId: string): Promise<CapturedResource | undefined> {
    return this.run('getCapture', async () => {
      if (sessionId !== undefined) assertId(sessionId, 'sessionId');
      assertId(captureId, 'captureId');
      const record = await this._get(RecordId.capture(sessionId, captureId));
      return record && this.codec.json<CapturedResource>(record.sessionId, record.id, record.value);
    });
  }

  // ---------------------------------------------------------------- sessions and events

  createSession(init: SessionInit): Promise<Session> {
    return this.run('createSession', async () => {
      assertSessionInit(init);
      return this.sessionTurn(init.id, async () => {
        if (await this._has(RecordId.session(init.id)) || await this._has(RecordId.tombstone(init.id))) {
          throw new VerbatimError('BAD_REQUEST', 'session already exists', { sessionId: init.id });
        }
        const session: Session = { ...init, endedAt: init.endedAt ?? init.startedAt, pages: [], eventCount: 0 };
        await this.submit({
          put: [await this.sessionRecord(session)],
          changes: [{ type: 'session.created', sessionId: session.id }],
        });
        this.liveSessions.add(session.id);
        return session;
      });
    }, true);
  }

  getSession(id: string): Promise<Session | undefined> {
    return this.run('getSession', () => this.readSession(id));
  }

  listSessions(query: SessionListQuery = {}): Promise<Session[]> {
    return this.run('listSessions', async () => {
      const { limit, before, after } = query;
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
        throw new VerbatimError('BAD_REQUEST', 'limit must be a non-negative integer', { field: 'limit' });
      }
      if (before !== undefined && (typeof before !== 'number' || Number.isNaN(before))) {
        throw new VerbatimError('BAD_REQUEST', 'before must be a number', { field: 'before' });
      }
      if (after !== undefined && (typeof after !== 'object' || typeof after.startedAt !== 'number' || typeof after.id !== 'string')) {
        throw new VerbatimError('BAD_REQUEST', 'after must be a {startedAt, id} cursor', { field: 'after' });
      }
      if (limit === 0) return [];
      let below = after ? { at: after.startedAt, id: after.id } : undefined;
      // "Started strictly before T": everything below (T, '') in newest-first order.
      if (before !== undefined && (!below || Math.ceil(before) <= below.at)) below = { at: Math.ceil(before), id: '' };
      const records = await this._listSessions({ limit: limit ?? Number.MAX_SAFE_INTEGER, ...(below ? { below } : {}) });
      return Promise.all(records.map((r) => this.codec.json<Session>(r.sessionId, r.id, r.value)));
    });
  }

  appendEvents(batch: EventBatch): Promise<Session> {
    return this.run('appendEvents', async () => {
      assertBatch(batch);
      const { sessionId, seq } = batch;
      const pageId = batch.page.id;
      const id = RecordId.events(sessionId, pageId, seq);
      // Encode before taking the session's turn, so the serialised part stays short.
      const value = await this.codec.sealedJson(sessionId, id, batch, EVENT_COMPRESSION_LEVEL);
      return this.sessionTurn(sessionId, async () => {
        const session = await this.readSession(sessionId);
        if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
        if (await this._has(id)) return session;
        const updated = applyBatch(session, batch);
        await this.submit({
          put: [{ id, kind: 'events', sessionId, at: firstEventAt(batch), value }, await this.sessionRecord(updated)],
          changes: [{ type: 'events.appended', sessionId, pageId, batchSeq: seq, count: batch.events.length }],
        });
        return updated;
      });
    }, true);
  }

  readEvents(sessionId: string): Promise<EventBatch[]> {
    return this.run('readEvents', async () => {
      assertId(sessionId, 'sessionId');
      if (!(await this._has(RecordId.session(sessionId)))) {
        throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
      }
      const records = await this._list('events', sessionId);
      return Promise.all(records.map((r) => this.codec.json<EventBatch>(sessionId, r.id, r.value)));
    });
  }

  getEventBatch(sessionId: string, pageId: string, seq: number): Promise<EventBatch | undefined> {
    return this.run('getEventBatch', async () => {
      assertId(sessionId, 'sessionId');
      assertId(pageId, 'pageId');
      const id = RecordId.events(sessionId, pageId, seq);
      const record = await this._get(id);
      return record && this.codec.json<EventBatch>(sessionId, id, record.value);
    });
  }

  private async sessionRecord(session: Session): Promise<StoredRecord> {
    const id = RecordId.session(session.id);
    return { id, kind: 'session', sessionId: session.id, at: session.startedAt, value: await this.codec.sealedJson(session.id, id, session) };
  }

  private async readSession(id: string): Promise<Session | undefined> {
    assertId(id, 'sessionId');
    const record = await this._get(RecordId.session(id));
    return record && this.codec.json<Session>(id, record.id, record.value);
  }

  /** Captures, messages and personal bodies belong to an existing, not erased, session. */
  private async requireLiveSession(sessionId: string): Promise<void> {
    if (this.erasing.has(sessionId)) throw new VerbatimError('SESSION_UNKNOWN', 'the session is being erased', { sessionId });
    if (this.liveSessions.has(sessionId)) return;
    if (!(await this._has(RecordId.session(sessionId)))) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
    this.liveSessions.add(sessionId);
  }

  // ---------------------------------------------------------------- WebSocket messages

  putWebSocketMessages(messages: WebSocketMessage[]): Promise<void> {
    return this.run('putWebSocketMessages', async () => {
      for (const m of messages) assertWebSocketMessage(m);
      if (!messages.length) return;
      for (const sid of new Set(messages.map((m) => m.sessionId))) await this.requireLiveSession(sid);
      const put = await Promise.all(messages.map(async (m) => {
        const id = RecordId.ws(m.sessionId, m.socketId, m.seq);
        return { id, kind: 'ws' as const, sessionId: m.sessionId, at: m.at, value: await this.codec.sealedJson(m.sessionId, id, m) };
      }));
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(m.sessionId, (counts.get(m.sessionId) ?? 0) + 1);
      await this.submit({ put, changes: [...counts].map(([sessionId, count]) => ({ type: 'websocket.stored' as const, sessionId, count })) });
    }, true);
  }

  listWebSocketMessages(sessionId: string): Promise<WebSocketMessage[]> {
    return this.run('listWebSocketMessages', async () => {
      assertId(sessionId, 'sessionId');
      const records = await this._list('ws', sessionId);
      const messages = await Promise.all(records.map((r) => this.codec.json<WebSocketMessage>(sessionId, r.id, r.value)));
      return messages.sort((a, b) => a.at - b.at || (a.socketId < b.socketId ? -1 : a.socketId > b.socketId ? 1 : a.seq - b.seq));
    });
  }

  // ---------------------------------------------------------------- notes

  putNote(input: SessionNote): Promise<void> {
    return this.run('putNote', async () => {
      assertNote(input);
      const note: SessionNote = { ...input };
      const { sessionId } = note;
      const id = RecordId.note(sessionId, note.id);
      await this.sessionTurn(sessionId, async () => {
        await this.requireLiveSession(sessionId);
        // An edit rewrites what a hold must keep as it was.
        if (await this._has(id)) await this.refuseWhileHeld(sessionId, 'a note of a session under legal hold cannot be edited');
        await this.submit({
          put: [{ id, kind: 'note', sessionId, at: note.at, value: await this.codec.sealedJson(sessionId, id, note) }],
          changes: [{ type: 'note.stored', sessionId, noteId: note.id }],
        });
      });
    }, true);
  }

  getNote(sessionId: string, noteId: string): Promise<SessionNote | undefined> {
    return this.run('getNote', async () => {
      assertId(sessionId, 'sessionId');
      assertId(noteId, 'noteId');
      const id = RecordId.note(sessionId, noteId);
      const record = await this._get(id);
      return record && this.codec.json<SessionNote>(sessionId, id, record.value);
    });
  }

  listNotes(sessionId: string): Promise<SessionNote[]> {
    return this.run('listNotes', async () => {
      assertId(sessionId, 'sessionId');
      const records = await this._list('note', sessionId);
      const notes = await Promise.all(records.map((r) => this.codec.json<SessionNote>(sessionId, r.id, r.value)));
      return notes.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  deleteNote(sessionId: string, noteId: string): Promise<boolean> {
    return this.run('deleteNote', async () => {
      assertId(sessionId, 'sessionId');
      assertId(noteId, 'noteId');
      return this.sessionTurn(sessionId, async () => {
        const record = await this._get(RecordId.note(sessionId, noteId));
        if (!record) return false;
        await this.refuseWhileHeld(sessionId, 'a note of a session under legal hold cannot be deleted');
        // The chain keeps a delete link (and the digest of what was deleted), so verify still accounts for it.
        await this.submit({ del: [recordKeyOf(record)], changes: [{ type: 'note.deleted', sessionId, noteId }] });
        return true;
      });
    }, true);
  }

  /** LEGAL_HOLD when the session or its customer is held. */
  private async refuseWhileHeld(sessionId: string, message: string): Promise<void> {
    if (await this.getHold({ sessionId })) throw new VerbatimError('LEGAL_HOLD', message, { sessionId });
    const customerId = await this.customerOf(sessionId);
    if (customerId !== undefined && await this.getHold({ customerId })) throw new VerbatimError('LEGAL_HOLD', message, { sessionId });
  }

  // ---------------------------------------------------------------- customers

  linkCustomer(link: CustomerLink): Promise<boolean> {
    return this.run('linkCustomer', async () => {
      assertId(link.sessionId, 'link.sessionId');
      assertId(link.customerId, 'link.customerId');
      return this.sessionTurn(link.sessionId, async () => {
        await this.requireLiveSession(link.sessionId);
        const id = RecordId.customer(link.sessionId);
        if (await this._has(id)) return false;
        const value = await this.codec.sealedJson(link.sessionId, id, link);
        await this.submit({
          put: [{ id, kind: 'customer', sessionId: link.sessionId, at: link.at, value, customerKey: await this.customerKey(link.customerId) }],
          changes: [{ type: 'customer.linked', sessionId: link.sessionId }],
        });
        return true;
      });
    }, true);
  }

  customerOf(sessionId: string): Promise<string | undefined> {
    return this.run('customerOf', async () => {
      assertId(sessionId, 'sessionId');
      const id = RecordId.customer(sessionId);
      const record = await this._get(id);
      return record && (await this.codec.json<CustomerLink>(sessionId, id, record.value)).customerId;
    });
  }

  sessionsOfCustomer(customerId: string): Promise<string[]> {
    return this.run('sessionsOfCustomer', async () => {
      assertId(customerId, 'customerId');
      return this._sessionsByCustomer(await this.customerKey(customerId));
    });
  }

  /** Blind index of a customer id: an HMAC under the keyring's key (plain SHA-256 without a keyring). */
  private async customerKey(customerId: string): Promise<string> {
    return this.keyring ? this.keyring.blindIndex(customerId) : sha256Hex(Buffer.from(`customer\0${customerId}`, 'utf8')) as string;
  }

  // ---------------------------------------------------------------- holds, erasure, expiry

  setHold(target: HoldTarget, reason: string, now = Date.now()): Promise<void> {
    return this.run('setHold', async () => {
      const key = await this.holdKeyOf(target);
      const hold: LegalHold = { reason, at: now };
      await this.submit({ meta: [{ key, value: Buffer.from(JSON.stringify(hold)) }], changes: [{ type: 'hold.set', ...sessionOfTarget(target) }] });
    }, true);
  }

  releaseHold(target: HoldTarget): Promise<void> {
    return this.run('releaseHold', async () => {
      await this.submit({ meta: [{ key: await this.holdKeyOf(target), value: undefined }], changes: [{ type: 'hold.released', ...sessionOfTarget(target) }] });
    }, true);
  }

  getHold(target: HoldTarget): Promise<LegalHold | undefined> {
    return this.run('getHold', async () => {
      const value = await this._getMeta(await this.holdKeyOf(target));
      return value === undefined ? undefined : JSON.parse(Buffer.from(value).toString('utf8')) as LegalHold;
    });
  }

  private async holdKeyOf(target: HoldTarget): Promise<string> {
    if ('sessionId' in target) {
      assertId(target.sessionId, 'hold target');
      return holdKey(target, undefined);
    }
    assertId(target.customerId, 'hold target');
    return holdKey(target, await this.customerKey(target.customerId));
  }

  getTombstone(sessionId: string): Promise<Tombstone | undefined> {
    return this.run('getTombstone', async () => {
      assertId(sessionId, 'sessionId');
      const record = await this._get(RecordId.tombstone(sessionId));
      return record && this.codec.json<Tombstone>(sessionId, record.id, record.value);
    });
  }

  eraseSession(sessionId: string, request: { reason: string }): Promise<Tombstone> {
    return this.run('eraseSession', async () => {
      assertId(sessionId, 'sessionId');
      const key = this.signingKey;
      if (!key) throw new VerbatimError('UNSUPPORTED', 'erasure needs integrity.keysDir (tombstones are signed)');
      const tombstone = await this.sessionTurn(sessionId, async () => {
        const previous = await this._get(RecordId.tombstone(sessionId));
        if (previous) return this.codec.json<Tombstone>(sessionId, previous.id, previous.value);
        const session = await this.readSession(sessionId);
        if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
        const customerId = await this.customerOf(sessionId);
        const held = (await this.getHold({ sessionId })) ?? (customerId !== undefined ? await this.getHold({ customerId }) : undefined);
        if (held) throw new VerbatimError('LEGAL_HOLD', 'the session is under legal hold', { sessionId });
        this.erasing.add(sessionId);
        this.liveSessions.delete(sessionId);
        try {
          // Writes of this session already queued land first; later ones are refused (erasing).
          await this.queue.drain();
          const del: RecordKey[] = [recordKeyOf(await this.sessionRecord(session))];
          let personal = 0;
          const gc = new Set<string>();
          for (const kind of ['events', 'capture', 'ws', 'body', 'customer', 'note'] as const) {
            for (const record of await this._list(kind, sessionId)) {
              del.push(recordKeyOf(record));
              if (kind === 'body') personal += 1;
              for (const d of record.blobs ?? []) gc.add(d);
            }
          }
          const id = RecordId.tombstone(sessionId);
          const t = signTombstone({
            sessionId, erasedAt: Date.now(), reason: request.reason,
            ...(customerId !== undefined ? { customerKey: await this.customerKey(customerId) } : {}),
            records: del.length - personal, bodies: personal,
          }, key.privateKey);
          // Not sealed: the session's key is about to be destroyed, and the tombstone holds nothing personal.
          await this.submit({
            del, gc: [...gc],
            put: [{ id, kind: 'tombstone', sessionId, at: t.erasedAt, value: this.codec.plainJson(t) }],
            changes: [{ type: 'session.erased', sessionId }],
          });
          for (const r of del) if (r.kind === 'body') this.knownPersonal.delete(r.id);
          return t;
        } finally {
          this.erasing.delete(sessionId);
        }
      });
      // Idempotent: a crash before this point is repaired by erasing again.
      await this.keyring?.destroy(sessionId);
      await this.sealer?.seal();
      return tombstone;
    }, true);
  }

  expire(policy: RetentionPolicy, options: { now?: number; onProgress?: Progress } = {}): Promise<{ erased: string[]; held: string[] }> {
    return this.run('expire', async () => {
      const now = options.now ?? Date.now();
      const result = { erased: [] as string[], held: [] as string[] };
      const cutoff = retentionCutoff(policy, now);
      if (cutoff === undefined) return result;
      const candidates = await this._listSessions({ limit: Number.MAX_SAFE_INTEGER, below: { at: cutoff, id: '' } });
      let done = 0;
      for (const record of candidates) {
        const session = await this.codec.json<Session>(record.sessionId, record.id, record.value);
        if (retentionEnded(policy, session.channel, session.endedAt, now)) {
          try {
            await this.eraseSession(session.id, { reason: `retention period for channel ${session.channel} (${policy[session.channel]} days) ended` });
            result.erased.push(session.id);
          } catch (err) {
            if (err instanceof VerbatimError && err.code === 'LEGAL_HOLD') result.held.push(session.id);
            else throw err;
          }
        }
        options.onProgress?.(++done, candidates.length);
      }
      return result;
    }, true);
  }

  // ---------------------------------------------------------------- integrity

  seal(force = false): Promise<SealSummary | undefined> {
    return this.run('seal', async () => {
      if (!this.sealer) throw new VerbatimError('UNSUPPORTED', 'sealing needs integrity.keysDir');
      return this.sealer.seal(force);
    }, true);
  }

  /**
   * The proof half of an evidence file (integrity/evidence.ts): sealed first, in the session's turn, so the chain
   * head it proves is the one it reads.
   */
  evidence(sessionId: string): Promise<EvidenceProof> {
    return this.run('evidence', async () => {
      assertId(sessionId, 'sessionId');
      const key = this.signingKey;
      if (!key) throw new VerbatimError('UNSUPPORTED', 'evidence needs integrity.keysDir');
      return this.sessionTurn(sessionId, async () => {
        if (!this.options.readOnly) await this.sealer?.seal();
        return readEvidence(this.audit(), sessionId, key, await this.keyring?.exportKey(sessionId));
      });
    });
  }

  /** Raw, read-only access to what the backend holds, for verify and evidence (base/audit-reader.ts). */
  audit(): AuditReader {
    return new AuditReader({
      chainIds: () => this._chainIds(),
      links: (chain) => this._links(chain),
      head: (chain) => this._head(chain),
      checkpoints: () => this._checkpoints(),
      records: () => this._records(),
      record: (id) => this._get(id),
      list: (kind, sessionId) => this._list(kind, sessionId),
      blob: (digest) => this._getBlob(digest),
      indexProblems: () => this._indexProblems(),
      openRecord: (record) => this.codec.open(record.sessionId, record.id, record.value),
    });
  }

  /** Backend-level reads and raw writes (base/backend-port.ts), for copying a store to another backend. */
  backendPort(): BackendPort {
    if (this.state !== 'open') throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', {});
    return {
      records: () => this._records(),
      chainIds: () => this._chainIds(),
      links: (chain) => this._links(chain),
      head: (chain) => this._head(chain),
      checkpoints: () => this._checkpoints(),
      feedHead: () => this._feedHead(),
      readFeed: (afterSeq, limit) => this._readFeed(afterSeq, limit),
      blob: (digest) => this._getBlob(digest),
      getMeta: (key) => this._getMeta(key),
      meta: () => this._metaEntries(),
      commit: (write) => {
        if (this.options.readOnly) return Promise.reject(new VerbatimError('BAD_REQUEST', 'the store was opened read-only', { op: 'commit' }));
        return this._commit(write);
      },
    };
  }

  // ---------------------------------------------------------------- change feed

  readChanges(afterSeq: number, limit = 1000): Promise<Change[]> {
    return this.run('readChanges', async () => {
      if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new VerbatimError('BAD_REQUEST', 'afterSeq must be a non-negative integer');
      if (!Number.isSafeInteger(limit) || limit <= 0) throw new VerbatimError('BAD_REQUEST', 'limit must be a positive integer');
      return (await this._readFeed(afterSeq, limit)).map((v) => JSON.parse(Buffer.from(v).toString('utf8')) as Change);
    });
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private deliver(changes: Change[]): void {
    for (const change of changes) {
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch {
          // A derived index that throws must not break the store; it catches up from readChanges.
        }
      }
    }
  }

  diskUsage(): Promise<number> {
    return this.run('diskUsage', () => this._diskUsage());
  }

  /** Resolves once every write submitted so far has landed or failed. */
  flushWrites(): Promise<void> {
    return this.queue.drain();
  }
}

function sessionOfTarget(target: HoldTarget): { sessionId?: string } {
  return 'sessionId' in target ? { sessionId: target.sessionId } : {};
}

/** The innermost cause of a failure, as an operator reads it ("LEVEL_IO_ERROR: IO error: …: No space left on device"). */
function failureReason(err: unknown): string {
  let inner = err as { cause?: unknown; code?: unknown; message?: unknown } | undefined;
  while (inner && typeof inner === 'object' && inner.cause && typeof inner.cause === 'object') inner = inner.cause as typeof inner;
  const code = typeof inner?.code === 'string' ? inner.code : undefined;
  const message = typeof inner?.message === 'string' ? inner.message : String(err);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 300);
}

/** Whether a failure to open is the backend not being writable (full disk, permissions), rather than a lock or a bad format. */
function unwritable(err: unknown): boolean {
  for (let e = err as { cause?: unknown; code?: unknown; message?: unknown } | undefined; e && typeof e === 'object'; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^(ENOSPC|EDQUOT|EACCES|EPERM|EROFS)$/.test(e.code)) return true;
    if (typeof e.message === 'string' && /No space left|Disk quota exceeded|Permission denied|Operation not permitted|Read-only file system/i.test(e.message)) return true;
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

