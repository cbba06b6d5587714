/**
 * Struggle signals as search hits (`struggle:rage`, `struggle:dead THEN …`): each session's extractor gets a struggle
 * detector beside it (analytics/struggle/, fed the same records in the same order), and every signal the detector
 * has judged is added once as a `struggle` hit at its moment, on its page: the signal's name is its text, the
 * element's selector its field. Signals are judged as their windows close (a dead click once 1.2 s passed without an
 * answer; an abandoned form once its page was left), so a signal lands with the batch that settled it.
 */
import { createStruggleDetector, struggleScore, type Signal } from '../analytics/struggle/index';
import { withAnalytics } from '../analytics/index/with-analytics';
import { ANALYTICS_MODULES } from '../analytics/index/registry';
import { createSessionExtractor } from './extract/index';
import type { ExtractorFactory, SessionExtractor } from './extractor-port';
import type { Hit } from './types';

/** Signals a session may add (the detector caps its own list lower; this bounds the memory of what was added). */
const MAX_ADDED = 5_000;

/** What the index is fed from by default, in-process and on the search worker: search's hits, struggle's, analytics rows. */
export const createIndexExtractor: ExtractorFactory = withAnalytics(withStruggleHits(createSessionExtractor), ANALYTICS_MODULES);

export function withStruggleHits(createExtractor: ExtractorFactory): ExtractorFactory {
  return () => {
    const inner = createExtractor();
    const detector = createStruggleDetector();
    const added = new Set<string>();
    const newSignals = (): Hit[] => {
      const out: Hit[] = [];
      for (const s of detector.signals()) {
        // Not keyed by page: a request's page is the one open when it started, known only once that page's first
        // batch landed, which can be after the capture (the recorder uploads every 5 s); keyed by page, the same
        // failed request became a second hit.
        const key = `${s.name}\n${s.at}\n${s.element?.selector ?? s.url ?? ''}`;
        if (added.has(key) || added.size >= MAX_ADDED) continue;
        added.add(key);
        out.push(toHit(s));
      }
      return out;
    };
    const extractor: SessionExtractor = {
      batch(batch) {
        const hits = inner.batch(batch);
        detector.batch(batch);
        return [...hits, ...newSignals()];
      },
      capture(capture) {
        const hits = inner.capture(capture);
        detector.capture(capture);
        return [...hits, ...newSignals()];
      },
      websocket: (messages) => inner.websocket(messages),
      drainAnalytics: () => inner.drainAnalytics?.() ?? [],
      // The score of the signals judged so far (pages still open are not judged for abandonment yet).
      facts: (session) => ({ ...inner.facts(session), struggleScore: struggleScore(detector.signals()) }),
    };
    return extractor;
  };
}

function toHit(s: Signal): Hit {
  return { kind: 'struggle', at: s.at, text: s.name, ...(s.pageId ? { pageId: s.pageId } : {}), ...(s.element?.selector ? { field: s.element.selector } : {}) };
}
