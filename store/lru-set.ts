/** A bounded set that forgets its least recently used entries (Map keeps insertion order). */
export class LruSet {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    if (!this.entries.has(key)) return false;
    this.entries.delete(key);
    this.entries.set(key, true);
    return true;
  }

  add(key: string): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, true);
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
