/**
 * The default backend: one LevelDB directory (key layout in keys.ts), zero setup. Each backend write is one LevelDB
 * batch, so a record, its index entries, its chain link and its change-feed entry land together or not at all.
 * LevelDB allows one process per directory (its LOCK file), which makes this backend a single writer.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { VerbatimError } from '../errors';
import { FileSharedState } from '../files/file-shared-state';
import type { Head } from '../integrity/link';
import { decodeHead } from '../integrity/link';
import type { RecordKind } from '../record-ids';
import type { BackendWrite, CaptureLookup, SessionPage, StoredRecord } from '../base/backend';
import { StoreBase, type StoreBaseOptions } from '../base/store-base';
import {
  ALL_CHECKPOINTS, ALL_FEED, ALL_HEADS, ALL_META, ALL_RECORDS, INDEX_RANGES, LEGACY_RANGES, SEP, blobKey, blobRefsRange,
  capturesUpTo, checkpointKey, customerRange, decodeRecord, encodeRecord, feedKey, hasKindIndex, headKey, idOfIndexKey,
  indexKeysOf, kindIndexRange, linkKey, linkRange, metaKey, padTime, recordKey, sessionCapturesRange, sessionsRange,
  capturesAfter,
} from './keys';
import { RecordId } from '../record-ids';
import type { KeyRange } from './keys';

export interface LevelStoreOptions extends StoreBaseOptions {
  /** LevelDB memtable size; larger absorbs bursts of bodies with fewer compactions. */
  writeBufferSize?: number;
  /** LevelDB block cache size. */
  cacheSize?: number;
  /** LevelDB table file size; larger keeps the file count down for a store full of bodies. */
  maxFileSize?: number;
  /** LevelDB's own Snappy compression of table blocks. */
  snappy?: boolean;
  /**
   * Where shared documents and logs live (accounts, terminals, the audit trail): files in this directory, not the
   * LevelDB, because the CLI changes them while `verbatim start` holds the LevelDB's lock (files/file-shared-state.ts).
   * The CLI passes the data directory. Without it the store keeps no shared state.
   */
  sharedStateDir?: string;
}

type Db = Level<string, Uint8Array>;
type BatchOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };
const EMPTY = new Uint8Array(0);

export class LevelStore extends StoreBase {
  protected readonly engine = { multiWriter: false, durable: true };
  private db: Db | undefined;
  private readonly shared: FileSharedState | undefined;

  constructor(readonly dir: string, private readonly levelOptions: LevelStoreOptions = {}) {
    super(levelOptions);
    this.shared = levelOptions.sharedStateDir ? new FileSharedState(levelOptions.sharedStateDir) : undefined;
  }

  protected override _sharedState(): FileSharedState | undefined {
    return this.shared;
  }

  private handle(): Db {
    if (!this.db) throw new VerbatimError('STORE_NOT_OPEN', 'the store is not open', { dir: this.dir });
    return this.db;
  }

