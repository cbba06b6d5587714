/**
 * "Verify the store" from the administrator screen: one run at a time over the running store's hash chains,
 * checkpoints and witness log (store/integrity/verify.ts through the store's read-only AuditReader), with its
 * progress readable while it runs and its result kept (in memory and in <data>/verify-last.json, 0600) so the screen
 * still shows it after a restart. It reads while the store writes: records newer than the last checkpoint are
 * reported as an unsealed tail (a note), not as a problem.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { AuditReader } from '../../store/base/audit-reader';
import { VerbatimError } from '../../store/errors';
import { verifyAudit, type VerifyProgress, type VerifyReport } from '../../store/integrity/verify';

export interface VerifyResult {
  ok: boolean;
  problems: number;
  /** The first problems, as verify words them. */
  firstProblems: { code: string; message: string }[];
  notes: string[];
  stats: VerifyReport['stats'];
}

export interface VerifyState {
  state: 'never' | 'running' | 'done' | 'failed';
  by?: string;
  startedAt?: number;
  finishedAt?: number;
  progress?: VerifyProgress;
  result?: VerifyResult;
  /** Why the run could not finish (not a finding: findings are in result). */
  error?: string;
}

const KEEP_PROBLEMS = 20;

export class VerifyJob {
  private current: VerifyState = { state: 'never' };
  private loaded = false;
  private running: Promise<void> | undefined;

  constructor(private readonly opts: { reader: () => AuditReader; keysDir: string; resultFile?: string; now?: () => number }) {}

  async state(): Promise<VerifyState> {
    if (!this.loaded && this.opts.resultFile) {
      this.loaded = true;
      const kept = await readFile(this.opts.resultFile, 'utf8').then((t) => JSON.parse(t) as VerifyState, () => undefined);
      if (kept && this.current.state === 'never' && (kept.state === 'done' || kept.state === 'failed')) this.current = kept;
    }
    return this.current;
  }

  /** Starts a run; CONFLICT-like refusal (BAD_REQUEST) while one is running. */
  start(by: string): VerifyState {
    if (this.running) throw new VerbatimError('BAD_REQUEST', 'a verify run is already in progress');
    const now = this.opts.now ?? Date.now;
    this.loaded = true;
    this.current = { state: 'running', by, startedAt: now(), progress: { phase: 'checkpoints', done: 0, total: 0 } };
    const run = this.current;
    this.running = verifyAudit(this.opts.reader(), { keysDir: this.opts.keysDir, onProgress: (p) => { run.progress = p; } })
      .then((report) => {
        this.current = { ...run, state: 'done', finishedAt: now(), result: summarise(report) };
      }, (err: unknown) => {
        this.current = { ...run, state: 'failed', finishedAt: now(), error: isCoded(err) ? `${err.code}: ${err.message}` : 'verify stopped with an internal error' };
      })
      .then(() => this.keep())
      .finally(() => { this.running = undefined; });
    return run;
  }

  /** Resolves when the current run (if any) has finished (tests, shutdown). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async keep(): Promise<void> {
    const file = this.opts.resultFile;
    if (!file) return;
    const tmp = `${file}.${process.pid}.tmp`;
    // Only the screen's memory of the last run: a failed write costs that, nothing else.
    await writeFile(tmp, JSON.stringify(this.current), { mode: 0o600 }).then(() => rename(tmp, file)).catch(() => undefined);
  }
}

function summarise(r: VerifyReport): VerifyResult {
  return {
    ok: r.ok, problems: r.problems.length,
    firstProblems: r.problems.slice(0, KEEP_PROBLEMS).map((p) => ({ code: p.code, message: p.message })),
    notes: r.notes.slice(0, KEEP_PROBLEMS), stats: r.stats,
  };
}

function isCoded(err: unknown): err is { code: string; message: string } {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}
