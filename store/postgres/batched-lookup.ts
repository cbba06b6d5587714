/**
 * Lookups asked for in the same turn of the event loop, answered by one statement. A gateway under load asks "is this
 * record there?" for every page's personal body and, on each instance, for every session it serves a first time
 * (store-base.ts): over PostgreSQL that was more than half of all statements (1,106 of 1,963 at four instances,
 * scripts/bench/instances.ts), each a round trip of its own. Asked for together, they cost one. The answer comes one
 * turn later than a lone statement would have been sent (setImmediate), which a loaded process does not notice and an
 * idle one answers at once.
 */
export class BatchedLookup<T> {
  private waiting: Map<string, { resolve: (value: T) => void; reject: (err: unknown) => void }[]> | undefined;

  /** `lookup` answers every key it is given (a missing one with its own "absent" value). */
  constructor(private readonly lookup: (keys: string[]) => Promise<Map<string, T>>, private readonly absent: T) {}

  get(key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let batch = this.waiting;
      if (!batch) {
        const started = new Map<string, { resolve: (value: T) => void; reject: (err: unknown) => void }[]>();
        batch = this.waiting = started;
        setImmediate(() => void this.send(started));
      }
      const callers = batch.get(key);
      if (callers) callers.push({ resolve, reject });
      else batch.set(key, [{ resolve, reject }]);
    });
  }

  private async send(batch: NonNullable<typeof this.waiting>): Promise<void> {
    if (this.waiting === batch) this.waiting = undefined;
    try {
      const found = await this.lookup([...batch.keys()]);
      for (const [key, callers] of batch) for (const c of callers) c.resolve(found.has(key) ? found.get(key)! : this.absent);
    } catch (err) {
      for (const callers of batch.values()) for (const c of callers) c.reject(err);
    }
  }
}
