/**
 * What the follower needs of the extractor (search/extract/): one stateful extractor per session, fed the session's
 * records in feed order, answering hits and the facts gathered so far, and (when analytics collectors ride beside
 * it, analytics/index/with-analytics.ts) the analytics rows produced since the last drain. A factory, so tests can
 * inject failures.
 */
import type { AnalyticsRow } from '../analytics/index/analytics-table';
import type { SessionExtractor as SearchExtractor } from './extract/index';
import type { SessionFacts } from './search-index';
import type { Hit, HitKind } from './types';

export type SessionExtractor = SearchExtractor & {
  drainAnalytics?(): AnalyticsRow[];
  /**
   * Hits of one kind that replace the session's hits of that kind, when they changed since the last call (struggle
   * signals: a later record can change or withdraw a judgement; struggle-hits.ts). Applied after every record.
   */
  takeReplacement?(): { kind: HitKind; hits: Hit[] } | undefined;
};
export type ExtractorFactory = () => SessionExtractor;
/** The extractor's facts, as far as the index keeps them (the store's session record fills the rest). */
export type ExtractedFacts = Partial<Omit<SessionFacts, 'id' | 'customerLinked'>>;
