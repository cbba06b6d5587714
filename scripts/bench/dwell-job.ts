/**
 * The dwell job over a large page_views table (SQLite index): BENCH_DWELL_SESSIONS generated sessions (default
 * 40,000) of 5 views each over 200 URLs, dwell times skewed short; the run's time, what it wrote, and the longest
 * main-thread event-loop stall (its reads and writes are on the main thread, paced), for a first run, a repeated run
 * (incremental: nothing changed) and a run after 1 % more sessions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DwellJob } from '../../replay-viewer/search/derived/dwell-job';
import { loadOrCreateIndexKey } from '../../replay-viewer/search/index-key';
import { newSearchIndex } from '../../replay-viewer/search/open-index';

const VIEWS = 5;
const URLS = 200;

export async function benchDwellJob(sessions = Number(process.env.BENCH_DWELL_SESSIONS ?? 40_000)): Promise<void> {
  console.log(`\n## Dwell job: ${sessions} sessions × ${VIEWS} page views over ${URLS} URLs (SQLite index)\n`);
  console.log('| Run | Time | URLs | Views read | Sessions / hits held | Sessions rewritten / hits written | Longest main-thread stall |');
  console.log('|---|---|---|---|---|---|---|');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-dwell-'));
  const index = newSearchIndex({ indexDir: dir }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
  await index.open();
  try {
    const t0 = Date.now() - 86_400_000;
    let seed = 1;
    // Deterministic skew: most views short, a long tail.
    const next = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    const add = async (from: number, to: number) => {
      for (let i = from; i < to; i += 1_000) {
        const ids = Array.from({ length: Math.min(1_000, to - i) }, (_, j) => `s${i + j}`);
        await index.apply({
          cursor: i + 1,
          sessions: ids.map((id) => ({ id, channel: 'proxy', startedAt: t0, endedAt: t0, pageCount: VIEWS, durationMs: 0, activeMs: 0, customerLinked: false })),
          hits: [],
          analytics: ids.map((id, j) => ({
            sessionId: id,
            rows: Array.from({ length: VIEWS }, (_, v) => ({ table: 'page_views', row: { pageId: `p${v}`, at: t0 + j * 10 + v, host: 'bank.example', url: `/u${(i + j * 7 + v) % URLS}`, title: null, dwellMs: Math.round(next() ** 3 * 60_000) } })),
          })),
        });
      }
    };
    await add(0, sessions);
    const job = new DwellJob({ index, log: () => undefined });
    for (const run of ['first', 'again', '+1 % sessions']) {
      if (run.startsWith('+')) await add(sessions, sessions + Math.ceil(sessions / 100));
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const start = performance.now();
      const r = await job.run();
      const ms = performance.now() - start;
      delay.disable();
      console.log(`| ${run} | ${(ms / 1000).toFixed(1)} s | ${r.urls} | ${r.views} | ${r.sessions} / ${r.hits} | ${r.rewritten} / ${r.written} | ${(delay.max / 1e6).toFixed(0)} ms |`);
    }
  } finally {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  }
}
