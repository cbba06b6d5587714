/**
 * What the struggle detector adds to ingest CPU (issue #14: "signals add < 5 % to ingest CPU"), two ways:
 *
 * 1. Against the search extractor alone (the older, narrower figure): recorded sessions' records fed in feed order
 *    through search's extractor alone (`createSessionExtractor`), with the struggle hits beside it
 *    (`withStruggleHits`: the detector) and as the index runs it (`createIndexExtractor`: the detector and the
 *    analytics collectors). The follower asks `facts()` once per session per page of the feed: live, a page holds a
 *    change or two (so: after each record, `live`); catching up, a page holds whole small sessions (`catch-up`: once
 *    per session). Rounds alternate the ways so a busy neighbour slows them alike; the figure is the median of the
 *    per-round ratios of CPU time (user + system).
 * 2. Against the whole ingest (what the issue means): the corpus recorded through the proxy in its own process
 *    (proxy-process.ts, the search follower on its worker as `verbatim start` runs it) and that process's CPU, every
 *    thread, from the first request until the index holds every change: capture, masking, hashing, encryption, store
 *    writes, the follower's extraction, the detector, the analytics collectors and the index writes. The detector's
 *    share is its CPU from (1) over the same sessions, fed once, against the rest of that.
 *
 * The struggle corpus test prints (1) over its sessions; `BENCH_ONLY=struggle npm run bench` records the corpus and
 * runs both.
 */
import type { CapturedResource, EventBatch, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSessionExtractor } from '../../replay-viewer/search/extract/index';
import type { ExtractorFactory } from '../../replay-viewer/search/extractor-port';
import { createIndexExtractor, withStruggleHits } from '../../replay-viewer/search/struggle-hits';
import { createStruggleDetector } from '../../replay-viewer/analytics/struggle/index';
import { openStore } from '../../store/index';
import { forkBenchProcess } from './child';
import type { SearchReport } from './search-probe';

export interface RecordedSession {
  session: Session;
  records: ({ batch: EventBatch } | { capture: CapturedResource })[];
}

export interface StruggleOverhead {
  sessions: number;
  records: number;
  rounds: number;
  every: FactsEvery;
  /** Median CPU ms of one feed of every session, without and with the detector. */
  baseMs: number;
  withMs: number;
  /** Median of the per-round (with / without − 1), in %. */
  overheadPct: number;
}

/** Every record of the given sessions, in change-feed order. */
export async function recordedSessions(store: VerbatimStore, ids: ReadonlySet<string>): Promise<RecordedSession[]> {
  const out = new Map<string, RecordedSession>();
  for (let after = 0; ;) {
    const changes = await store.readChanges(after, 5_000);
    if (!changes.length) break;
    after = changes.at(-1)!.seq;
    for (const c of changes) {
      if (!c.sessionId || !ids.has(c.sessionId)) continue;
      let entry = out.get(c.sessionId);
      if (!entry) {
        const session = await store.getSession(c.sessionId);
        if (!session) continue;
        entry = { session, records: [] };
        out.set(c.sessionId, entry);
      }
      if (c.type === 'events.appended') {
        const batch = await store.getEventBatch(c.sessionId, c.pageId, c.batchSeq);
        if (batch) entry.records.push({ batch });
      } else if (c.type === 'capture.stored') {
        const capture = await store.getCapture(c.sessionId, c.captureId);
        if (capture) entry.records.push({ capture });
      }
    }
  }
  return [...out.values()];
}

export type FactsEvery = 'live' | 'catch-up';

/** Feeds per sample: one feed of a small corpus takes a few ms, too little to time on a busy machine. */
const PASSES = 3;

