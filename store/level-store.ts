import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { applyBatch, firstEventAt } from './apply-batch';
import { CODEC_RAW, decodeJson, decodeValue, encodeJson, encodeValue, sha256Hex, withCodec } from './blob-codec';
import { DeflateWorker } from './deflate-worker';
import { VerbatimError } from './errors';
import { HasBatcher } from './has-batcher';
import { ChainWriter } from './integrity/chain-writer';
import { readEvidence, type EvidenceProof } from './integrity/evidence';
import { Keyring } from './integrity/keyring';
import { Retention } from './integrity/retention';
import { Sealer } from './integrity/sealer';
import type { SealResult } from './integrity/sealer';
import { loadOrCreateSigningKey } from './integrity/signing-key';
import { WITNESS_FILE } from './integrity/witness';
import { KeyedSerializer } from './keyed-serializer';
import {
  STORE_CHAIN, batchMarkerKey, blobKey, captureBySessionKey, captureByUrlKey, capturesOfUrl, capturesOfUrlAfter,
  capturesOfUrlUpTo, eventChunkKey, eventChunkRange, sessionByStartKey, sessionCaptures,
  personalBodyKey, sessionCapturesOfUrlUpTo, sessionIdFromStartKey, sessionKey, sessionsByStartRange,
  webSocketMessageKey, webSocketMessageRange,
} from './keys';
import type { KeyRange } from './keys';
import { LruSet } from './lru-set';
import type {
  CaptureQuery, CapturedResource, Digest, EventBatch, Session, SessionInit, SessionListQuery, WebSocketMessage,
} from './records';
import type { VerbatimStore } from './store';
import { assertBatch, assertCapture, assertId, assertSessionInit, assertUrl, assertWebSocketMessage } from './validate';
import { WriteQueue } from './write-queue';
import type { WriteOp } from './write-queue';

export interface LevelStoreOptions {
  /** zlib level for blobs stored with `compress: true`; 1 (fastest) keeps per-capture CPU low. */
  blobCompressionLevel?: number;
  /** How many digests to remember as stored, so repeated bodies skip the existence read. */
  knownDigests?: number;
  /** LevelDB memtable size; larger absorbs bursts of bodies with fewer compactions. */
  writeBufferSize?: number;
  /** LevelDB block cache size. */
  cacheSize?: number;
  /** LevelDB table file size; larger keeps the file count down for a store full of bodies. */
  maxFileSize?: number;
  /** LevelDB's own Snappy compression of table blocks. */
  snappy?: boolean;
  /** Deflate on a worker thread (default) rather than with Node's async zlib. */
  deflateOnWorker?: boolean;
  /** Soft cap on bytes per coalesced batch. */
  maxBatchBytes?: number;
  /**
   * Test hook, called before each batch is written with its operation count.
   * Throwing (or rejecting) makes that batch fail as a LevelDB error would.
   */
  beforeWrite?: (operations: number) => void | Promise<void>;
  /**
   * Signed checkpoints (store/integrity/). Records are hash-chained whether or not
   * this is set; with it, a key in `keysDir` signs a checkpoint every
   * `sealIntervalMs` (60 s), on close, and on `seal()`.
   */
  integrity?: IntegrityOptions;
}

export interface IntegrityOptions {
  /** Where the Ed25519 signing key lives (<data>/keys); created 0700. */
  keysDir: string;
  /** Append-only log of checkpoint hashes outside LevelDB (default <keysDir>/checkpoint-head). */
  witnessPath?: string;
  /** 0 turns periodic sealing off. */
  sealIntervalMs?: number;
  /** Checkpoint origin line and key name. */
  origin?: string;
  /** Per-session keys (integrity/keyring.ts): event chunks are then stored AES-256-GCM encrypted. */
  keyringDir?: string;
}

type Db = Level<string, Uint8Array>;
type State = 'closed' | 'opening' | 'open' | 'closing';

/** Event chunks are few and compress ~10×, so they get zlib's default effort. */
const EVENT_COMPRESSION_LEVEL = 6;
const EMPTY = new Uint8Array(0);
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/**
 * VerbatimStore on one LevelDB directory (key layout in keys.ts). All writes
 * go through a WriteQueue (one batch per tick); session updates are serialized
 * per session id; a blob is only reported stored once its batch has landed.
 */
/** Below this size putBlob skips the existence check for digests not in the in-memory set. */
const SMALL_BLOB_BYTES = 256 * 1024;

