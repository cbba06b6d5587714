/**
 * A second backend written only against the backend interface (base/backend.ts, the underscored methods of
 * StoreBase), to prove that interface is enough: it passes the same contract suite as LevelDB. Plain maps and scans;
 * for tests, demos and as the template for the next backend. Not durable.
 */
import type { Head } from '../integrity/link';
import { decodeHead } from '../integrity/link';
import type { RecordKind } from '../record-ids';
import type { BackendWrite, CaptureLookup, SessionPage, StoredRecord } from '../base/backend';
import { StoreBase, type StoreBaseOptions } from '../base/store-base';

interface Data {
  records: Map<string, StoredRecord>;
  blobs: Map<string, Uint8Array>;
  links: Map<string, Uint8Array[]>;
  heads: Map<string, Uint8Array>;
  checkpoints: Map<number, Uint8Array>;
  feed: Map<number, Uint8Array>;
  meta: Map<string, Uint8Array>;
}

const byAtThenId = (a: StoredRecord, b: StoredRecord): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class MemoryStore extends StoreBase {
  protected readonly engine = { multiWriter: false, durable: false };
  private data: Data | undefined;

  constructor(options: StoreBaseOptions = {}) {
    super(options);
  }

  private get d(): Data {
    if (!this.data) throw new Error('memory store is not open');
    return this.data;
  }

  protected async _open(): Promise<void> {
    this.data ??= { records: new Map(), blobs: new Map(), links: new Map(), heads: new Map(), checkpoints: new Map(), feed: new Map(), meta: new Map() };
  }

  /** Keeps the data: a closed and reopened memory store still holds it (as long as the object lives). */
  protected async _close(): Promise<void> {}

  protected async _recover(): Promise<void> {}

  protected async _commit(write: BackendWrite): Promise<void> {
    const d = this.d;
    // Copies: the caller's buffers may be reused.
    for (const b of write.blobs) d.blobs.set(b.digest, Uint8Array.from(b.value));
    for (const r of write.del) d.records.delete(r.id);
    for (const r of write.put) d.records.set(r.id, { ...r, value: Uint8Array.from(r.value) });
    for (const l of write.links) {
      const list = d.links.get(l.chain) ?? [];
      list[l.index] = Uint8Array.from(l.value);
      d.links.set(l.chain, list);
    }
    for (const h of write.heads) d.heads.set(h.chain, Uint8Array.from(h.value));
    for (const digest of write.deleteBlobs) d.blobs.delete(digest);
    for (const f of write.feed) d.feed.set(f.seq, f.value);
    if (write.checkpoint) d.checkpoints.set(write.checkpoint.seq, write.checkpoint.value);
    for (const m of write.meta) {
      if (m.value === undefined) d.meta.delete(m.key);
      else d.meta.set(m.key, m.value);
    }
  }

  protected async _get(id: string): Promise<StoredRecord | undefined> {
    return this.d.records.get(id);
  }

  protected async _getMany(ids: string[]): Promise<(StoredRecord | undefined)[]> {
    return ids.map((id) => this.d.records.get(id));
  }

  protected async _has(id: string): Promise<boolean> {
    return this.d.records.has(id);
  }

  protected async _list(kind: RecordKind, sessionId: string): Promise<StoredRecord[]> {
    return [...this.d.records.values()].filter((r) => r.kind === kind && r.sessionId === sessionId).sort(byAtThenId);
  }

  protected async _listSessions(page: SessionPage): Promise<StoredRecord[]> {
    const below = page.below;
    return [...this.d.records.values()]
      .filter((r) => r.kind === 'session' && (!below || r.at < below.at || (r.at === below.at && r.sessionId < below.id)))
      .sort((a, b) => b.at - a.at || (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0))
      .slice(0, page.limit);
  }

  protected async _findCapture(q: CaptureLookup): Promise<StoredRecord | undefined> {
    const candidates = [...this.d.records.values()]
      .filter((r) => r.kind === 'capture' && r.url === q.url && (q.sessionId !== undefined ? r.sessionId === q.sessionId : r.shared === true))
      .filter((r) => (q.direction === 'after' ? Math.floor(r.at) > Math.floor(q.at) : Math.floor(r.at) <= Math.floor(q.at)))
      .sort(byAtThenId);
    return q.direction === 'after' ? candidates[0] : candidates[candidates.length - 1];
  }

  protected async _sessionsByCustomer(customerKey: string): Promise<string[]> {
    return [...this.d.records.values()].filter((r) => r.kind === 'customer' && r.customerKey === customerKey).map((r) => r.sessionId);
  }

  protected async _getBlob(digest: string): Promise<Uint8Array | undefined> {
    return this.d.blobs.get(digest);
  }

  protected async _hasBlobs(digests: string[]): Promise<boolean[]> {
    return digests.map((d) => this.d.blobs.has(d));
  }

  protected async _blobReferrers(digest: string, limit: number): Promise<string[]> {
    return [...this.d.records.values()].filter((r) => r.blobs?.includes(digest)).slice(0, limit).map((r) => r.id);
  }

  protected async _heads(): Promise<Map<string, Head>> {
    const heads = new Map<string, Head>();
    for (const [chain, value] of this.d.heads) {
      const head = decodeHead(value);
      if (head) heads.set(chain, head);
    }
    return heads;
  }

  protected async _head(chain: string): Promise<Uint8Array | undefined> {
    return this.d.heads.get(chain);
  }

  protected async *_links(chain: string): AsyncIterable<{ index: number; value: Uint8Array }> {
    const list = this.d.links.get(chain) ?? [];
    for (let index = 0; index < list.length; index += 1) if (list[index]) yield { index, value: list[index]! };
  }

  protected async _chainIds(): Promise<string[]> {
    return [...this.d.heads.keys()];
  }

  protected async _checkpoints(): Promise<{ seq: number; value: Uint8Array }[]> {
    return [...this.d.checkpoints].sort((a, b) => a[0] - b[0]).map(([seq, value]) => ({ seq, value }));
  }

  protected async *_records(): AsyncIterable<StoredRecord> {
    yield* [...this.d.records.values()];
  }

  protected async _feedHead(): Promise<number> {
    return Math.max(0, ...this.d.feed.keys());
  }

  protected async _readFeed(afterSeq: number, limit: number): Promise<Uint8Array[]> {
    return [...this.d.feed].filter(([seq]) => seq > afterSeq).sort((a, b) => a[0] - b[0]).slice(0, limit).map(([, v]) => v);
  }

  protected async _getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.d.meta.get(key);
  }

  protected override async *_metaEntries(): AsyncIterable<{ key: string; value: Uint8Array }> {
    for (const [key, value] of [...this.d.meta.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) yield { key, value };
  }

  protected async _diskUsage(): Promise<number> {
    let n = 0;
    for (const r of this.d.records.values()) n += r.value.byteLength + r.id.length;
    for (const b of this.d.blobs.values()) n += b.byteLength;
    return n;
  }
}
