/**
 * The dwell job: `struggle:dwell-long` and `struggle:dwell-short`, which no session can tell alone (a visit is long or
 * short against its URL's own distribution across sessions, analytics/struggle/dwell.ts). Every `everyMs`, and once
 * soon after start(), it reads the page views of the last `windowDays` from the analytics table page_views (one URL
 * at a time, busiest first, capped: dwell-views.ts), judges each URL with at least minSamples views, and replaces
 * the dwell hits of the sessions whose verdict changed since its last run (dwell-written.ts: new outliers, changed
 * ones, ones no longer outliers, ones whose hits ingest dropped); the first run after a start, or after another
 * writer, rewrites every session that has some now or holds some (found by searching for them). The result is the
 * same as a full recompute's. Written through the index's apply as the trust job writes (keepCursor: the follower's
 * feed position stays), replacing only the `struggle` hits with a dwell text: ingest's struggle hits stay.
 *
 * Erasure: an erased session's page views are gone, so a run no longer judges it; a write for it finds no session
 * row and is refused (BAD_REQUEST), so nothing of it comes back. The session's struggle score is not changed: dwell
 * outliers move as the distribution moves (docs/STRUGGLE.md). A session that changes its ingest struggle hits later
 * (it grew) loses its dwell hits with them until the next run.
 */
import { isVerbatimError } from '../../../store/errors';
import { DWELL_DEFAULTS, type DwellOptions } from '../../analytics/struggle/dwell';
import { BusyPacer, type PacerOptions } from '../busy-pacer';
import { codeOf } from '../page-applier';
import { parseQuery } from '../query/index';
import type { IndexBatch, SearchIndex } from '../search-index';
import type { Hit } from '../types';
import { addDwellHits, DWELL_TEXTS } from './dwell-hits';
import { urlsToJudge, viewsOf } from './dwell-views';
import { DWELL_RUN_META, DwellWritten, fingerprintOf } from './dwell-written';

export interface DwellJobOptions {
  /** How often the distributions are read again (default 5 minutes). */
  everyMs?: number;
  /** Views of the last this many days are judged (default 30). */
  windowDays?: number;
  /** URLs judged per run, busiest first (default 2,000). */
  maxUrls?: number;
  /** Views read per URL, newest first (default 20,000), and per run (default 200,000). */
  maxViewsPerUrl?: number;
  maxViews?: number;
  /** Percentiles and the minimum views per URL (default p5/p95, 20). */
  dwell?: DwellOptions;
  /** Waits while the proxy's thread is busy before each URL (`verbatim start`). */
  pacing?: PacerOptions;
}

export interface DwellJobDeps {
  index: SearchIndex;
  /** Codes and counts only: never URLs or session content. */
  log: (message: string) => void;
}

/**
 * URLs judged, views read; sessions holding dwell hits after the run and their hits; sessions rewritten this run (with
 * hits, or cleared) and the hits written; sessions not written (tried again next run).
 */
export interface DwellRun { urls: number; views: number; sessions: number; hits: number; rewritten: number; written: number; failed: number }

