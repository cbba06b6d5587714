/**
 * Store health for the administrator screen: state, size on disk, the last signed checkpoint (time, seq, records),
 * the change feed's head and how far the search index trails it (changes, and the age of the oldest change not yet
 * indexed), and the verify run (verify-job.ts).
 */
import type { AuditReader } from '../../store/base/audit-reader';
import { VerbatimError } from '../../store/errors';
import { openCheckpoint, type StoredCheckpoint } from '../../store/integrity/checkpoint';
import { readVerifierKey } from '../../store/integrity/signing-key';
import type { StoreHealth, VerbatimStore } from '../../store/store';
import { lastSeq } from '../search/reindex';
import { VerifyJob, type VerifyState } from './verify-job';

export interface CheckpointInfo {
  seq: number;
  time: number;
  records: number;
  size: number;
  /** The note's signature checks out against <keys>/checkpoint-signing.vkey. */
  signatureValid: boolean;
}

export interface StoreHealthView {
  at: number;
  state: StoreHealth;
  sizeBytes: number;
  lastCheckpoint: CheckpointInfo | null;
  /** Whether this store signs checkpoints at all (integrity keys configured). */
  sealing: boolean;
  feed: { lastSeq: number };
  search: { cursor: number; lagChanges: number; oldestUnindexedAt: number | null } | null;
  verify: VerifyState | null;
}

/** The store as StoreBase implements it: the read-only audit reader is not on the VerbatimStore contract. */
type Auditable = VerbatimStore & { audit?: () => AuditReader };

export interface StoreHealthOptions {
  store: VerbatimStore;
  /** <data>/keys: the verifier key and witness log; without it there are no checkpoints and no verify. */
  keysDir?: string;
  /** The search index's cursor in the change feed, when search runs. */
  searchCursor?: () => Promise<number>;
  /** Where the last verify result is kept. */
  verifyResultFile?: string;
  now?: () => number;
}

export class StoreHealthMonitor {
  readonly verify: VerifyJob | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: StoreHealthOptions) {
    this.now = opts.now ?? Date.now;
    const store = opts.store as Auditable;
    this.verify = opts.keysDir && typeof store.audit === 'function'
      ? new VerifyJob({ reader: () => store.audit!(), keysDir: opts.keysDir, resultFile: opts.verifyResultFile, now: this.now })
      : undefined;
  }

  async snapshot(): Promise<StoreHealthView> {
    const { store } = this.opts;
    const [sizeBytes, head, lastCheckpoint] = await Promise.all([store.diskUsage(), lastSeq(store), this.lastCheckpoint()]);
    return {
      at: this.now(), state: store.health(), sizeBytes, lastCheckpoint, sealing: !!this.opts.keysDir,
      feed: { lastSeq: head }, search: await this.searchLag(head), verify: this.verify ? await this.verify.state() : null,
    };
  }

  startVerify(by: string): VerifyState {
    if (!this.verify) throw new VerbatimError('UNSUPPORTED', 'verify needs the store\'s integrity keys (<data>/keys) and a store that exposes its chains');
    return this.verify.start(by);
  }

  private async searchLag(head: number): Promise<StoreHealthView['search']> {
    if (!this.opts.searchCursor) return null;
    const cursor = await this.opts.searchCursor();
    const next = cursor < head ? (await this.opts.store.readChanges(cursor, 1))[0] : undefined;
    return { cursor, lagChanges: Math.max(0, head - cursor), oldestUnindexedAt: next?.at ?? null };
  }

  /**
   * The newest stored checkpoint. The reader lists them all (one a minute while recording): fine for the screen's
   * occasional look; a store-side "latest checkpoint" call would avoid it.
   */
  private async lastCheckpoint(): Promise<CheckpointInfo | null> {
    const store = this.opts.store as Auditable;
    if (typeof store.audit !== 'function' || !this.opts.keysDir) return null;
    const all = await store.audit().checkpoints();
    const last = all[all.length - 1];
    if (!last) return null;
    const stored = JSON.parse(Buffer.from(last.value).toString('utf8')) as StoredCheckpoint;
    try {
      const body = openCheckpoint(stored.note, await readVerifierKey(this.opts.keysDir));
      return { seq: stored.seq, time: body.time, records: body.records, size: body.size, signatureValid: true };
    } catch {
      return { seq: stored.seq, time: Number(/\ntime (\d+)\n/.exec(stored.note)?.[1] ?? 0), records: 0, size: 0, signatureValid: false };
    }
  }
}
