/**
 * A bounded set that forgets its least recently used entries (Map keeps insertion order), and, with `maxAgeMs`,
 * entries added longer ago than that (a use does not renew one: the age is that of the fact it remembers).
 */
export class LruSet {
  /** Key → when it was added. */
  private readonly entries = new Map<string, number>();

  constructor(private readonly capacity: number, private readonly maxAgeMs = Infinity, private readonly now: () => number = Date.now) {}

  has(key: string): boolean {
    const added = this.entries.get(key);
    if (added === undefined) return false;
    this.entries.delete(key);
    if (this.now() - added > this.maxAgeMs) return false;
    this.entries.set(key, added);
    return true;
  }

  add(key: string): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, this.maxAgeMs === Infinity ? 0 : this.now());
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
