/**
 * Turns the store's writes into backend writes, one at a time. Each `submit` is a group that must land together;
 * groups queued while a write is in flight go into the next write (so under load writes grow instead of queueing
 * up), unless a group touches a record already in it (then it waits for the next). A write lands whole or not at
 * all, and a failure rejects only the groups in it.
 *
 * At the moment a write is built — strictly one at a time — the queue adds what must be exactly ordered: the hash
 * chain links and heads (ChainHeads), the change-feed sequence numbers, and the deletion of shared bodies an erasure
 * left without any record naming them (checked here, so no capture can start naming one in between).
 */
import type { Change, ChangeEvent } from '../change-feed';
import { VerbatimError, isVerbatimError } from '../errors';
import type { ChainHeads } from '../integrity/chain-heads';
import { decodeHead, type Head } from '../integrity/link';
import type { BackendWrite, RecordKey, StoredRecord } from './backend';
import { emptyWrite } from './backend';
import type { BlobCache } from './blob-cache';

export interface WriteGroup {
  put?: StoredRecord[];
  del?: RecordKey[];
  blobs?: { digest: string; value: Uint8Array }[];
  meta?: { key: string; value: Uint8Array | undefined }[];
  changes?: ChangeEvent[];
  /** Shared bodies that may have lost their last reference in this group (erasure). */
  gc?: string[];
  /** Shared bodies found stored (or put again) after the backend reported them deleted (BackendWrite.reviveBlobs). */
  revive?: string[];
  checkpoint?: { seq: number; value: Uint8Array };
}

export interface CommitTarget {
  commit(write: BackendWrite): Promise<void>;
  /** Up to `limit` ids of records naming the shared body. */
  blobReferrers(digest: string, limit: number): Promise<string[]>;
  /**
   * A shared backend (several writers): after it refused a write with STORE_CONFLICT, the stored heads of these
   * chains and the stored feed head, so the write can be rebuilt on top of what the other writers committed.
   */
  reload?(chains: string[]): Promise<{ heads: Map<string, Head | undefined>; feedHead: number }>;
}

/** Retries of one write refused with STORE_CONFLICT before its groups fail (each retry follows a fresh reload). */
const CONFLICT_RETRIES = 50;

