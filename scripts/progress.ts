/**
 * Progress and time left for a long CLI job (verify, export, expire, erase; migrate and
 * reindex when they come), always on stderr: stdout carries the job's result, which
 * scripts read. On a terminal, one line rewritten in place (at most ten times a second)
 * and cleared when the job ends; elsewhere (a log file, cron mail) a plain line every
 * few seconds, the first only once the job has run that long, so short jobs print
 * nothing. The estimate is the stage's average rate so far.
 */

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Where to write; process.stderr by default. */
  stream?: ProgressStream;
  /** false: report nothing (`--progress=false`). */
  enabled?: boolean;
  /** Not a terminal: time between lines, and before the first (default 5 s). */
  intervalMs?: number;
  now?: () => number;
}

export interface Progress {
  /** `done` of `total` units (total 0: not known yet); `stage` names the part of a job that has several. */
  update(done: number, total: number, stage?: string): void;
  /** The job ended (also on failure): clears the terminal line. */
  end(): void;
}

const REDRAW_MS = 100;
/** No estimate before the stage has run this long: early rates mislead. */
const ESTIMATE_AFTER_MS = 1_000;

export function startProgress(job: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 5_000;
  if (options.enabled === false) return { update: () => undefined, end: () => undefined };
  const tty = stream.isTTY === true;
  const started = now();
  let stage: string | undefined;
  let stageStart = started;
  let lastWrite = tty ? -Infinity : started;
  let drawn = false;
  return {
    update(done, total, nextStage) {
      const t = now();
      if (nextStage !== stage) {
        stage = nextStage;
        stageStart = t;
      }
      const finished = total > 0 && done >= total;
      if (t - lastWrite < (tty ? REDRAW_MS : interval) && !(tty && finished)) return;
      lastWrite = t;
      const line = describe(job, stage, done, total, t - started, t - stageStart);
      if (tty) {
        const width = Math.max(20, (stream.columns || 80) - 1); // a pseudo-terminal may report 0 columns
        stream.write(`\r${line.length > width ? line.slice(0, width) : line}\x1b[K`);
        drawn = true;
      } else stream.write(`${line}\n`);
    },
    end() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** "verify chains: 1,200/10,000 (12%), 4 s, about 29 s left" */
export function describe(job: string, stage: string | undefined, done: number, total: number, elapsedMs: number, stageMs: number): string {
  const count = total > 0
    ? `${done.toLocaleString('en')}/${total.toLocaleString('en')} (${Math.floor((100 * done) / total)}%)`
    : done.toLocaleString('en');
  let text = `${job}${stage ? ` ${stage}` : ''}: ${count}, ${duration(elapsedMs)}`;
  if (total > 0 && done > 0 && done < total && stageMs >= ESTIMATE_AFTER_MS) {
    text += `, about ${duration((stageMs * (total - done)) / done)} left`;
  }
  return text;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
