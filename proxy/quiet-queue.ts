/**
 * Defers capture writes until the proxy has been quiet for a moment. Hashing,
 * masking, deflating and writing a page's captures is real CPU; done while the
 * page is still loading it competes with the very requests it records (and, on
 * a kiosk or a small gateway host, with the browser). A page's responses come
 * in a burst, so work waits until no response has ended for `quietMs`, but never
 * longer than `maxDelayMs`, and never holds more than `maxBytes` of bodies.
 */
export interface QuietQueueOptions {
  quietMs?: number;
  maxDelayMs?: number;
  maxBytes?: number;
}

export class QuietQueue {
  private jobs: (() => void)[] = [];
  private lastPush = 0;
  private bytes = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly maxBytes: number;

  constructor(options: QuietQueueOptions = {}) {
    this.quietMs = options.quietMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  }

  /** Queues `job`; `bytes` is what it keeps in memory until it runs. */
  push(job: () => void, bytes: number): void {
    this.jobs.push(job);
    this.bytes += bytes;
    if (this.bytes >= this.maxBytes) return this.flush();
    // One timer per burst, not one per response: it re-arms itself until the quiet period has passed.
    this.lastPush = Date.now();
    if (!this.quietTimer) this.armQuiet(this.quietMs);
    if (!this.deadline) {
      this.deadline = setTimeout(() => this.flush(), this.maxDelayMs);
      this.deadline.unref();
    }
  }

  private armQuiet(ms: number): void {
    this.quietTimer = setTimeout(() => {
      const left = this.lastPush + this.quietMs - Date.now();
      if (left > 0) this.armQuiet(left);
      else this.flush();
    }, ms);
    this.quietTimer.unref();
  }

  /**
   * Starts everything queued now (also drain and shutdown). One job per macrotask:
   * a job's synchronous part (masking, hashing) then never holds up requests that
   * arrive meanwhile, as a run of them chained as microtasks would.
   */
  flush(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    if (this.deadline) clearTimeout(this.deadline);
    this.quietTimer = this.deadline = undefined;
    const jobs = this.jobs;
    this.jobs = [];
    this.bytes = 0;
    const step = (): void => {
      jobs.shift()?.();
      if (jobs.length) setImmediate(step);
    };
    step();
  }
}
