/**
 * In the benchmarked proxy process (proxy-process.ts): the search follower as `verbatim start` runs it, with its
 * per-page profile gathered, and the event loop's delay watched (what the proxy's requests wait behind).
 */
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { DEFAULT_PACING, lastSeq, openSearch } from '../../replay-viewer/search/index';
import type { PageProfile } from '../../replay-viewer/search/follower';
import type { VerbatimStore } from '../../store/store';

export type SearchMode = 'off' | 'inline' | 'worker' | 'paced';

export interface SearchReport {
  mode: SearchMode;
  threaded: boolean;
  /** Since the last report (or the start): after the load stopped, until the index held every change. */
  catchUpMs: number;
  pages: number;
  changes: number;
  hits: number;
  readMs: number;
  extractMs: number;
  writeMs: number;
  applyMs: number;
  maxApplyMs: number;
  maxWriteMs: number;
  maxExtractMs: number;
  /** Store commit of an upload's batch to its page's index commit, ms. */
  lag: { median: number; p95: number; max: number };
  /** The main thread's busy time (event loop not idle): what the proxy's requests compete with. */
  mainBusyMs: number;
  /** Event loop delay, ms. */
  loop: { p99: number; max: number };
}

export async function startSearchProbe(store: VerbatimStore, dataDir: string, mode: string): Promise<{ report(): Promise<SearchReport>; close(): Promise<void> }> {
  if (mode !== 'off' && mode !== 'inline' && mode !== 'worker' && mode !== 'paced') throw new Error(`BENCH_SEARCH: off, inline, worker or paced, not ${mode}`);
  const loop = monitorEventLoopDelay({ resolution: 2 });
  loop.enable();
  const pages: PageProfile[] = [];
  let elu = performance.eventLoopUtilization();
  const search = mode === 'off' ? undefined : await openSearch({
    // paced: as `verbatim start` runs it, on the worker and yielding to the proxy while it is busy.
    dataDir, keysDir: path.join(dataDir, 'keys'), store, worker: mode === 'worker' || mode === 'paced', onProfile: (p) => pages.push(p),
    ...(mode === 'paced' ? { pacing: DEFAULT_PACING } : {}),
    log: (m) => process.stderr.write(`[search] ${m}\n`),
  });
  search?.follower.start();
  return {
    async report() {
      const t = Date.now();
      if (search) {
        const last = await lastSeq(store);
        while ((await search.index.cursor()) < last) await new Promise((r) => setTimeout(r, 20));
      }
      const catchUpMs = Date.now() - t;
      // The next report covers what follows this one only.
      const done = pages.splice(0);
      const delay = { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
      loop.reset();
      const busy = performance.eventLoopUtilization(elu);
      elu = performance.eventLoopUtilization();
      const sum = (f: (p: PageProfile) => number) => done.reduce((n, p) => n + f(p), 0);
      const max = (f: (p: PageProfile) => number) => done.reduce((n, p) => Math.max(n, f(p)), 0);
      const lags = done.flatMap((p) => p.lagMs).sort((a, b) => a - b);
      const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
      return {
        mode, threaded: done.some((p) => p.threadId !== 0), catchUpMs, pages: done.length,
        changes: sum((p) => p.changes), hits: sum((p) => p.hits), readMs: sum((p) => p.readMs), extractMs: sum((p) => p.extractMs),
        writeMs: sum((p) => p.writeMs), applyMs: sum((p) => p.applyMs), maxApplyMs: max((p) => p.applyMs), maxWriteMs: max((p) => p.writeMs),
        maxExtractMs: max((p) => p.maxExtractMs), lag: { median: at(0.5), p95: at(0.95), max: lags[lags.length - 1] ?? 0 },
        mainBusyMs: busy.active, loop: delay,
      };
    },
    async close() {
      loop.disable();
      await search?.close();
    },
  };
}
