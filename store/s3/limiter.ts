/**
 * At most `max` tasks in flight; the rest wait in order. Bounds what one process asks of the object store at once
 * (the HTTP agent would queue too, but the SDK then warns about socket capacity on every burst).
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `active` never drops below the queue's needs.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Every item through the limiter, answers in input order. */
  map<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    return Promise.all(items.map((item) => this.run(() => fn(item))));
  }
}
