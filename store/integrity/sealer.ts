import type { ChainHeads } from './chain-heads';
import { checkpointHash, signCheckpoint } from './checkpoint';
import type { StoredCheckpoint } from './checkpoint';
import { chainLeafData, sortChainIds, type Head } from './link';
import { leafHash, merkleRootOfLeafHashes } from './merkle';
import type { SigningKey } from './signing-key';
import { appendWitness } from './witness';

export interface SealResult {
  seq: number;
  size: number;
  records: number;
  hash: string;
  note: string;
}

/**
 * Seals signed checkpoints: an RFC 6962 tree over every chain head (leaves in
 * chain-id byte order), chained to the previous checkpoint by hash, written to
 * K!<seq> through the store's write queue, then appended to the witness log.
 * Seals are serialized; a seal with nothing new is skipped.
 */
export class Sealer {
  private last: { seq: number; hash: Buffer; counts: Map<string, number> } | undefined;
  private running: Promise<SealResult | undefined> = Promise.resolve(undefined);
  /** Leaf hash per chain at its last sealed count: unchanged chains are not rehashed. */
  private readonly leafCache = new Map<string, { count: number; leaf: Buffer }>();
  /** Set when a seal failed after taking its snapshot, so the next one does not skip. */
  private retry = false;

  constructor(
    private readonly chains: ChainHeads,
    readonly key: SigningKey,
    private readonly witnessPath: string,
    private readonly submit: (checkpoint: { seq: number; value: Uint8Array }) => Promise<void>,
    private readonly now: () => number = Date.now,
    /**
     * A store shared by several writers: the checkpoints after `afterSeq` and the chain heads as stored, read before
     * each seal (checkpoints first, so every head read is at least what they sealed). The seal then covers what every
     * writer committed and chains to whichever writer sealed last; this process's in-memory heads may lag behind both.
     */
    private readonly reload?: (afterSeq: number) => Promise<{ checkpoints: Uint8Array[]; heads: Map<string, Head> }>,
  ) {}

  /**
   * Loads the latest checkpoint state (folding every stored delta). Returns whether some chain holds records no
   * checkpoint covers yet (the next seal then never skips).
   */
  load(checkpoints: Uint8Array[], heads: Map<string, { count: number }>): boolean {
    this.last = undefined;
    return this.fold(checkpoints, heads);
  }

  /** Folds checkpoints newer than the last one loaded (another writer's) into the state; same answer as load. */
  private fold(checkpoints: Uint8Array[], heads: Map<string, { count: number }>): boolean {
    const counts = new Map(this.last?.counts ?? []);
    let latest: StoredCheckpoint | undefined;
    for (const value of checkpoints) {
      latest = JSON.parse(Buffer.from(value).toString('utf8')) as StoredCheckpoint;
      for (const [chain, count] of latest.changed) counts.set(chain, count);
    }
    if (latest) this.last = { seq: latest.seq, hash: checkpointHash(latest.note), counts };
    let unsealed = false;
    for (const [chain, head] of heads) if (counts.get(chain) !== head.count) unsealed = true;
    if (unsealed) this.retry = true;
    return unsealed;
  }

  /** Seals now (after any seal under way); undefined when nothing changed since the last one. */
  seal(force = false): Promise<SealResult | undefined> {
    const next = this.running.then(() => this.sealNow(force), () => this.sealNow(force));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async sealNow(force: boolean): Promise<SealResult | undefined> {
    let heads: Map<string, Head>;
    if (this.reload) {
      const stored = await this.reload(this.last?.seq ?? 0);
      this.fold(stored.checkpoints, stored.heads);
      heads = stored.heads;
    } else {
      if (!force && !this.retry && this.last && !this.chains.changed) return undefined;
      heads = this.chains.snapshot();
    }
    this.retry = true;
    const previous = this.last?.counts ?? new Map<string, number>();
    const changed: [string, number, string][] = [];
    const ids = sortChainIds(heads.keys());
    let records = 0;
    const leaves = ids.map((chain) => {
      const head = heads.get(chain)!;
      records += head.count;
      if (previous.get(chain) !== head.count) changed.push([chain, head.count, head.hash.toString('base64')]);
      const cached = this.leafCache.get(chain);
      if (cached?.count === head.count) return cached.leaf;
      const leaf = leafHash(chainLeafData(chain, head.count, head.hash));
      this.leafCache.set(chain, { count: head.count, leaf });
      return leaf;
    });
    if (!force && this.last && changed.length === 0) {
      this.retry = false;
      return undefined;
    }
    const seq = (this.last?.seq ?? 0) + 1;
    const time = this.now();
    const note = signCheckpoint({
      origin: this.key.name, size: ids.length, root: merkleRootOfLeafHashes(leaves), time, records, prev: this.last?.hash,
    }, this.key);
    const stored: StoredCheckpoint = { seq, note, changed };
    await this.submit({ seq, value: Buffer.from(JSON.stringify(stored), 'utf8') });
    this.retry = false;
    const hash = checkpointHash(note);
    const counts = new Map(previous);
    for (const [chain, count] of changed) counts.set(chain, count);
    this.last = { seq, hash, counts };
    await appendWitness(this.witnessPath, { seq, size: ids.length, records, hash: hash.toString('hex'), time });
    return { seq, size: ids.length, records, hash: hash.toString('hex'), note };
  }
}