function feed(sessions: readonly RecordedSession[], create: ExtractorFactory, every: FactsEvery): number {
  const start = process.cpuUsage();
  let hits = 0;
  for (let pass = 0; pass < PASSES; pass++) for (const s of sessions) {
    const x = create();
    for (const r of s.records) {
      hits += 'batch' in r ? x.batch(r.batch).length : x.capture(r.capture).length;
      // As the page applier does after every record: the struggle hits, when the judgement changed.
      hits += x.takeReplacement?.()?.hits.length ?? 0;
      if (every === 'live') hits += x.facts(s.session).pageCount ?? 0;
    }
    hits += x.facts(s.session).pageCount ?? 0;
  }
  const used = process.cpuUsage(start);
  if (hits < 0) throw new Error('unreachable'); // keeps the work observable
  return (used.user + used.system) / 1_000 / PASSES;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Search's extractor with the struggle hits beside it, no analytics collectors: the detector's own cost. */
const withDetectorOnly: ExtractorFactory = withStruggleHits(createSessionExtractor);

/**
 * The detector's CPU over one feed of the sessions (live: facts after each record, as the follower asks on a live
 * feed): the median over alternating rounds of (search extractor + struggle hits) − (search extractor alone).
 */
export function detectorFeedMs(sessions: readonly RecordedSession[], rounds = 9): { baseMs: number; withMs: number; detectorMs: number } {
  // Warm-up: the first feeds compile the code both ways (one each left the first of them far slower).
  for (let i = 0; i < 3; i++) {
    feed(sessions, createSessionExtractor, 'live');
    feed(sessions, withDetectorOnly, 'live');
  }
  const base: number[] = [];
  const withD: number[] = [];
  const diff: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [a, b] = i % 2 ? [feed(sessions, createSessionExtractor, 'live'), feed(sessions, withDetectorOnly, 'live')]
      : ((y, x) => [x, y])(feed(sessions, withDetectorOnly, 'live'), feed(sessions, createSessionExtractor, 'live'));
    base.push(a);
    withD.push(b);
    diff.push(b - a);
  }
  return { baseMs: median(base), withMs: median(withD), detectorMs: Math.max(0, median(diff)) };
}

export function struggleOverhead(sessions: readonly RecordedSession[], every: FactsEvery, rounds = 9): StruggleOverhead {
  const base0 = (): number => feed(sessions, createSessionExtractor, every);
  const with0 = (): number => feed(sessions, createIndexExtractor, every);
  base0(); // warm-up: JIT, lazy imports
  with0();
  const base: number[] = [];
  const withDetector: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let a: number;
    let b: number;
    if (i % 2) {
      a = base0();
      b = with0();
    } else {
      b = with0();
      a = base0();
    }
    base.push(a);
    withDetector.push(b);
    ratios.push(b / Math.max(a, 0.001) - 1);
  }
  return {
    every, sessions: sessions.length, records: sessions.reduce((n, s) => n + s.records.length, 0), rounds,
    baseMs: median(base), withMs: median(withDetector), overheadPct: median(ratios) * 100,
  };
}

/**
 * Where the detector's time goes: fed alone without asking for signals (its page walk and node maps), and asking
 * signals() after each record as the index's wrapper does (the rules re-judged). Median CPU ms over `rounds`.
 */
export function detectorBreakdown(sessions: readonly RecordedSession[], rounds = 5): { readMs: number; judgedMs: number } {
  const run = (judge: boolean): number => {
    const start = process.cpuUsage();
    let n = 0;
    for (let pass = 0; pass < PASSES; pass++) for (const s of sessions) {
      const d = createStruggleDetector();
      for (const r of s.records) {
        if ('batch' in r) d.batch(r.batch);
        else d.capture(r.capture);
        if (judge) n += d.signals().length;
      }
    }
    const used = process.cpuUsage(start);
    return n < 0 ? 0 : (used.user + used.system) / 1_000 / PASSES;
  };
  run(true);
  const read: number[] = [];
  const judged: number[] = [];
  for (let i = 0; i < rounds; i++) {
    read.push(run(false));
    judged.push(run(true));
  }
  return { readMs: median(read), judgedMs: median(judged) };
}

export function describeOverhead(o: StruggleOverhead): string {
  return `struggle detector ingest CPU (${o.every}): ${o.sessions} sessions, ${o.records} records, median of ${o.rounds} alternating rounds: `
    + `extractor ${o.baseMs.toFixed(1)} ms, with detector ${o.withMs.toFixed(1)} ms, +${o.overheadPct.toFixed(1)} %`;
}

/** The whole ingest's CPU over a recording: the proxy process's (every thread), from before the first request until the index holds every change. */
export interface IngestCpu { ms: number; changes: number }

