/**
 * What the dwell job last wrote, per session, so a run rewrites only the sessions whose verdict changed
 * (dwell-job.ts). Kept in memory, never in the index: an id kept aside could outlive the session's erasure. It is
 * trusted only while nothing else can have written dwell hits since this job's last run:
 * - the index's `dwell.run` meta value still names this job's last run (another instance's job, or `verbatim
 *   reindex`, which empties meta, makes the next run a full one);
 * - the session still holds dwell hits (the search for them finds it): ingest's rewrite of a session's struggle hits
 *   drops its dwell hits with them, and such a session is written again.
 */
import { randomUUID } from 'node:crypto';
import type { Hit } from '../types';

/** The meta key naming the run that wrote the index's dwell hits last. */
export const DWELL_RUN_META = 'dwell.run';

/** A session's dwell hits as one string: same string, same hits (order-free; hits carry no other fields). */
export function fingerprintOf(hits: readonly Hit[] | undefined): string {
  if (!hits?.length) return '';
  return hits.map((h) => `${h.at}\t${h.text}\t${h.pageId ?? ''}`).sort().join('\n');
}

export class DwellWritten {
  /** Session id → fingerprint of the dwell hits this job wrote for it ('' for none). */
  private written = new Map<string, string>();
  private runId: string | undefined;

  /** Forgets everything unless `metaRun` is the id this job left at its last run. */
  trustIf(metaRun: string | undefined): boolean {
    if (this.runId !== undefined && metaRun === this.runId) return true;
    this.written.clear();
    return false;
  }

  /**
   * Whether a session needs writing: its wanted hits differ from what was written, or it lost them (not `held`), or
   * it holds hits this job does not know of.
   */
  needsWrite(sessionId: string, wanted: string, held: boolean): boolean {
    const had = this.written.get(sessionId);
    if (had === undefined) return held || wanted !== '';
    if (had !== '' && !held) return wanted !== '';
    return had !== wanted;
  }

  set(sessionId: string, fingerprint: string): void {
    if (fingerprint) this.written.set(sessionId, fingerprint);
    else this.written.delete(sessionId);
  }

  /** Not known any more (a write failed: the next run writes it again). */
  forget(sessionId: string): void {
    this.written.delete(sessionId);
  }

  /** Keeps only these sessions (the others were erased or hold nothing). */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.written.keys()) if (!ids.has(id)) this.written.delete(id);
  }

  /** A new id for the run that is about to write (stored in meta after its writes). */
  nextRun(): string {
    this.runId = randomUUID();
    return this.runId;
  }

  get size(): number {
    return this.written.size;
  }
}
