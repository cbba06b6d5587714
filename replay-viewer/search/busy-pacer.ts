/**
 * The search index yields to the proxy. Before each page of the change feed the live follower looks at how busy the
 * process's main thread (the proxy, the gateway, the viewer) was since it last looked; while that is above
 * `busyAbove`, it waits (a quarter of a second at a time) up to `maxDeferMs`, then indexes one page anyway. At peak the
 * index falls behind (searchable later, never lost: the feed keeps every change) instead of taking CPU from the
 * customers' requests, and catches up when the peak passes. Event-loop utilisation is the measure because it is the
 * proxy's own: the index's work on the search worker thread does not count in it.
 */
import { performance } from 'node:perf_hooks';

export interface PacerOptions {
  /** Main-thread utilisation (0–1) above which the index waits. */
  busyAbove: number;
  windowMs: number;
  /** The longest wait before a page is indexed anyway (so a sustained peak still makes progress). */
  maxDeferMs: number;
}

export const DEFAULT_PACING: PacerOptions = { busyAbove: 0.5, windowMs: 250, maxDeferMs: 5_000 };

export class BusyPacer {
  private last = performance.eventLoopUtilization();
  /** Pages indexed only because the wait ran out, and the time spent waiting (status, bench). */
  readonly stats = { deferredMs: 0, forced: 0 };

  constructor(private readonly o: PacerOptions = DEFAULT_PACING) {}

  async whenQuiet(stopped: () => boolean): Promise<void> {
    const start = Date.now();
    for (;;) {
      const now = performance.eventLoopUtilization();
      const { utilization } = performance.eventLoopUtilization(now, this.last);
      this.last = now;
      if (utilization < this.o.busyAbove || stopped()) break;
      if (Date.now() - start >= this.o.maxDeferMs) {
        this.stats.forced++;
        break;
      }
      await new Promise<void>((resolve) => setTimeout(resolve, this.o.windowMs).unref());
    }
    this.stats.deferredMs += Date.now() - start;
  }
}