const DAY = 86_400_000;
const DEFAULTS = { everyMs: 5 * 60_000, windowDays: 30, maxUrls: 2_000, maxViewsPerUrl: 20_000, maxViews: 200_000 };
/** Sessions per write transaction (one refused write is retried one session at a time). */
const WRITE_CHUNK = 10;
const HELD = parseQuery(DWELL_TEXTS.map((t) => `struggle:${t}`).join(' OR '));

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DwellJob {
  private readonly o: typeof DEFAULTS;
  private readonly pacer: BusyPacer | undefined;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<DwellRun> | undefined;
  private stopped = false;
  private readonly memory = new DwellWritten();

  constructor(private readonly deps: DwellJobDeps, private readonly options: DwellJobOptions = {}) {
    this.o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => k in DEFAULTS && v !== undefined)) };
    this.pacer = options.pacing ? new BusyPacer(options.pacing) : undefined;
  }

  /** Runs once soon, then every everyMs until stop(). */
  start(): void {
    this.stopped = false;
    const go = () => void this.run().catch((err: unknown) => this.deps.log(`dwell job: stopped for now: ${codeOf(err)}`));
    this.timers = [setTimeout(go, 1_000), setInterval(go, this.o.everyMs)];
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    await this.running?.catch(() => undefined);
  }

  /** One run; a call while one is going waits for that one. */
  run(now: () => number = Date.now): Promise<DwellRun> {
    this.running ??= this.runOnce(now()).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runOnce(now: number): Promise<DwellRun> {
    const db = this.deps.index.analyticsDb();
    const since = now - this.o.windowDays * DAY;
    const minViews = this.options.dwell?.minSamples ?? DWELL_DEFAULTS.minSamples;
    const result: DwellRun = { urls: 0, views: 0, sessions: 0, hits: 0, rewritten: 0, written: 0, failed: 0 };
    const found = new Map<string, Hit[]>();
    for (const u of await urlsToJudge(db, since, minViews, this.o.maxUrls, breathe)) {
      if (result.views >= this.o.maxViews) break;
      await this.pacer?.whenQuiet(() => this.stopped);
      // Stopped while reading: nothing written, the last run's hits stand.
      if (this.stopped) return result;
      const views = await viewsOf(db, u, since, Math.min(this.o.maxViewsPerUrl, this.o.maxViews - result.views));
      addDwellHits(views, found, this.options.dwell);
      result.urls += 1;
      result.views += views.length;
      await breathe();
    }
    const held = new Set(await this.sessionsWithHits());
    // What this job wrote is trusted only if it was the last writer of dwell hits (else a full run).
    const lastRun = await this.deps.index.getMeta(DWELL_RUN_META);
    this.memory.trustIf(lastRun);
    const candidates = new Set([...held, ...found.keys()]);
    this.memory.keepOnly(candidates);
    const ids = [...candidates].filter((id) => this.memory.needsWrite(id, fingerprintOf(found.get(id)), held.has(id)));
    const toWrite = new Set(ids);
    const written = new Set<string>();
    for (let i = 0; i < ids.length; i += WRITE_CHUNK) {
      const chunk = ids.slice(i, i + WRITE_CHUNK);
      if (!(await this.write(chunk, found, written))) for (const id of chunk) await this.write([id], found, written, result);
      await breathe();
    }
    for (const id of candidates) {
      const hits = found.get(id);
      if (!toWrite.has(id)) {
        // Unchanged, or it lost its hits to ingest and has none wanted now.
        this.memory.set(id, held.has(id) ? fingerprintOf(hits) : '');
        if (hits && held.has(id)) (result.sessions += 1), (result.hits += hits.length);
        continue;
      }
      if (!written.has(id)) {
        this.memory.forget(id);
        continue;
      }
      this.memory.set(id, fingerprintOf(hits));
      result.rewritten += 1;
      result.written += hits?.length ?? 0;
      if (hits) (result.sessions += 1), (result.hits += hits.length);
    }
    // Another writer during these writes: the next run trusts nothing (it finds a run id that is not ours).
    if ((await this.deps.index.getMeta(DWELL_RUN_META)) !== lastRun) this.memory.trustIf(undefined);
    await this.deps.index.setMeta(DWELL_RUN_META, this.memory.nextRun());
    if (result.failed) this.deps.log(`dwell job: ${result.failed} session(s) not written, next run again`);
    return result;
  }

  /**
   * Replaces the chunk's dwell hits, adding the sessions written (with hits or cleared) to `written`; false when the
   * index refused it (the caller retries each session alone).
   */
  private async write(chunk: string[], found: Map<string, Hit[]>, written: Set<string>, result?: DwellRun): Promise<boolean> {
    const batch: IndexBatch = {
      cursor: 0, keepCursor: true, sessions: [],
      hits: chunk.filter((id) => found.has(id)).map((sessionId) => ({ sessionId, hits: found.get(sessionId)! })),
      replaceKinds: chunk.map((sessionId) => ({ sessionId, kinds: ['struggle'], texts: DWELL_TEXTS })),
    };
    try {
      await this.deps.index.apply(batch);
    } catch (err) {
      if (!result) return false;
      // Erased since the read (no session row: the hits are refused): nothing of it is written. Else the next run
      // tries again (it finds the session's old dwell hits by searching).
      if (!isVerbatimError(err, 'BAD_REQUEST')) result.failed += 1;
      return true;
    }
    for (const id of chunk) written.add(id);
    return true;
  }

  /**
   * The sessions holding dwell hits now, found by searching for them (not a list of ids kept aside: an erased
   * session's id must not outlive it, and its hits went with it): one statement (paging through search() ran the
   * match, a count and each page's moments 81 times over 16,000 sessions).
   */
  private sessionsWithHits(): Promise<string[]> {
    return this.deps.index.sessionIds(HELD);
  }
}