export class LevelStore implements VerbatimStore {
  private db: Db | undefined;
  private state: State = 'closed';
  private transition: Promise<void> | undefined;
  private readonly active = new Set<Promise<unknown>>();
  private readonly known: LruSet;
  /** p! keys known to be stored, so most captures need no read to learn whether their body is personal. */
  private readonly knownPersonal: LruSet;
  private readonly pendingBlobs = new Map<Digest, Promise<void>>();
  /** Personal bodies being written, by p! key (two captures of one document in one session write it once). */
  private readonly pendingPersonal = new Map<string, Promise<void>>();
  private readonly hashing = new Set<Promise<unknown>>();
  private readonly sessions = new KeyedSerializer();
  private readonly queue: WriteQueue;
  private readonly deflater: DeflateWorker | undefined;
  private blobChecks: HasBatcher | undefined;
  private readonly chains = new ChainWriter();
  private sealer: Sealer | undefined;
  private sealTimer: NodeJS.Timeout | undefined;
  private retention: Retention | undefined;
  private readonly keyring: Keyring | undefined;

  constructor(readonly dir: string, private readonly options: LevelStoreOptions = {}) {
    this.known = new LruSet(options.knownDigests ?? 50_000);
    this.knownPersonal = new LruSet(options.knownDigests ?? 50_000);
    this.queue = new WriteQueue((ops) => this.writeBatch(ops), options.maxBatchBytes);
    this.deflater = options.deflateOnWorker === false ? undefined : new DeflateWorker();
    this.keyring = options.integrity?.keyringDir ? new Keyring(options.integrity.keyringDir) : undefined;
  }