interface Queued {
  group: WriteGroup;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class CommitQueue {
  private queued: Queued[] = [];
  private scheduled = false;
  private inFlight: Promise<void> | undefined;
  private feedSeq = 0;
  private halted = false;
  /** When the last write landed or failed (performance.now()). */
  private lastLanded = -Infinity;

  constructor(
    private readonly target: CommitTarget,
    private readonly chains: ChainHeads,
    private readonly blobs: BlobCache,
    /** Told of each change once its write has landed. */
    private readonly onChanges: (changes: Change[]) => void,
    /** Told when a write failed; the queue then refuses writes until `resume`. */
    private readonly onFailure: (err: unknown) => void,
    private readonly maxWriteBytes = 16 * 1024 * 1024,
    /**
     * While writes follow each other closely (the last landed less than 4× this ago), the next waits this long for
     * more groups: fewer, larger writes where each costs a round trip and a database-wide lock (PostgreSQL). An idle
     * queue writes at once. 0: never waits (the embedded store).
     */
    private readonly lingerMs = 0,
  ) {}

  /** The last change-feed seq that landed (set at open from the backend). */
  get lastSeq(): number {
    return this.feedSeq;
  }

  set lastSeq(seq: number) {
    this.feedSeq = seq;
  }

  submit(group: WriteGroup): Promise<void> {
    if (this.halted) return Promise.reject(new VerbatimError('STORE_WRITE_FAILED', 'the store is recovering from a failed write; try again shortly'));
    let bytes = 0;
    for (const r of group.put ?? []) bytes += r.id.length + r.value.byteLength;
    for (const b of group.blobs ?? []) bytes += b.value.byteLength;
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ group, bytes, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has landed or failed. */
  async drain(): Promise<void> {
    while (this.queued.length > 0 || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /** After a failed write: refuse new writes, fail the queued ones (nothing was acknowledged). */
  halt(err: unknown): void {
    this.halted = true;
    const failed = this.queued.splice(0);
    for (const q of failed) q.reject(err);
  }

  resume(): void {
    this.halted = false;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    if (this.lingerMs > 0 && performance.now() - this.lastLanded < this.lingerMs * 4) setTimeout(run, this.lingerMs);
    else setImmediate(run);
  }

  private flush(): void {
    const groups = this.take();
    if (groups.length === 0) return;
    this.inFlight = this.writeAll(groups).then(
      () => undefined,
      (err: unknown) => {
        const failure = err instanceof VerbatimError ? err : new VerbatimError('STORE_WRITE_FAILED', 'writing to the store failed', {}, { cause: err });
        for (const q of groups) q.reject(failure);
        // Another writer got there first (a checkpoint, or retries ran out): the backend is fine, nothing to recover.
        if (failure.code === 'STORE_CONFLICT' || failure.code === 'BODY_DELETED') return;
        this.halt(failure);
        this.onFailure(failure);
      },
    ).finally(() => {
      this.inFlight = undefined;
      this.lastLanded = performance.now();
      if (this.queued.length > 0) this.schedule();
    });
  }

  private take(): Queued[] {
    let bytes = 0;
    let count = 0;
    const ids = new Set<string>();
    while (count < this.queued.length) {
      const next = this.queued[count]!;
      const touched = [...(next.group.put ?? []), ...(next.group.del ?? [])].map((r) => r.id);
      if (count > 0 && (bytes + next.bytes > this.maxWriteBytes || touched.some((id) => ids.has(id)) || next.group.checkpoint)) break;
      for (const id of touched) ids.add(id);
      bytes += next.bytes;
      count += 1;
      if (next.group.checkpoint) break;
    }
    return this.queued.splice(0, count);
  }

  /**
   * Writes the groups and resolves each. A backend refusing bodies another writer deleted (BODY_DELETED, with the
   * digests) refuses the groups naming them only: those are rejected, the others written without them.
   */
  private async writeAll(groups: Queued[]): Promise<void> {
    let live = groups;
    for (;;) {
      try {
        await this.write(live);
        break;
      } catch (err) {
        if (!isVerbatimError(err, 'BODY_DELETED')) throw err;
        const gone = new Set(Object.keys((err.context.states ?? {}) as Record<string, string>));
        for (const d of gone) this.blobs.forget(d);
        const refused = live.filter((q) => namesAny(q.group, gone));
        if (refused.length === 0) throw err;
        for (const q of refused) q.reject(err);
        live = live.filter((q) => !refused.includes(q));
        if (live.length === 0) return;
      }
    }
    for (const q of live) q.resolve();
  }

  private async write(groups: Queued[]): Promise<void> {
    const write = emptyWrite();
    const changes: ChangeEvent[] = [];
    const gc = new Set<string>();
    for (const { group } of groups) {
      if (group.put) write.put.push(...group.put);
      if (group.del) write.del.push(...group.del);
      if (group.blobs) write.blobs.push(...group.blobs);
      if (group.meta) write.meta.push(...group.meta);
      if (group.changes) changes.push(...group.changes);
      if (group.checkpoint) write.checkpoint = group.checkpoint;
      for (const d of group.gc ?? []) gc.add(d);
      if (group.revive?.length) (write.reviveBlobs ??= []).push(...group.revive);
    }
    if (gc.size > 0) write.deleteBlobs = await this.unreferenced(gc, write);
    let commitHeads: () => void = () => undefined;
    let landed: Change[] = [];
    // When the write was built: a rebuild on other writers' heads (rebase) keeps it, as a backend rebuilding the
    // write itself does (postgres/commit-sql.ts renumbers the feed entries, their times unchanged).
    let at = Date.now();
    const build = (): void => {
      write.links = [];
      write.heads = [];
      commitHeads = this.chains.extend(write);
      landed = changes.map((c, i) => ({ ...c, seq: this.feedSeq + 1 + i, at }));
      write.feed = landed.map((c) => ({ seq: c.seq, value: Buffer.from(JSON.stringify(c), 'utf8') }));
    };
    // A shared backend rebuilds the write under its write lock when other writers moved the heads or the feed since
    // this one last looked (postgres-store.ts): nothing can move them meanwhile, so the write lands at once. Without
    // it every write built on a stale head was refused, reloaded and retried outside the lock, where a writer the
    // others kept busy could lose all its retries.
    write.rebase = (heads, feedHead) => {
      this.chains.refresh(new Map([...heads].map(([chain, head]) => [chain, head === undefined ? undefined : decodeHead(head)])));
      this.feedSeq = feedHead;
      build();
    };
    for (let attempt = 1; ; attempt += 1) {
      at = Date.now();
      build();
      try {
        await this.target.commit(write);
        break;
      } catch (err) {
        // A checkpoint is not rebuilt here: its sealer reloads the checkpoint log and seals again.
        if (!isVerbatimError(err, 'STORE_CONFLICT') || !this.target.reload || write.checkpoint || attempt >= CONFLICT_RETRIES) throw err;
        const chains = [...new Set([...write.del, ...write.put].map((r) => r.sessionId))];
        const { heads, feedHead } = await this.target.reload(chains);
        this.chains.refresh(heads);
        this.feedSeq = feedHead;
      }
    }
    commitHeads();
    if (landed.length > 0) this.feedSeq = landed[landed.length - 1]!.seq;
    for (const d of write.deleteBlobs) this.blobs.forget(d);
    if (landed.length > 0) this.onChanges(landed);
  }

  /** Of the candidate bodies, those no record outside this write's deletions names, nor any capture in flight. */
  private async unreferenced(candidates: Set<string>, write: BackendWrite): Promise<string[]> {
    const deleted = new Set(write.del.map((r) => r.id));
    const added = new Set<string>([...write.blobs.map((b) => b.digest), ...write.put.flatMap((r) => r.blobs ?? [])]);
    const out: string[] = [];
    for (const digest of candidates) {
      if (added.has(digest) || this.blobs.isPinned(digest)) continue;
      const referrers = await this.target.blobReferrers(digest, deleted.size + 1);
      if (referrers.every((id) => deleted.has(id))) out.push(digest);
    }
    return out;
  }
}

/** Whether the group uploads or names one of the digests. */
function namesAny(group: WriteGroup, digests: Set<string>): boolean {
  return (group.blobs ?? []).some((b) => digests.has(b.digest)) || (group.put ?? []).some((r) => (r.blobs ?? []).some((d) => digests.has(d)));
}
