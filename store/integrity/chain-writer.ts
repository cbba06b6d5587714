import { chainHeadKey, chainLinkKey, ALL_CHAIN_HEADS, chainIdFromHeadKey } from '../keys';
import type { WriteOp } from '../write-queue';
import { GENESIS, OP_DEL, OP_PUT, decodeHead, encodeHead, encodeLink, keyDigestOf, linkHash, sha256 } from './link';
import type { Head } from './link';

/** What ChainWriter needs from LevelDB at open. */
export interface HeadSource {
  iterator(range: { gte: string; lt: string }): AsyncIterable<[string, Uint8Array]>;
}

export interface ExtendedBatch {
  ops: WriteOp[];
  /** Makes the batch's new heads the committed ones (call once it has landed). */
  commit(): void;
}

/**
 * Extends the hash chains for the operations of one write batch. Batches are
 * written one at a time (WriteQueue), so heads advance in write order; a batch
 * that fails leaves the committed heads untouched and its links are simply
 * never written. Heads live in memory (a few dozen bytes per session), loaded
 * once at open.
 */
export class ChainWriter {
  private readonly heads = new Map<string, Head>();
  /** Chains whose head moved since the sealer last took a snapshot. */
  private readonly dirty = new Set<string>();

  async load(db: HeadSource): Promise<void> {
    this.heads.clear();
    for await (const [key, value] of db.iterator(ALL_CHAIN_HEADS)) {
      const head = decodeHead(value);
      if (head) this.heads.set(chainIdFromHeadKey(key), head);
    }
  }

  /** Adds a link (and the new head) after every op tagged with a chain. */
  extend(ops: WriteOp[]): ExtendedBatch {
    let pending: Map<string, Head> | undefined;
    let out: WriteOp[] | undefined;
    for (let i = 0; i < ops.length; i += 1) {
      const op = ops[i]!;
      if (op.chain === undefined) {
        out?.push(op);
        continue;
      }
      if (!out) out = ops.slice(0, i);
      pending ??= new Map();
      const chain = op.chain;
      const head = pending.get(chain) ?? this.heads.get(chain) ?? { count: 0, hash: GENESIS };
      const kind = op.type === 'put' ? OP_PUT : OP_DEL;
      const valueDigest = sha256(op.type === 'put' ? op.value : EMPTY);
      const hash = linkHash(head.hash, kind, keyDigestOf(op.key), valueDigest);
      out.push(op, { type: 'put', key: chainLinkKey(chain, head.count), value: encodeLink({ hash, valueDigest, op: kind, key: op.key }) });
      pending.set(chain, { count: head.count + 1, hash });
    }
    if (!pending || !out) return { ops, commit: noop };
    for (const [chain, head] of pending) out.push({ type: 'put', key: chainHeadKey(chain), value: encodeHead(head) });
    const moved = pending;
    return {
      ops: out,
      commit: () => {
        for (const [chain, head] of moved) {
          this.heads.set(chain, head);
          this.dirty.add(chain);
        }
      },
    };
  }

  /** Committed heads of every chain (a consistent snapshot: each one has landed). */
  snapshot(): Map<string, Head> {
    this.dirty.clear();
    return new Map(this.heads);
  }

  get changed(): boolean {
    return this.dirty.size > 0;
  }
}

const EMPTY = new Uint8Array(0);
function noop(): void {}
