/**
 * The trust job: a derived, per-session search job for what no single event can tell at ingest. Once a session has
 * gone quiet (no change for `quietMs`; the feed has no "session ended" change) — and again whenever it grows later —
 * it runs the replay library's fidelity score and foreign-content detector over the whole session and replaces the
 * session's `fidelity` and `foreign` hits with what they found (trust-hits.ts). One session at a time, after the
 * search follower has indexed it (the queue reads the feed only up to the index's cursor), off the request path.
 *
 * The reports' CPU (the DOM mirror over every event, the evidence corpus over every body) runs on a trust worker
 * thread of its own (`worker`, trust-runner.ts); its store reads come back to the main thread, which holds the one
 * LevelDB handle (store-bridge.ts). The job yields to the proxy as the follower does (busy-pacer.ts), skips a session
 * with more events than `maxEvents` before reading it (a hostile huge session must not stall it), and gives each run
 * `timeoutMs`: one that runs out is recorded as skipped (`fidelity:skipped`) and its worker ended (in-process, the job
 * waits for the abandoned run to settle: one run at a time, always). Where it stands is in the index's metadata
 * (trust-queue.ts).
 */
import { isVerbatimError } from '../../../store/errors';
import type { VerbatimStore } from '../../../store/store';
import { ReplayLibrary } from '../../replay/index';
import { BusyPacer, type PacerOptions } from '../busy-pacer';
import { codeOf } from '../page-applier';
import type { SearchIndex } from '../search-index';
import type { Hit } from '../types';
import { skippedHit } from './trust-hits';
import { computeTrust, type TrustFindings } from './trust-compute';
import { TrustWorkerRunner } from './trust-runner';
import { TrustQueue, type Pending } from './trust-queue';

export type { TrustFindings } from './trust-compute';

/** Raise when the hits change meaning (or a report's rules do): every session is run again after the upgrade. */
export const TRUST_JOB_VERSION = 1;

export interface TrustJobOptions {
  /** A session is checked once nothing of it changed for this long (default 10 minutes). */
  quietMs?: number;
  /** One session's run (default 60 s); past it the session is skipped with reason `timeout`. */
  timeoutMs?: number;
  /** Sessions with more recorded events are skipped unread, reason `too-large` (default 200,000). */
  maxEvents?: number;
  /** How often due sessions are looked for (default a tenth of quietMs, between 1 s and 60 s). */
  tickMs?: number;
  /** Waits while the proxy's thread is busy before each session (`verbatim start`). */
  pacing?: PacerOptions;
  /** The job's version (tests stand for an upgrade with another; default TRUST_JOB_VERSION). */
  version?: number;
  /** The reports' hits (tests replace it to stand for a slow run). */
  compute?: (sessionId: string) => Promise<TrustFindings>;
  /** Runs on the trust worker thread (`verbatim start`), in-process if it cannot start. */
  worker?: boolean;
}

export interface TrustJobDeps {
  store: VerbatimStore;
  index: SearchIndex;
  /** Codes and seqs only: never record content or search terms. */
  log: (message: string) => void;
}

export interface TrustRun { ran: number; skipped: number; failed: number }

const DEFAULTS = { quietMs: 10 * 60_000, timeoutMs: 60_000, maxEvents: 200_000 };
const REPLACED = ['fidelity', 'foreign'] as const;

export class TrustJob {
  private readonly queue: TrustQueue;
  private readonly library: ReplayLibrary;
  private readonly pacer: BusyPacer | undefined;
  private readonly runner: TrustWorkerRunner | undefined;
  private readonly o: Required<Omit<TrustJobOptions, 'pacing' | 'compute' | 'tickMs' | 'version' | 'worker'>> & { tickMs: number };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TrustRun> | undefined;
  private stopped = false;

  constructor(private readonly deps: TrustJobDeps, options: TrustJobOptions = {}) {
    this.queue = new TrustQueue(deps.store, deps.index, options.version ?? TRUST_JOB_VERSION);
    this.library = new ReplayLibrary(deps.store);
    this.pacer = options.pacing ? new BusyPacer(options.pacing) : undefined;
    const quietMs = options.quietMs ?? DEFAULTS.quietMs;
    this.o = {
      quietMs, timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs, maxEvents: options.maxEvents ?? DEFAULTS.maxEvents,
      tickMs: options.tickMs ?? Math.min(60_000, Math.max(1_000, quietMs / 10)),
    };
    const inProcess = options.compute ?? ((sessionId: string) => computeTrust(this.library, sessionId));
    if (options.worker && !options.compute) {
      const runner = new TrustWorkerRunner(deps.store, inProcess, deps.log);
      this.runner = runner;
      this.compute = (sessionId) => runner.run(sessionId);
    } else {
      this.compute = inProcess;
    }
  }

