/**
 * A session's fidelity and foreign-content reports as search hits (`fidelity:missing`, `foreign:foreign-form-action`;
 * docs/FIDELITY.md, docs/FOREIGN-CONTENT.md). Pure: the reports come from the replay library (trust-job.ts).
 *
 * Fidelity: one `fidelity` hit per category the replay has, its text the category's name (with its aliases, so
 * `fidelity:fuzzy` finds a loose match), at the first resource of that category (the result opens the replay there)
 * or, for `full` and `limited`, at the session's start. Foreign content: one `foreign` hit per flag, its text the
 * reason and `any` (as at ingest, foreign-hits.ts), at the flag's moment and page, its field the element's CSS path.
 */
import type { FidelityReport } from '../../replay/fidelity';
import { PENALISED_LIMITS } from '../../replay/recording-limits';
import type { ForeignContentReport, ForeignReason } from '../../replay/foreign-content/types';
import type { Hit } from '../types';

/** What `fidelity:` takes, as the hit texts hold them (`loose` also answers to `fuzzy`). */
export const FIDELITY_TERMS = ['full', 'borrowed', 'loose', 'fuzzy', 'missing', 'limited', 'skipped'] as const;
/** A hostile page can raise thousands of flags: the first few per reason say enough to find the session. */
export const MAX_HITS_PER_REASON = 20;
const MAX_FIELD = 200;

export function fidelityHits(report: FidelityReport, startedAt: number): Hit[] {
  const hits: Hit[] = [];
  const firstOf = (source: 'borrowed' | 'loose' | 'missing') => report.concerns.find((i) => i.source === source)?.at;
  if (report.full) hits.push({ kind: 'fidelity', at: startedAt, text: 'full' });
  for (const [source, text] of [['borrowed', 'borrowed'], ['loose', 'loose fuzzy'], ['missing', 'missing']] as const) {
    const at = firstOf(source);
    if (at !== undefined) hits.push({ kind: 'fidelity', at: Number.isFinite(at) ? at : startedAt, text });
  }
  // What the recording could not hold, partial captures, or more resources than were checked.
  const limited = PENALISED_LIMITS.some((k) => report.limits[k] > 0) || report.counts.truncated > 0 || report.capped === true;
  if (limited) hits.push({ kind: 'fidelity', at: startedAt, text: 'limited' });
  return hits;
}

/** The session could not be checked (too large, out of time): said in search, so a review can find it. */
export function skippedHit(startedAt: number): Hit {
  return { kind: 'fidelity', at: startedAt, text: 'skipped' };
}

export function foreignHits(report: ForeignContentReport): Hit[] {
  const hits: Hit[] = [];
  const per = new Map<ForeignReason, number>();
  for (const f of report.flags) {
    const n = per.get(f.reason) ?? 0;
    if (n >= MAX_HITS_PER_REASON || !Number.isFinite(f.at)) continue;
    per.set(f.reason, n + 1);
    hits.push({
      kind: 'foreign', at: f.at, text: `${f.reason} any`,
      ...(typeof f.pageId === 'string' ? { pageId: f.pageId.slice(0, 200) } : {}),
      ...(f.path ? { field: f.path.slice(0, MAX_FIELD) } : {}),
    });
  }
  return hits;
}
