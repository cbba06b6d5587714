/**
 * GET /api/sessions/<id>/signals: the struggle detector (analytics/struggle/) run over one session's stored records,
 * for the player's timeline markers, activity feed and "Struggle N" badge. Computed on request (a session is small
 * next to the detector's limits) so the answer always follows the thresholds in force; the page visits it also
 * answers are the detector's own URL visits, which is how the player learns of single-page-app route changes (rrweb
 * records none: the URL of a batch's upload tells).
 */
import type { VerbatimStore } from '../store/store';
import { createStruggleDetector, pageScores, struggleScore, type DwellTime, type Signal } from './analytics/struggle/index';

export interface ApiSessionSignals {
  /** The session's struggle score, 0–100 (analytics/struggle/score.ts). */
  score: number;
  signals: Signal[];
  /** URL visits in time order: a visit on the same page id as the one before it is a route change. */
  visits: DwellTime[];
  /** Struggle score per recorded page id (pages without signals are absent). */
  pageScores: Record<string, number>;
}

export async function sessionSignals(store: VerbatimStore, sessionId: string): Promise<ApiSessionSignals> {
  const [batches, captures] = await Promise.all([store.readEvents(sessionId), store.listCaptures(sessionId)]);
  const detector = createStruggleDetector();
  // Each page's batches in sequence (the store's order), captures after: the detector judges captures at the end.
  for (const batch of batches) detector.batch(batch);
  for (const capture of captures) detector.capture(capture);
  const signals = detector.finish();
  const visits = detector.dwell().sort((a, b) => a.from - b.from);
  return { score: struggleScore(signals), signals, visits, pageScores: Object.fromEntries(pageScores(signals)) };
}
