/**
 * dwell-long and dwell-short: a visit judged against its URL's own distribution of dwell times across sessions
 * (the detector gives each session's visits; the caller gathers them per URL). Percentiles by nearest rank:
 * a visit longer than the high percentile (default p95) is dwell-long, shorter than the low one (default p5)
 * dwell-short. Nothing is judged with fewer than minSamples visits, so a page seen a few times flags nothing.
 */
import { VerbatimError } from '../../../store/errors';
import type { DwellTime, Signal } from './signal';

export interface DwellCutoffs {
  low: number;
  high: number;
  median: number;
  samples: number;
}

export interface DwellOptions {
  lowPercentile?: number;
  highPercentile?: number;
  minSamples?: number;
}

export const DWELL_DEFAULTS = { lowPercentile: 5, highPercentile: 95, minSamples: 20 } as const;

/** Nearest-rank percentile of sorted values (p in 0..100). */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function dwellCutoffs(distribution: readonly number[], options: DwellOptions = {}): DwellCutoffs | undefined {
  const { lowPercentile, highPercentile, minSamples } = { ...DWELL_DEFAULTS, ...options };
  if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100 && minSamples >= 1)) {
    throw new VerbatimError('CONFIG_INVALID', 'dwell: need 0 <= lowPercentile < highPercentile <= 100 and minSamples >= 1', { lowPercentile, highPercentile, minSamples });
  }
  const sorted = distribution.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (sorted.length < minSamples) return undefined;
  return { low: percentile(sorted, lowPercentile), high: percentile(sorted, highPercentile), median: percentile(sorted, 50), samples: sorted.length };
}

/** Signals for visits outside their URL's cutoffs (`cutoffs` by URL; a URL without cutoffs is not judged). */
export function dwellSignals(visits: readonly DwellTime[], cutoffs: ReadonlyMap<string, DwellCutoffs>): Signal[] {
  const out: Signal[] = [];
  for (const v of visits) {
    const c = cutoffs.get(v.url);
    if (!c) continue;
    const detail = { dwellMs: v.ms, medianMs: c.median };
    if (v.ms > c.high) out.push({ name: 'dwell-long', at: v.from, pageId: v.pageId, url: v.url, detail: { ...detail, cutoffMs: c.high } });
    else if (v.ms < c.low) out.push({ name: 'dwell-short', at: v.from, pageId: v.pageId, url: v.url, detail: { ...detail, cutoffMs: c.low } });
  }
  return out;
}
