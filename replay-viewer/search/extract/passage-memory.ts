/**
 * Passages a page already gave, so that text redrawn by the page (a re-render, a list refreshed with the same rows)
 * is not emitted twice. Kept as 53-bit hashes (cyrb53), at most MAX_SEEN_PASSAGES per page, oldest forgotten first.
 */
import { MAX_SEEN_PASSAGES } from './limits';

export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export class PassageMemory {
  private readonly seen = new Set<number>();

  /** True the first time a passage is offered. */
  isNew(text: string): boolean {
    const h = hash53(text);
    if (this.seen.has(h)) return false;
    if (this.seen.size >= MAX_SEEN_PASSAGES) this.seen.delete(this.seen.values().next().value!);
    this.seen.add(h);
    return true;
  }
}
