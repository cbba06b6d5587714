/**
 * What the follower needs of the extractor (search/extract/): one stateful extractor per session, fed the session's
 * records in feed order, answering hits and the facts gathered so far. A factory, so tests can inject failures.
 */
import type { SessionExtractor } from './extract/index';
import type { SessionFacts } from './search-index';

export type { SessionExtractor };
export type ExtractorFactory = () => SessionExtractor;
/** The extractor's facts, as far as the index keeps them (the store's session record fills the rest). */
export type ExtractedFacts = Partial<Omit<SessionFacts, 'id' | 'customerLinked'>>;
