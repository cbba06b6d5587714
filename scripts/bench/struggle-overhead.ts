/**
 * What the struggle detector adds to ingest CPU (issue #14: < 5 %): recorded sessions' records fed in feed order
 * through search's extractor alone (`createSessionExtractor`) and with the detector beside it (`createIndexExtractor`,
 * what the index runs). The follower asks `facts()` once per session per page of the feed: live, a page holds a change
 * or two (so: after each record, `live`); catching up, a page holds whole small sessions (`catch-up`: once per
 * session). Rounds alternate the
 * two so a busy neighbour slows both alike; the figure is the median of the per-round ratios of CPU time (user +
 * system). The struggle corpus test prints it over its sessions; `BENCH_ONLY=struggle npm run bench` records the
 * corpus and runs it alone.
 */
import type { CapturedResource, EventBatch, Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { createSessionExtractor } from '../../replay-viewer/search/extract/index';
import type { ExtractorFactory } from '../../replay-viewer/search/extractor-port';
import { createIndexExtractor } from '../../replay-viewer/search/struggle-hits';
import { createStruggleDetector } from '../../replay-viewer/analytics/struggle/index';

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

/** `BENCH_ONLY=struggle`: records the struggle corpus's short journeys, then measures both ways. */
export async function benchStruggleOverhead(): Promise<void> {
  const { runAll, sessionsByCase, settle, startCorpus } = await import('../../test/struggle-corpus/harness');
  const { clickCases } = await import('../../test/struggle-corpus/cases/clicks');
  const { formCases } = await import('../../test/struggle-corpus/cases/forms');
  const { networkCases } = await import('../../test/struggle-corpus/cases/network');
  const { motionCases } = await import('../../test/struggle-corpus/cases/motion');
  const corpus = await startCorpus();
  try {
    const cases = [...clickCases, ...formCases, ...networkCases, ...motionCases].filter((c) => !c.long && !c.sensitive);
    await runAll(corpus, cases, 5);
    await settle(corpus.store);
    const sessions = await recordedSessions(corpus.store, new Set((await sessionsByCase(corpus.store)).values()));
    console.log('\nStruggle detector: share of ingest CPU (issue #14: < 5 %)');
    for (const every of ['catch-up', 'live'] as const) console.log(`  ${describeOverhead(struggleOverhead(sessions, every))}`);
    const b = detectorBreakdown(sessions);
    console.log(`  the detector alone: reading the records ${b.readMs.toFixed(1)} ms, judging after each record as well ${b.judgedMs.toFixed(1)} ms`);
  } finally {
    await corpus.close();
  }
}
