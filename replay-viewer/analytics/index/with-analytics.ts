/**
 * Rides analytics collectors beside the index's extractor (as withStruggleHits rides the struggle detector): each
 * collector sees every record and the hits the extractor answered for it; its rows are drained by the page applier
 * into the same batch, and so the same transaction, as the hits.
 */
import type { ExtractorFactory, SessionExtractor } from '../../search/extractor-port';
import type { AnalyticsModule, SharedReaders } from './analytics-table';

/** `shared`: what the inner extractor already reads for this session (its struggle detector), lent to the collectors. */
export function withAnalytics(createExtractor: ExtractorFactory, modules: readonly AnalyticsModule[], shared: SharedReaders = {}): ExtractorFactory {
  return () => {
    const inner = createExtractor();
    const collectors = modules.flatMap((m) => (m.collector ? [m.collector(shared)] : []));
    const extractor: SessionExtractor = {
      batch(batch) {
        const hits = inner.batch(batch);
        for (const c of collectors) c.batch(batch, hits);
        return hits;
      },
      capture(capture) {
        const hits = inner.capture(capture);
        for (const c of collectors) c.capture(capture, hits);
        return hits;
      },
      websocket: (messages) => inner.websocket(messages),
      facts: (session) => inner.facts(session),
      drainAnalytics: () => [...(inner.drainAnalytics?.() ?? []), ...collectors.flatMap((c) => c.drain())],
      takeReplacement: () => inner.takeReplacement?.(),
    };
    return extractor;
  };
}
