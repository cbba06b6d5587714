/**
 * The struggle score, 0–100, of a session or of one page: each signal adds its published points (WEIGHTS), each
 * name counting at most `max` times (ten rage clicks are not ten times worse than two), and the sum S is saturated:
 * score = round(100 × (1 − e^(−S/60))). One rage click (30) gives 39, a rage, a dead and an error click (75) give 71;
 * the score never exceeds 100 and depends only on the signals (deterministic). docs/STRUGGLE.md lists the weights.
 */
import type { Signal, SignalName } from './signal';

export const WEIGHTS: Readonly<Record<SignalName, { points: number; max: number }>> = {
  rage: { points: 30, max: 2 },
  error: { points: 30, max: 2 },
  abandon: { points: 25, max: 1 },
  dead: { points: 15, max: 3 },
  validation: { points: 12, max: 3 },
  failed: { points: 10, max: 3 },
  thrash: { points: 10, max: 2 },
  quickback: { points: 10, max: 2 },
  scroll: { points: 8, max: 2 },
  slow: { points: 5, max: 3 },
  reentry: { points: 5, max: 4 },
  hesitation: { points: 5, max: 3 },
  'dwell-long': { points: 5, max: 1 },
  'dwell-short': { points: 5, max: 1 },
};

/** The S that scores 63 (1 − 1/e): the curve's scale. */
export const SCORE_SCALE = 60;

export function struggleScore(signals: readonly Pick<Signal, 'name'>[]): number {
  const counts = new Map<string, number>();
  for (const s of signals) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  let sum = 0;
  for (const [name, n] of counts) {
    const w = WEIGHTS[name as SignalName];
    if (w) sum += w.points * Math.min(n, w.max);
  }
  return Math.round(100 * (1 - Math.exp(-sum / SCORE_SCALE)));
}

/** Scores per page id (signals without a page count for the session only). */
export function pageScores(signals: readonly Signal[]): Map<string, number> {
  const byPage = new Map<string, Signal[]>();
  for (const s of signals) {
    if (!s.pageId) continue;
    const list = byPage.get(s.pageId) ?? [];
    list.push(s);
    byPage.set(s.pageId, list);
  }
  return new Map([...byPage].sort(([a], [b]) => a.localeCompare(b)).map(([id, list]) => [id, struggleScore(list)]));
}
