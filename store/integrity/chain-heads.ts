import type { BackendWrite } from '../base/backend';
import { GENESIS, OP_DEL, OP_PUT, encodeHead, encodeLink, linkHash, sha256 } from './link';
import type { Head } from './link';

/**
 * The current head of every hash chain, and the links one write adds. Writes are applied one at a time (the commit
 * queue), so heads advance in write order; a write that fails leaves the committed heads untouched and its links are
 * never stored. Each record put or deleted joins the chain of its session (record.sessionId). Heads live in memory
 * (a few dozen bytes per session), loaded once at open. A backend shared by several writers gets each head's
 * previous value with it and must refuse the write (CHAIN_CONFLICT) when the stored head moved.
 */
export class ChainHeads {
  private heads = new Map<string, Head>();
  /** Chains whose head moved since the sealer last took a snapshot. */
  private readonly dirty = new Set<string>();
  /**
   * Digests of the values of writes in flight: a write rebuilt under a shared backend's write lock (rebase) links
   * the same values again, and hashing them there (tens of KB each) would hold the lock for every writer.
   */
  private readonly digests = new WeakMap<Uint8Array, Buffer>();

  load(heads: Map<string, Head>): void {
    this.heads = new Map(heads);
  }

  /**
   * A shared backend refused a write (STORE_CONFLICT): take the stored heads of these chains as they are now
   * (undefined: the chain does not exist) before the write is rebuilt.
   */
  refresh(heads: Map<string, Head | undefined>): void {
    for (const [chain, head] of heads) {
      if (head) this.heads.set(chain, head);
      else this.heads.delete(chain);
      this.dirty.add(chain);
    }
  }

  /** Adds to `write` a link per record put or deleted, and the new heads. Returns what to call once it landed. */
  extend(write: BackendWrite): () => void {
    let pending: Map<string, Head> | undefined;
    const add = (chain: string, op: number, id: string, value: Uint8Array | undefined): void => {
      pending ??= new Map();
      const head = pending.get(chain) ?? this.heads.get(chain) ?? { count: 0, hash: GENESIS };
      const valueDigest = value ? this.digestOf(value) : EMPTY_DIGEST;
      const hash = linkHash(head.hash, op, id, valueDigest);
      write.links.push({ chain, index: head.count, value: encodeLink({ hash, valueDigest, op, id }) });
      pending.set(chain, { count: head.count + 1, hash });
    };
    for (const record of write.del) add(record.sessionId, OP_DEL, record.id, undefined);
    for (const record of write.put) add(record.sessionId, OP_PUT, record.id, record.value);
    if (!pending) return noop;
    for (const [chain, head] of pending) {
      const previous = this.heads.get(chain);
      write.heads.push({ chain, value: encodeHead(head), ...(previous ? { previous: encodeHead(previous) } : {}) });
    }
    const moved = pending;
    return () => {
      for (const [chain, head] of moved) {
        this.heads.set(chain, head);
        this.dirty.add(chain);
      }
    };
  }

  private digestOf(value: Uint8Array): Buffer {
    let digest = this.digests.get(value);
    if (!digest) this.digests.set(value, digest = sha256(value));
    return digest;
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

const EMPTY_DIGEST = sha256(new Uint8Array(0));
function noop(): void {}
