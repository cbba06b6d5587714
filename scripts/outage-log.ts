/**
 * One log line when the store stops taking writes and one when it takes them again, with what was lost meanwhile:
 * an operator reading the log after a database restart or an object store outage sees how long it lasted and how
 * many captures and uploads it cost, without a line per failed write (those are rate-limited in cli.ts). Counts,
 * codes and the store's reason only: never a body, a token or a URL.
 */
import type { IngestStats } from '../proxy/ingest/pipeline';
import type { StoreHealth } from '../store/store';

export interface OutageLog {
  stop(): void;
}

/** Polls `health` every `intervalMs` (a transition shorter than that may go unlogged; the counts never are lost). */
export function watchOutages(health: () => StoreHealth, stats: IngestStats, write: (line: string) => void, intervalMs = 250): OutageLog {
  let since: { at: number; captures: number; uploads: number; late: number; sessions: number } | undefined;
  const check = (): void => {
    const h = health();
    if (h.state === 'degraded' && !since) {
      since = { at: h.since, captures: stats.failed, uploads: stats.uploadsFailed, late: stats.uploadsAnsweredLate, sessions: stats.sessionsFailed };
      write(`store not writable (${h.reason}): pages pass unrecorded meanwhile, retried every second; failed writes are counted (verbatim status)`);
    } else if (h.state === 'open' && since) {
      write(`store writable again after ${Date.now() - since.at} ms: ${stats.failed - since.captures} captures dropped, `
        + `${stats.uploadsFailed - since.uploads} uploads refused, ${stats.uploadsAnsweredLate - since.late} answered late, `
        + `${stats.sessionsFailed - since.sessions} sessions not recorded meanwhile`);
      since = undefined;
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  check();
  return { stop: () => clearInterval(timer) };
}