  async open(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'opening') return this.transition;
    if (this.state === 'closing') await this.transition?.catch(() => undefined);
    this.state = 'opening';
    const db: Db = new Level<string, Uint8Array>(this.dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      writeBufferSize: this.options.writeBufferSize ?? 64 * 1024 * 1024,
      cacheSize: this.options.cacheSize ?? 32 * 1024 * 1024,
      maxFileSize: this.options.maxFileSize ?? 8 * 1024 * 1024,
      compression: this.options.snappy ?? true,
    });
    this.transition = db.open().then(() => this.chains.load(db)).then(
      () => {
        this.db = db;
        this.blobChecks = new HasBatcher((keys) => db.hasMany(keys));
        this.state = 'open';
      },
      (err: unknown) => {
        this.state = 'closed';
        void db.close().catch(() => undefined);
        throw new VerbatimError('STORE_NOT_OPEN', 'could not open the store', { dir: this.dir }, { cause: err });
      },
    ).then(() => this.startSealer(db));
    return this.transition;
  }

  /** Waits for operations under way (their writes land), then closes LevelDB. */
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
        // A clean close always leaves every record under a signed checkpoint.
        await this.sealer?.seal().catch(() => undefined);
        await this.deflater?.close();
        await this.db?.close();
      } finally {
        this.db = undefined;
        this.blobChecks = undefined;
        this.known.clear();
        this.knownPersonal.clear();
        this.sealer = undefined;
        this.retention = undefined;
        this.state = 'closed';
      }
    })();
    return this.transition;
  }

  /** `bytes` must not change until the returned promise settles (they are read after a tick). */
  putBlob(bytes: Uint8Array, options?: { compress?: boolean; sessionId?: string }): Promise<Digest> {
    return this.run('putBlob', async (db) => {
      if (!(bytes instanceof Uint8Array)) throw new VerbatimError('BAD_REQUEST', 'blob must be a Uint8Array');
      const compress = options?.compress === true;
      if (options?.sessionId !== undefined && this.keyring) return this.putPersonalBody(db, options.sessionId, bytes, compress);
      const hashed = sha256Hex(bytes);
      if (typeof hashed === 'string') {
        // Registered synchronously: a putCapture issued right after this call finds it pending.
        await this.startBlobPut(hashed, bytes, compress);
        return hashed;
      }
      // A large blob hashes off-thread; until it is registered, putCapture waits on `hashing`.
      const registered = hashed.then((digest) => ({ digest, put: this.startBlobPut(digest, bytes, compress) }));
      this.hashing.add(registered);
      const forget = (): void => { this.hashing.delete(registered); };
      registered.then(forget, forget);
      const { digest, put } = await registered;
      await put;
      return digest;
    });
  }

  getBlob(digest: Digest, sessionId?: string): Promise<Uint8Array | undefined> {
    return this.run('getBlob', async (db) => {
      if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return undefined;
      if (sessionId !== undefined) {
        assertId(sessionId, 'sessionId');
        const key = personalBodyKey(sessionId, digest);
        const sealed = await get(db, key);
        if (sealed !== undefined) return decodeValue(await this.openValue(sessionId, key, sealed));
      }
      const stored = await get(db, blobKey(digest));
      return stored === undefined ? undefined : decodeValue(stored);
    });
  }

  hasBlob(digest: Digest, sessionId?: string): Promise<boolean> {
    return this.run('hasBlob', async (db) => {
      if (sessionId !== undefined && typeof digest === 'string' && DIGEST_PATTERN.test(digest)) {
        assertId(sessionId, 'sessionId');
        if (await db.has(personalBodyKey(sessionId, digest))) return true;
      }
      return this.blobStored(digest);
    });
  }

  putCapture(input: CapturedResource): Promise<void> {
    return this.run('putCapture', async (db) => {
      assertCapture(input);
      const capture = { ...input };
      for (const part of ['body', 'requestBody'] as const) {
        const body = capture[part];
        if (!body) continue;
        if (capture.sessionId !== undefined && await this.personalStored(db, capture.sessionId, body.digest)) {
          capture[part] = { ...body, sealed: true } as never;
        } else if (!(await this.blobStored(body.digest, true))) {
          throw new VerbatimError('BLOB_MISSING', `capture ${part === 'body' ? 'body' : 'request body'} is not stored`, {
            captureId: capture.id, digest: body.digest,
          });
        } else if (body.sealed) {
          capture[part] = { ...body, sealed: false } as never;
        }
      }
      const value = encodeJson(capture);
      // The session's chain covers its x! record; verify checks the u! copy against it.
      // A capture with a personal body gets no u! copy: no other session's replay may use it.
      const ops: WriteOp[] = capture.body?.sealed ? [] : [{
        type: 'put', key: captureByUrlKey(capture.url, capture.startedAt, capture.id), value,
        ...(capture.sessionId === undefined ? { chain: STORE_CHAIN } : {}),
      }];
      if (capture.sessionId !== undefined) {
        ops.push({
          type: 'put', key: captureBySessionKey(capture.sessionId, capture.url, capture.startedAt, capture.id), value,
          chain: capture.sessionId,
        });
      }
      await this.queue.submit(ops);
    });
  }

  findCapture(query: CaptureQuery): Promise<CapturedResource | undefined> {
    return this.run('findCapture', async (db) => {
      assertUrl(query.url, 'query.url');
      if (typeof query.at !== 'number' || Number.isNaN(query.at)) {
        throw new VerbatimError('BAD_REQUEST', 'query.at must be a number', { field: 'query.at' });
      }
      if (query.sessionId !== undefined) {
        assertId(query.sessionId, 'query.sessionId');
        const own = await scanOne<CapturedResource>(db, sessionCapturesOfUrlUpTo(query.sessionId, query.url, query.at), true);
        if (own) return own;
      }
      return (await scanOne<CapturedResource>(db, capturesOfUrlUpTo(query.url, query.at), true))
        ?? (await scanOne<CapturedResource>(db, capturesOfUrlAfter(query.url, query.at), false));
    });
  }

  latestCapture(url: string): Promise<CapturedResource | undefined> {
    return this.run('latestCapture', async (db) => {
      assertUrl(url, 'url');
      return scanOne<CapturedResource>(db, capturesOfUrl(url), true);
    });
  }

  /** Captures of a session, oldest first. */
  putWebSocketMessages(messages: WebSocketMessage[]): Promise<void> {
    return this.run('putWebSocketMessages', async () => {
      for (const m of messages) assertWebSocketMessage(m);
      if (!messages.length) return;
      await this.queue.submit(await Promise.all(messages.map(async (m) => {
        const key = webSocketMessageKey(m.sessionId, m.at, m.socketId, m.seq);
        return { type: 'put' as const, key, value: await this.sealValue(m.sessionId, key, encodeJson(m)), chain: m.sessionId };
      })));
    });
  }

  listWebSocketMessages(sessionId: string): Promise<WebSocketMessage[]> {
    return this.run('listWebSocketMessages', async (db) => {
      assertId(sessionId, 'sessionId');
      const entries = await db.iterator({ ...webSocketMessageRange(sessionId) }).all();
      return Promise.all(entries.map(async ([k, v]) => decodeJson<WebSocketMessage>(await this.openValue(sessionId, k, v))));
    });
  }

  listCaptures(sessionId: string): Promise<CapturedResource[]> {
    return this.run('listCaptures', async (db) => {
      assertId(sessionId, 'sessionId');
      const values = await db.values({ ...sessionCaptures(sessionId) }).all();
      return values
        .map((v) => decodeJson<CapturedResource>(v))
        .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  createSession(init: SessionInit): Promise<Session> {
    return this.run('createSession', async (db) => {
      assertSessionInit(init);
      return this.sessions.run(init.id, async () => {
        if (await db.has(sessionKey(init.id))) {
          throw new VerbatimError('BAD_REQUEST', 'session already exists', { sessionId: init.id });
        }
        const session: Session = { ...init, endedAt: init.endedAt ?? init.startedAt, pages: [], eventCount: 0 };
        await this.queue.submit([
          { type: 'put', key: sessionKey(session.id), value: await this.sealValue(session.id, sessionKey(session.id), encodeJson(session)), chain: session.id },
          { type: 'put', key: sessionByStartKey(session.startedAt, session.id), value: EMPTY },
        ]);
        return session;
      });
    });
  }

  getSession(id: string): Promise<Session | undefined> {
    return this.run('getSession', (db) => this.readSession(db, id));
  }

  listSessions(query: SessionListQuery = {}): Promise<Session[]> {
    return this.run('listSessions', async (db) => {
      const { limit, before } = query;
      if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
        throw new VerbatimError('BAD_REQUEST', 'limit must be a non-negative integer', { field: 'limit' });
      }
      if (before !== undefined && (typeof before !== 'number' || Number.isNaN(before))) {
        throw new VerbatimError('BAD_REQUEST', 'before must be a number', { field: 'before' });
      }
      if (limit === 0) return [];
      const keys = await db.keys({ ...sessionsByStartRange(before), reverse: true, limit: limit ?? -1 }).all();
      if (keys.length === 0) return [];
      const ids = keys.map(sessionIdFromStartKey);
      const values = await db.getMany(ids.map(sessionKey));
      const sessions = await Promise.all(ids.map(async (id, i) => {
        const v = values[i] as Uint8Array | undefined;
        return v === undefined ? undefined : decodeJson<Session>(await this.openValue(id, sessionKey(id), v));
      }));
      return sessions.filter((x): x is Session => x !== undefined);
    });
  }

  appendEvents(batch: EventBatch): Promise<Session> {
    return this.run('appendEvents', async (db) => {
      assertBatch(batch);
      const { sessionId, seq } = batch;
      const pageId = batch.page.id;
      // Compress before taking the session's turn, so the serialized part stays short.
      const chunkKey = eventChunkKey(sessionId, firstEventAt(batch), pageId, seq);
      const deflated = await this.deflate(encodeJson(batch), EVENT_COMPRESSION_LEVEL);
      const chunk = await this.sealValue(sessionId, chunkKey, deflated);
      return this.sessions.run(sessionId, async () => {
        const session = await this.readSession(db, sessionId);
        if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
        const marker = batchMarkerKey(sessionId, pageId, seq);
        if (await db.has(marker)) return session;
        const updated = applyBatch(session, batch);
        await this.queue.submit([
          { type: 'put', key: chunkKey, value: chunk, chain: sessionId },
          { type: 'put', key: marker, value: EMPTY },
          { type: 'put', key: sessionKey(sessionId), value: await this.sealValue(sessionId, sessionKey(sessionId), encodeJson(updated)), chain: sessionId },
        ]);
        return updated;
      });
    });
  }

  readEvents(sessionId: string): Promise<EventBatch[]> {
    return this.run('readEvents', async (db) => {
      assertId(sessionId, 'sessionId');
      if (!(await db.has(sessionKey(sessionId)))) {
        throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
      }
      const entries = await db.iterator({ ...eventChunkRange(sessionId) }).all();
      return Promise.all(entries.map(async ([k, v]) => decodeJson<EventBatch>(await decodeValue(await this.openValue(sessionId, k, v)))));
    });
  }

  /** Total bytes of the files in the LevelDB directory. */
  diskUsage(): Promise<number> {
    return this.run('diskUsage', async () => {
      const entries = await readdir(this.dir, { withFileTypes: true });
      const sizes = await Promise.all(entries
        .filter((e) => e.isFile())
        .map((e) => stat(join(this.dir, e.name)).then((s) => s.size, () => 0)));
      return sizes.reduce((a, b) => a + b, 0);
    });
  }

  /**
   * Seals a signed checkpoint now (integrity.keysDir must be set). Returns undefined
   * when nothing was written since the last checkpoint, unless `force`.
   */
  seal(force = false): Promise<SealResult | undefined> {
    return this.run('seal', async () => {
      if (!this.sealer) throw new VerbatimError('CONFIG_INVALID', 'sealing needs integrity.keysDir');
      return this.sealer.seal(force);
    });
  }

  /**
   * The proof half of an evidence file (integrity/evidence.ts) read through this open store:
   * sealed first, in the session's turn, so the chain head it proves is the one it reads.
   */
  evidence(sessionId: string): Promise<EvidenceProof> {
    return this.run('evidence', async (db) => {
      assertId(sessionId, 'sessionId');
      const sealer = this.sealer;
      if (!sealer) throw new VerbatimError('CONFIG_INVALID', 'evidence needs integrity.keysDir');
      return this.sessions.run(sessionId, async () => {
        await sealer.seal();
        return readEvidence(db, sessionId, sealer.key, await this.keyring?.exportKey(sessionId));
      });
    });
  }

  /**
   * Legal holds, erasure with signed tombstones, and expiry (integrity/retention.ts);
   * needs integrity.keysDir (tombstones are signed with the checkpoint key).
   */
  records(): Promise<Retention> {
    return this.run('records', async () => {
      if (!this.retention) throw new VerbatimError('CONFIG_INVALID', 'erasure and holds need integrity.keysDir');
      return this.retention;
    });
  }

  private async startSealer(db: Db): Promise<void> {
    const integrity = this.options.integrity;
    if (!integrity) return;
    try {
      const key = await loadOrCreateSigningKey(integrity.keysDir, integrity.origin);
      const sealer = new Sealer(this.chains, key, integrity.witnessPath ?? join(integrity.keysDir, WITNESS_FILE),
        (ops) => this.queue.submit(ops));
      await sealer.load(db);
      this.sealer = sealer;
      this.retention = new Retention({
        db, sealer, submit: (ops) => this.queue.submit(ops), inSession: (id, fn) => this.sessions.run(id, fn), keyring: this.keyring,
      });
    } catch (err) {
      await this.close();
      throw new VerbatimError('STORE_NOT_OPEN', 'could not load the checkpoint signing key', { dir: this.dir }, { cause: err });
    }
    const interval = integrity.sealIntervalMs ?? 60_000;
    if (interval > 0) {
      // Periodic seals are best effort: a failed one is retried next time, and close() seals again.
      this.sealTimer = setInterval(() => { void this.sealer?.seal().catch(() => undefined); }, interval);
      this.sealTimer.unref();
    }
  }

  /** Runs an operation only while open, and tracks it so close() can wait for it. */
  private run<T>(op: string, fn: (db: Db) => Promise<T>): Promise<T> {
    const db = this.db;
    if (this.state !== 'open' || db === undefined) {
      return Promise.reject(new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { op }));
    }
    const result = fn(db);
    this.active.add(result);
    const forget = (): void => { this.active.delete(result); };
    result.then(forget, forget);
    return result;
  }

  /** A session's own record value, sealed with its key when there is a keyring. */
  private sealValue(sessionId: string, key: string, plain: Uint8Array): Promise<Uint8Array> {
    return this.keyring ? this.keyring.seal(sessionId, key, plain) : Promise.resolve(plain);
  }

  private openValue(sessionId: string, key: string, stored: Uint8Array): Promise<Uint8Array> | Uint8Array {
    return this.keyring ? this.keyring.open(sessionId, key, stored) : stored;
  }

  private async readSession(db: Db, id: string): Promise<Session | undefined> {
    assertId(id, 'sessionId');
    const stored = await get(db, sessionKey(id));
    return stored === undefined ? undefined : decodeJson<Session>(await this.openValue(id, sessionKey(id), stored));
  }

  /** A session's personal body (personal-data.ts): sealed under p!, chained with the session, written once per session. */
  private async putPersonalBody(db: Db, sessionId: string, bytes: Uint8Array, compress: boolean): Promise<Digest> {
    assertId(sessionId, 'sessionId');
    const digest = await sha256Hex(bytes);
    const key = personalBodyKey(sessionId, digest);
    let pending = this.pendingPersonal.get(key);
    if (!pending) {
      pending = (async () => {
        if (await db.has(key)) return void this.knownPersonal.add(key);
        const encoded = compress ? await this.deflate(bytes, this.options.blobCompressionLevel ?? 1) : withCodec(CODEC_RAW, bytes);
        await this.queue.submit([{ type: 'put', key, value: await this.sealValue(sessionId, key, encoded), chain: sessionId }]);
        this.knownPersonal.add(key);
      })().finally(() => this.pendingPersonal.delete(key));
      this.pendingPersonal.set(key, pending);
    }
    await pending;
    return digest;
  }

  /** Whether the session holds its own (sealed) copy of a body; a body known as shared needs no read. */
  private async personalStored(db: Db, sessionId: string, digest: Digest): Promise<boolean> {
    if (!this.keyring) return false;
    const key = personalBodyKey(sessionId, digest);
    if (this.knownPersonal.has(key)) return true;
    if (this.known.has(digest) || !(await db.has(key))) return false;
    this.knownPersonal.add(key);
    return true;
  }

  /** Joins or starts the write of a blob; registers it as pending before returning. */
  private startBlobPut(digest: Digest, bytes: Uint8Array, compress: boolean): Promise<void> {
    if (this.known.has(digest)) return Promise.resolve();
    let pending = this.pendingBlobs.get(digest);
    if (!pending) {
      pending = this.storeBlob(digest, bytes, compress).finally(() => this.pendingBlobs.delete(digest));
      this.pendingBlobs.set(digest, pending);
    }
    return pending;
  }

  private async storeBlob(digest: Digest, bytes: Uint8Array, compress: boolean): Promise<void> {
    const key = blobKey(digest);
    // For small blobs a blind rewrite of identical bytes is cheaper than LevelDB's
    // synchronous existence check (no bloom filter); large ones are looked up first.
    if (bytes.length < SMALL_BLOB_BYTES || !(await this.blobChecks!.has(key))) {
      const value = compress
        ? await this.deflate(bytes, this.options.blobCompressionLevel ?? 1)
        : withCodec(CODEC_RAW, bytes);
      await this.queue.submit([{ type: 'put', key, value }]);
    }
    this.known.add(digest);
  }

  /**
   * Whether a blob has landed. With `awaitPending`, a blob whose write is under
   * way counts once (and only if) that write succeeds.
   */
  private async blobStored(digest: Digest, awaitPending = false): Promise<boolean> {
    if (typeof digest !== 'string' || !DIGEST_PATTERN.test(digest)) return false;
    if (this.known.has(digest)) return true;
    if (awaitPending) {
      // A large blob may still be hashing, so its pending entry does not exist yet.
      if (!this.pendingBlobs.has(digest) && this.hashing.size > 0) await Promise.allSettled([...this.hashing]);
      const pending = this.pendingBlobs.get(digest);
      if (pending) return pending.then(() => true, () => false);
    }
    const stored = await this.blobChecks!.has(blobKey(digest));
    if (stored) this.known.add(digest);
    return stored;
  }

  private deflate(bytes: Uint8Array, level: number): Promise<Uint8Array> {
    return this.deflater ? this.deflater.encode(bytes, level) : encodeValue(bytes, true, level);
  }

  private async writeBatch(ops: WriteOp[]): Promise<void> {
    try {
      await this.options.beforeWrite?.(ops.length);
      const db = this.db;
      if (!db) throw new Error('database closed');
      // Chain links go into the same atomic batch as the records they cover.
      const chained = this.chains.extend(ops);
      await db.batch(chained.ops);
      chained.commit();
    } catch (err) {
      throw new VerbatimError('STORE_WRITE_FAILED', 'writing to the store failed', { operations: ops.length }, { cause: err });
    }
  }
}

async function get(db: Db, key: string): Promise<Uint8Array | undefined> {
  return (await db.get(key)) as Uint8Array | undefined;
}


async function scanOne<T>(db: Db, range: KeyRange, reverse: boolean): Promise<T | undefined> {
  const [value] = await db.values({ ...range, reverse, limit: 1 }).all();
  return value === undefined ? undefined : decodeJson<T>(value);
}