/**
 * `BENCH_ONLY=struggle`: records the struggle corpus's short journeys through the proxy in its own process (its
 * search follower on the worker, paced, as `verbatim start` runs it), measures that process's CPU (figure 2), then
 * reads the store back and measures the detector against the extractor (figure 1) and against that whole.
 */
export async function benchStruggleOverhead(): Promise<void> {
  const { runAll, sessionsByCase } = await import('../../test/struggle-corpus/harness');
  const { startSite } = await import('../../test/struggle-corpus/site');
  const { launchChromium } = await import('../chromium');
  const { clickCases } = await import('../../test/struggle-corpus/cases/clicks');
  const { formCases } = await import('../../test/struggle-corpus/cases/forms');
  const { networkCases } = await import('../../test/struggle-corpus/cases/network');
  const { motionCases } = await import('../../test/struggle-corpus/cases/motion');
  const cases = [...clickCases, ...formCases, ...networkCases, ...motionCases].filter((c) => !c.long && !c.sensitive);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-struggle-'));
  try {
    const ingest = await recordThroughProxy(dir, async (proxyUrl) => {
      const site = await startSite();
      const browser = await launchChromium({ server: proxyUrl });
      try {
        await runAll({ site, browser }, cases, 5);
      } finally {
        await browser.close().catch(() => undefined);
        await site.close();
      }
    });
    const store = await openStore(path.join(dir, 'store'));
    try {
      const sessions = await recordedSessions(store, new Set((await sessionsByCase(store)).values()));
      console.log('\nStruggle detector: share of ingest CPU (issue #14: < 5 %)');
      const d = detectorFeedMs(sessions);
      const rest = ingest.ms - d.detectorMs;
      console.log(`  against the whole ingest: ${sessions.length} sessions recorded through the proxy (${ingest.changes} changes): the proxy process's CPU `
        + `(capture, masking, hashing, encryption, store writes, search follower with detector and analytics) ${ingest.ms.toFixed(0)} ms; the detector's part `
        + `${d.detectorMs.toFixed(1)} ms (search extractor ${d.baseMs.toFixed(1)} ms, with the struggle hits ${d.withMs.toFixed(1)} ms, one live feed): `
        + `**+${((100 * d.detectorMs) / Math.max(rest, 1)).toFixed(1)} %** of the ingest without it`);
      console.log('  against the search extractor alone (the narrower figure; "with" = the index\'s extractor: detector and analytics collectors):');
      for (const every of ['catch-up', 'live'] as const) console.log(`    ${describeOverhead(struggleOverhead(sessions, every))}`);
      console.log(`    the struggle hits alone (no analytics collectors), live: extractor ${d.baseMs.toFixed(1)} ms, with the detector ${d.withMs.toFixed(1)} ms, +${((100 * d.detectorMs) / Math.max(d.baseMs, 0.001)).toFixed(1)} %`);
      const b = detectorBreakdown(sessions);
      console.log(`  the detector alone: reading the records ${b.readMs.toFixed(1)} ms, judging after each record as well ${b.judgedMs.toFixed(1)} ms`);
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `record` against the proxy in its own process and answers that process's CPU from before the first request
 * until the index has caught up and no change arrived for a second (recorder uploads trail a page's end).
 */
async function recordThroughProxy(dir: string, record: (proxyUrl: string) => Promise<void>): Promise<IngestCpu> {
  const { proc, line } = await forkBenchProcess('proxy-process.ts', [dir], [], { BENCH_SEARCH: 'paced' });
  const ask = <T>(msg: string) => new Promise<T>((resolve) => {
    proc.once('message', (m) => resolve(m as T));
    proc.send(msg);
  });
  try {
    const before = await ask<NodeJS.CpuUsage>('cpu');
    await record(`http://127.0.0.1:${line}`);
    let changes = 0;
    for (let quiet = 0; quiet < 2;) {
      await ask('drain');
      const r = await ask<SearchReport>('search');
      changes += r.changes;
      quiet = r.changes ? 0 : quiet + 1;
      if (quiet < 2) await new Promise((res) => setTimeout(res, 500));
    }
    const after = await ask<NodeJS.CpuUsage>('cpu');
    return { ms: (after.user - before.user + after.system - before.system) / 1000, changes };
  } finally {
    const exited = new Promise((res) => proc.once('exit', res));
    proc.send('stop');
    await exited;
  }
}