  protected async _open(): Promise<void> {
    const db: Db = new Level<string, Uint8Array>(this.dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      createIfMissing: !this.options.readOnly,
      writeBufferSize: this.levelOptions.writeBufferSize ?? 64 * 1024 * 1024,
      cacheSize: this.levelOptions.cacheSize ?? 32 * 1024 * 1024,
      maxFileSize: this.levelOptions.maxFileSize ?? 8 * 1024 * 1024,
      compression: this.levelOptions.snappy ?? true,
    });
    try {
      await db.open();
    } catch (err) {
      await db.close().catch(() => undefined);
      throw new VerbatimError('STORE_NOT_OPEN', `could not open the store at ${this.dir} (missing, or in use by another Verbatim)`, { dir: this.dir }, { cause: err });
    }
    this.db = db;
  }

  protected async _close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  /**
   * After a failed batch LevelDB's log may end in a torn record. Writing on through the same handle appends after
   * it, and the next recovery drops everything past the tear — acknowledged writes included. Reopening first makes
   * LevelDB recover the log (dropping only the unacknowledged tail) and start a fresh one.
   */
  protected async _recover(): Promise<void> {
    await this._close().catch(() => undefined);
    await this._open();
  }

  protected override async isLegacy(): Promise<boolean> {
    for (const range of LEGACY_RANGES) if ((await this.handle().keys({ ...range, limit: 1 }).all()).length > 0) return true;
    return false;
  }

  protected async _commit(write: BackendWrite): Promise<void> {
    const db = this.handle();
    const ops: BatchOp[] = [];
    for (const b of write.blobs) ops.push({ type: 'put', key: blobKey(b.digest), value: b.value });
    // A record written again with other index attributes must not leave its old index entries behind. Only kinds
    // whose attributes can change under the same id are looked up: a WebSocket message resent with another time, a
    // capture resent (a kiosk), a note edited. Sessions keep their start, events, bodies, links and tombstones never change.
    const mutable = write.put.filter((r) => r.kind === 'capture' || r.kind === 'ws' || r.kind === 'note');
    const previous = mutable.length ? await db.getMany(mutable.map((r) => recordKey(r.id))) : [];
    const dropped = new Set<string>();
    mutable.forEach((r, i) => {
      const old = previous[i];
      if (old === undefined) return;
      const before = decodeRecord(r.id, old);
      if (!before) return;
      const now = new Set(indexKeysOf(r));
      for (const key of indexKeysOf(before)) if (!now.has(key)) dropped.add(key);
    });
    for (const key of dropped) ops.push({ type: 'del', key });
    for (const r of write.del) {
      ops.push({ type: 'del', key: recordKey(r.id) });
      for (const key of indexKeysOf(r)) ops.push({ type: 'del', key });
    }
    for (const r of write.put) {
      ops.push({ type: 'put', key: recordKey(r.id), value: encodeRecord(r) });
      for (const key of indexKeysOf(r)) ops.push({ type: 'put', key, value: EMPTY });
    }
    for (const l of write.links) ops.push({ type: 'put', key: linkKey(l.chain, l.index), value: l.value });
    for (const h of write.heads) ops.push({ type: 'put', key: headKey(h.chain), value: h.value });
    for (const d of write.deleteBlobs) ops.push({ type: 'del', key: blobKey(d) });
    for (const f of write.feed) ops.push({ type: 'put', key: feedKey(f.seq), value: f.value });
    if (write.checkpoint) ops.push({ type: 'put', key: checkpointKey(write.checkpoint.seq), value: write.checkpoint.value });
    for (const m of write.meta) ops.push(m.value === undefined ? { type: 'del', key: metaKey(m.key) } : { type: 'put', key: metaKey(m.key), value: m.value });
    if (ops.length === 0) return;
    await db.batch(ops);
  }

  protected async _get(id: string): Promise<StoredRecord | undefined> {
    const value = await this.handle().get(recordKey(id));
    return value === undefined ? undefined : decodeRecord(id, value);
  }

  protected async _getMany(ids: string[]): Promise<(StoredRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const values = await this.handle().getMany(ids.map(recordKey));
    return values.map((v, i) => (v === undefined ? undefined : decodeRecord(ids[i]!, v)));
  }

  protected _has(id: string): Promise<boolean> {
    return this.handle().has(recordKey(id));
  }

  protected async _list(kind: RecordKind, sessionId: string): Promise<StoredRecord[]> {
    if (!hasKindIndex(kind, sessionId)) {
      if (kind !== 'capture') {
        const one = await this._get(singletonId(kind, sessionId));
        return one && one.sessionId === sessionId ? [one] : [];
      }
      const keys = await this.handle().keys(sessionCapturesRange(sessionId)).all();
      const records = (await this._getMany(keys.map(idOfIndexKey))).filter((r): r is StoredRecord => r !== undefined);
      return records.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    const keys = await this.handle().keys(kindIndexRange(sessionId, kind)).all();
    const records = await this._getMany(keys.map(idOfIndexKey));
    return records.filter((r): r is StoredRecord => r !== undefined);
  }

  protected async _listSessions(page: SessionPage): Promise<StoredRecord[]> {
    const range: KeyRange = page.below ? { gte: sessionsRange.gte, lt: `S!${padTime(page.below.at)}${SEP}${page.below.id}` } : sessionsRange;
    const keys = await this.handle().keys({ ...range, reverse: true, limit: page.limit >= Number.MAX_SAFE_INTEGER ? -1 : page.limit }).all();
    const records = await this._getMany(keys.map((k) => `session/${encodeIdPart(idOfIndexKey(k))}`));
    return records.filter((r): r is StoredRecord => r !== undefined);
  }

  protected async _findCapture(q: CaptureLookup): Promise<StoredRecord | undefined> {
    const range = q.direction === 'after' ? capturesAfter(q.url, q.at, q.sessionId) : capturesUpTo(q.url, q.at, q.sessionId);
    const [key] = await this.handle().keys({ ...range, reverse: q.direction !== 'after', limit: 1 }).all();
    return key === undefined ? undefined : this._get(idOfIndexKey(key));
  }

  protected async _sessionsByCustomer(customerKey: string): Promise<string[]> {
    return (await this.handle().keys(customerRange(customerKey)).all()).map(idOfIndexKey);
  }

  protected async _getBlob(digest: string): Promise<Uint8Array | undefined> {
    return this.handle().get(blobKey(digest));
  }

  protected async _hasBlobs(digests: string[]): Promise<boolean[]> {
    return this.handle().hasMany(digests.map(blobKey));
  }

  protected async _blobReferrers(digest: string, limit: number): Promise<string[]> {
    return (await this.handle().keys({ ...blobRefsRange(digest), limit }).all()).map(idOfIndexKey);
  }

  protected async _heads(): Promise<Map<string, Head>> {
    const heads = new Map<string, Head>();
    for await (const [key, value] of this.handle().iterator(ALL_HEADS)) {
      const head = decodeHead(value);
      if (head) heads.set(key.slice(2), head);
    }
    return heads;
  }

  protected _head(chain: string): Promise<Uint8Array | undefined> {
    return this.handle().get(headKey(chain));
  }

  protected async *_links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }> {
    for await (const [key, value] of this.handle().iterator(linkRange(chain))) {
      yield { index: Number(key.slice(key.lastIndexOf(SEP) + 1)), value };
    }
  }

  protected async _chainIds(): Promise<string[]> {
    return (await this.handle().keys(ALL_HEADS).all()).map((k) => k.slice(2));
  }

  protected async _checkpoints(): Promise<{ seq: number; value: Uint8Array }[]> {
    return (await this.handle().iterator(ALL_CHECKPOINTS).all()).map(([k, value]) => ({ seq: Number(k.slice(2)), value }));
  }

  protected async *_records(): AsyncIterable<StoredRecord> {
    for await (const [key, value] of this.handle().iterator(ALL_RECORDS)) {
      const id = key.slice(2);
      yield decodeRecord(id, value) ?? { id, kind: 'session', sessionId: '\u0000unreadable', at: 0, value };
    }
  }

  protected async _feedHead(): Promise<number> {
    const [key] = await this.handle().keys({ ...ALL_FEED, reverse: true, limit: 1 }).all();
    return key === undefined ? 0 : Number(key.slice(2));
  }

  protected async _readFeed(afterSeq: number, limit: number): Promise<Uint8Array[]> {
    return this.handle().values({ gt: feedKey(afterSeq), lt: ALL_FEED.lt, limit }).all();
  }

  protected _getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.handle().get(metaKey(key));
  }

  protected override async *_metaEntries(): AsyncIterable<{ key: string; value: Uint8Array }> {
    for await (const [key, value] of this.handle().iterator(ALL_META)) yield { key: key.slice(2), value };
  }

  /** Total bytes of the files in the LevelDB directory. */
  protected async _diskUsage(): Promise<number> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const sizes = await Promise.all(entries
      .filter((e) => e.isFile())
      .map((e) => stat(join(this.dir, e.name)).then((s) => s.size, () => 0)));
    return sizes.reduce((a, b) => a + b, 0);
  }

  /** Index entries that no record produces (an altered or inserted index entry could redirect a lookup). */
  protected override async *_indexProblems(): AsyncIterable<{ key: string; message: string }> {
    const db = this.handle();
    for (const range of INDEX_RANGES) {
      const keys = await db.keys(range).all();
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        const ids = chunk.map((k) => (k.startsWith('S!') ? `session/${encodeIdPart(idOfIndexKey(k))}` : k.startsWith('c!') ? `customer/${encodeIdPart(idOfIndexKey(k))}` : idOfIndexKey(k)));
        const records = await this._getMany(ids);
        for (let j = 0; j < chunk.length; j += 1) {
          const record = records[j];
          if (!record || !indexKeysOf(record).includes(chunk[j]!)) {
            yield { key: chunk[j]!.replace(/\u0000/g, '␀'), message: `index entry ${chunk[j]!.replace(/\u0000/g, '␀')} matches no record: it was altered or inserted` };
          }
        }
      }
    }
  }
}

/** The id of a kind a session holds one of. */
function singletonId(kind: RecordKind, sessionId: string): string {
  return kind === 'session' ? RecordId.session(sessionId) : kind === 'customer' ? RecordId.customer(sessionId) : RecordId.tombstone(sessionId);
}

/** The id part encoding of record-ids.ts (session ids rarely need it, but the index must map back exactly). */
function encodeIdPart(s: string): string {
  return s.replace(/%/g, '%25').replace(/\//g, '%2F');
}
