/**
 * Struggle signals as search hits (`struggle:rage`, `struggle:dead THEN …`): each session's extractor gets a struggle
 * detector beside it (analytics/struggle/, fed the same records in the same order), and every signal the detector
 * has judged is added once as a `struggle` hit at its moment, on its page: the signal's name is its text, the
 * element's selector its field. Signals are judged as their windows close (a dead click once 1.2 s passed without an
 * answer; an abandoned form once its page was left), so a signal lands with the batch that settled it.
 */
import { STRUGGLE_ATTRIBUTES } from '../analytics/struggle/elements';
import { createStruggleDetector, struggleScore, type Signal } from '../analytics/struggle/index';
import { createSessionExtractor, type PageObservers } from './extract/index';
import type { ExtractorFactory, SessionExtractor } from './extractor-port';
import type { Hit } from './types';

/** Signals a session may add (the detector caps its own list lower; this bounds the memory of what was added). */
const MAX_ADDED = 5_000;

/** What the index is fed from by default, in-process and on the search worker: search's hits and struggle's. */
export const createIndexExtractor: ExtractorFactory = () => withStruggleHits(createSessionExtractor)();

/**
 * `createExtractor` is handed the detector's page observers: the detector reads each page on the extractor's walk
 * of it (one node map per page, walked once per event) instead of walking its own.
 */
export function withStruggleHits(createExtractor: (observers: PageObservers) => SessionExtractor): ExtractorFactory {
  return () => {
    const detector = createStruggleDetector();
    const inner = createExtractor({ observe: (pageId) => detector.observe(pageId), extraAttributes: STRUGGLE_ATTRIBUTES });
    const added = new Set<string>();
    // The detector returns the same array until a record changes its judgement: an unchanged list adds nothing,
    // and its score is the one already computed.
    let seen: Signal[] | undefined;
    let score: { of: Signal[]; value: number } | undefined;
    const newSignals = (): Hit[] => {
      const signals = detector.signals();
      if (signals === seen) return [];
      seen = signals;
      const out: Hit[] = [];
      for (const s of signals) {
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
        const hits = inner.batch(batch); // feeds the detector's pages too
        const judged = newSignals();
        return judged.length ? [...hits, ...judged] : hits;
      },
      capture(capture) {
        const hits = inner.capture(capture);
        detector.capture(capture);
        const judged = newSignals();
        return judged.length ? [...hits, ...judged] : hits;
      },
      websocket: (messages) => inner.websocket(messages),
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

function toHit(s: Signal): Hit {
  return { kind: 'struggle', at: s.at, text: s.name, ...(s.pageId ? { pageId: s.pageId } : {}), ...(s.element?.selector ? { field: s.element.selector } : {}) };
}
