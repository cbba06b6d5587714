/**
 * One URL's views judged against that URL's own dwell distribution (analytics/struggle/dwell.ts: nearest-rank p5/p95,
 * nothing under minSamples views) as `struggle` hits: text `dwell-long` or `dwell-short`, at the view's moment, on
 * its page, as ingest's struggle hits carry them (struggle-hits.ts). Pure: the dwell job (dwell-job.ts) reads and writes.
 */
import { dwellCutoffs, dwellSignals, type DwellOptions } from '../../analytics/struggle/dwell';
import type { Hit } from '../types';
import type { DwellView } from './dwell-views';

/** The texts the dwell job owns among a session's struggle hits: it replaces these, and only these. */
export const DWELL_TEXTS = ['dwell-long', 'dwell-short'];
/** Per session and run (a session that shows one URL thousands of times needs only a few to be found). */
export const MAX_DWELL_HITS_PER_SESSION = 50;

/** Adds the URL's outliers to `out` (session id → hits). */
export function addDwellHits(views: readonly DwellView[], out: Map<string, Hit[]>, options: DwellOptions = {}): void {
  const cutoffs = dwellCutoffs(views.map((v) => v.ms), options);
  if (!cutoffs) return;
  // One URL at a time; a signal names its visit by pageId, so the view's position stands in for it here.
  const visits = views.map((v, i) => ({ pageId: String(i), url: 'u', from: v.at, to: v.at + v.ms, ms: v.ms }));
  for (const s of dwellSignals(visits, new Map([['u', cutoffs]]))) {
    const v = views[Number(s.pageId)]!;
    const hits = out.get(v.sessionId) ?? [];
    if (hits.length >= MAX_DWELL_HITS_PER_SESSION) continue;
    hits.push({ kind: 'struggle', at: v.at, text: s.name, ...(v.pageId ? { pageId: v.pageId } : {}) });
    out.set(v.sessionId, hits);
  }
}
