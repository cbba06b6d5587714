import { LruSet } from '../lru-set';
import type { Digest } from '../records';

/**
 * Everything the store remembers about shared bodies, in one place: which digests are known to be stored (so a
 * repeated body skips the write), which are being written, and which are pinned by a capture between its "is the
 * body there?" check and its commit. Erasure deletes a body only through `forget`, inside the commit queue, and never
 * a pinned one: so the cache cannot say "stored" for a body an erasure removed, and an erasure cannot remove a body a
 * capture is about to name.
 */
export class BlobCache {
  private readonly known: LruSet;
  private readonly pending = new Map<Digest, Promise<void>>();
  private readonly pins = new Map<Digest, number>();

  /** `maxAgeMs`: how long "stored" is trusted before the backend is asked again (several writers: blob-cache users). */
  constructor(capacity: number, maxAgeMs = Infinity) {
    this.known = new LruSet(capacity, maxAgeMs);
  }

  isKnown(digest: Digest): boolean {
    return this.known.has(digest);
  }

  markStored(digest: Digest): void {
    this.known.add(digest);
  }

  /** Joins the write of `digest` under way, or starts it with `write`. */
  write(digest: Digest, write: () => Promise<void>): Promise<void> {
    if (this.known.has(digest)) return Promise.resolve();
    let pending = this.pending.get(digest);
    if (!pending) {
      pending = write().then(() => this.known.add(digest)).finally(() => this.pending.delete(digest));
      this.pending.set(digest, pending);
    }
    return pending;
  }

  /** The write under way for `digest`, if any. */
  writing(digest: Digest): Promise<void> | undefined {
    return this.pending.get(digest);
  }

  pin(digests: Iterable<Digest>): void {
    for (const d of digests) this.pins.set(d, (this.pins.get(d) ?? 0) + 1);
  }

  unpin(digests: Iterable<Digest>): void {
    for (const d of digests) {
      const n = (this.pins.get(d) ?? 1) - 1;
      if (n <= 0) this.pins.delete(d);
      else this.pins.set(d, n);
    }
  }

  isPinned(digest: Digest): boolean {
    return this.pins.has(digest) || this.pending.has(digest);
  }

  /** The body was deleted (erasure): it must be written again next time. */
  forget(digest: Digest): void {
    this.known.delete(digest);
  }

  clear(): void {
    this.known.clear();
  }
}
