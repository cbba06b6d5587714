/**
 * Struggle signals as search hits (`struggle:rage`, `struggle:dead THEN …`): each session's extractor gets a struggle
 * detector beside it (analytics/struggle/, fed the same records in the same order), and the signals it has judged
 * are the session's `struggle` hits, each at its moment, on its page: the signal's name is its text, the element's
 * selector its field. Signals are judged as their windows close (a dead click once 1.2 s passed without an answer;
 * an abandoned form once its page was left), so a signal lands with the batch that settled it.
 *
 * A later record can also change a judgement: the page's late answer arrives after a request's end closed the click's
 * window (the click was not dead after all), or a request's page becomes known once that page's first batch lands.
 * So the hits are not appended one by one: whenever the detector's list changes, the whole list replaces the
 * session's struggle hits (`takeReplacement`, applied by the page applier in the same transaction), and the index
 * always holds exactly the signals the detector holds.
 */
import { STRUGGLE_ATTRIBUTES } from '../analytics/struggle/elements';
import { createStruggleDetector, struggleScore, type Signal, type StruggleDetector } from '../analytics/struggle/index';
import { withAnalytics } from '../analytics/index/with-analytics';
import { ANALYTICS_MODULES } from '../analytics/index/registry';
import { createSessionExtractor, type PageObservers } from './extract/index';
import type { ExtractorFactory, SessionExtractor } from './extractor-port';
import { withForeignHits } from './foreign-hits';
import type { Hit } from './types';

/** Struggle hits a session may hold (the detector caps its own list lower; this bounds a rewrite). */
const MAX_HITS = 5_000;

/**
 * What the index is fed from by default, in-process and on the search worker: search's hits, struggle's, analytics
 * rows, foreign-content hits. One struggle detector per session, fed here on the extractor's walk, read by the struggle hits and lent to
 * the field-analytics collectors (which ran a second one of their own: the same judgements computed twice).
 */
export const createIndexExtractor: ExtractorFactory = () => {
  const struggle = createStruggleDetector();
  return withForeignHits(withAnalytics(withStruggleHits(createSessionExtractor, () => struggle), ANALYTICS_MODULES, { struggle }))();
};

/**
 * `createExtractor` is handed the detector's page observers: the detector reads each page on the extractor's walk
 * of it (one node map per page, walked once per event) instead of walking its own.
 */
export function withStruggleHits(createExtractor: (observers: PageObservers) => SessionExtractor, createDetector: () => StruggleDetector = createStruggleDetector): ExtractorFactory {
  return () => {
    const detector = createDetector();
    const inner = createExtractor({ observe: (pageId) => detector.observe(pageId), extraAttributes: STRUGGLE_ATTRIBUTES });
    // The detector returns the same array until a record changes its judgement: an unchanged list replaces nothing,
    // and its score is the one already computed.
    let taken: Signal[] | undefined;
    let takenHits: Hit[] | undefined;
    let score: { of: Signal[]; value: number } | undefined;
    const extractor: SessionExtractor = {
      batch: (batch) => inner.batch(batch), // feeds the detector's pages too
      capture(capture) {
        const hits = inner.capture(capture);
        detector.capture(capture);
        return hits;
      },
      websocket: (messages) => inner.websocket(messages),
      drainAnalytics: () => inner.drainAnalytics?.() ?? [],
      takeReplacement() {
        const signals = detector.signals();
        if (signals === taken) return undefined;
        taken = signals;
        // The same hits as last time (a new array, same judgement): nothing to rewrite. Compared with the hits kept
        // from last time, field by field (they were re-made from the old list and joined into strings per compare).
        const before = takenHits;
        const hits = signals.slice(0, MAX_HITS).map(toHit);
        takenHits = hits;
        if (before && sameHits(before, hits)) return undefined;
        return { kind: 'struggle', hits };
      },
      // The score of the signals judged so far (pages still open are not judged for abandonment yet).
      facts: (session) => {
        const signals = detector.signals();
        if (score?.of !== signals) score = { of: signals, value: struggleScore(signals) };
        return { ...inner.facts(session), struggleScore: score.value };
      },
    };
    return extractor;
  };
}

function sameHits(a: readonly Hit[], b: readonly Hit[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.text !== y.text || x.at !== y.at || (x.field ?? '') !== (y.field ?? '') || (x.pageId ?? '') !== (y.pageId ?? '')) return false;
  }
  return true;
}

function toHit(s: Signal): Hit {
  return { kind: 'struggle', at: s.at, text: s.name, ...(s.pageId ? { pageId: s.pageId } : {}), ...(s.element?.selector ? { field: s.element.selector } : {}) };
}