  /** Looks for due sessions every tickMs until stop(). */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.runDue().catch((err: unknown) => this.deps.log(`trust job: stopped for now: ${codeOf(err)}`)), this.o.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.runner?.abandon();
    await this.running?.catch(() => undefined);
  }

  /** Whether runs go to the trust worker thread (false in-process, or once it could not start). */
  get onWorker(): boolean {
    return this.runner?.onWorker ?? false;
  }

  /** Sessions still owed a run (tests, status). */
  get pending(): number {
    return this.queue.size;
  }

  /** Runs every session due now, one at a time; a call while a run is going waits for that one. */
  runDue(now: () => number = Date.now): Promise<TrustRun> {
    this.running ??= this.drain(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(now: () => number): Promise<TrustRun> {
    const result: TrustRun = { ran: 0, skipped: 0, failed: 0 };
    for (;;) {
      await this.queue.scan(await this.deps.index.cursor());
      const due = this.queue.due(now(), this.o.quietMs);
      if (!due.length) return result;
      for (const p of due) {
        if (this.stopped) return result;
        await this.pacer?.whenQuiet(() => this.stopped);
        const outcome = await this.runOne(p, now);
        result[outcome] += 1;
        // The event loop breathes between sessions.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // A full queue left part of the feed unread: read on once some have run.
      if (this.stopped || result.failed) return result;
    }
  }

  private async runOne(p: Pending, now: () => number): Promise<keyof TrustRun> {
    const session = await this.deps.store.getSession(p.sessionId);
    if (!session) {
      await this.queue.forget(p.sessionId);
      return 'skipped';
    }
    let hits: Hit[];
    let score: number | null = null;
    let outcome: 'indexed' | `skipped:${string}` = 'indexed';
    if (session.eventCount > this.o.maxEvents) {
      outcome = 'skipped:too-large';
      hits = [skippedHit(session.startedAt)];
    } else {
      const work = this.compute(p.sessionId);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.o.timeoutMs);
      });
      try {
        const got = await Promise.race([work, timedOut]);
        if (got === 'timeout') {
          outcome = 'skipped:timeout';
          hits = [skippedHit(session.startedAt)];
          // One run at a time: a worker's run ends with the worker; an in-process one finishes (its answer unused)
          // before the next starts.
          const settled = work.catch(() => undefined);
          if (this.runner?.onWorker) await this.runner.abandon();
          await settled;
        } else {
          hits = got.hits;
          score = got.fidelity;
        }
      } catch (err) {
        // Stopping ended the run: the session stays owed one.
        if (this.stopped) return 'failed';
        // A session the reports cannot read (erased meanwhile, a damaged record) is skipped with its code.
        if (isVerbatimError(err, 'SESSION_UNKNOWN')) {
          await this.queue.forget(p.sessionId);
          return 'skipped';
        }
        outcome = `skipped:${codeOf(err)}`;
        hits = [skippedHit(session.startedAt)];
      } finally {
        clearTimeout(timer);
      }
    }
    try {
      // A skipped run keeps the foreign hits ingest found (foreign-hits.ts); a full one replaces them with its own.
      const kinds = outcome === 'indexed' ? [...REPLACED] : ['fidelity' as const];
      await this.deps.index.apply({
        cursor: 0, keepCursor: true, sessions: [], hits: [{ sessionId: p.sessionId, hits }], replaceKinds: [{ sessionId: p.sessionId, kinds }],
        fidelity: [{ sessionId: p.sessionId, score }],
      });
    } catch (err) {
      // Erased from the index meanwhile (BAD_REQUEST: no such session), or the index is unavailable: tried again later.
      this.deps.log(`trust job: writing change ${p.lastSeq} failed, later again: ${codeOf(err)}`);
      this.queue.postpone(p, now());
      return 'failed';
    }
    await this.queue.ran(p, outcome);
    if (outcome !== 'indexed') this.deps.log(`trust job: change ${p.lastSeq} ${outcome.replace(':', ' (')})`);
    return outcome === 'indexed' ? 'ran' : 'skipped';
  }

  private readonly compute: (sessionId: string) => Promise<TrustFindings>;
}
