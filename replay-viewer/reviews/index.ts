/**
 * Compliance reviews' public door: saved searches run over a period into signed result sets kept in <data>/reviews
 * (never in the search index, which reindex rebuilds), on demand or on a schedule, with reviewers' marks. The CLI
 * wires it (scripts/cli.ts) with the opened search index, the store's signing key and the masker.
 */
import path from 'node:path';
import type { VerbatimStore } from '../../store/store';
import { loadOrCreateSigningKey } from '../../store/integrity/index';
import type { AuditEntryInput } from '../auth/audit-log';
import type { IndexKey } from '../search/index-key';
import type { SearchIndex } from '../search/search-index';
import { lastSeq } from '../search/reindex';
import type { SharedState } from '../../store/shared-state';
import { FileReviewRepository, REVIEWS_DIR } from './file-review-repository';
import { SharedReviewRepository } from './shared-review-repository';
import { ReviewRoutes } from './review-routes';
import { ReviewScheduler } from './review-scheduler';
import { ReviewService } from './review-service';

export { FileReviewRepository, REVIEWS_DIR } from './file-review-repository';
export { SharedReviewRepository } from './shared-review-repository';
export type { ReviewRepository } from './review-repository';
export { ReviewRoutes, type SearchesResponse } from './review-routes';
export { ReviewScheduler, SCHEDULER_ACTOR } from './review-scheduler';
export { ReviewService, MAX_RESULT_ROWS } from './review-service';
export { verifyResult } from './result-signature';
export * from './types';

export interface OpenReviewsOptions {
  dataDir: string;
  keysDir: string;
  store: VerbatimStore;
  index: SearchIndex;
  key: IndexKey;
  mask: (text: string) => string;
  audit: (entry: AuditEntryInput) => Promise<unknown>;
  log: (message: string) => void;
  now?: () => number;
  /** Keep reviews in the store's shared state (instances sharing a PostgreSQL store) instead of <data>/reviews. */
  shared?: SharedState;
}

export interface OpenedReviews {
  service: ReviewService;
  routes: ReviewRoutes;
  scheduler: ReviewScheduler;
}

export async function openReviews(o: OpenReviewsOptions): Promise<OpenedReviews> {
  const repo = o.shared ? new SharedReviewRepository(o.shared) : await FileReviewRepository.open(path.join(o.dataDir, REVIEWS_DIR));
  const signingKey = await loadOrCreateSigningKey(o.keysDir);
  const service = new ReviewService({ repo, index: o.index, store: o.store, signingKey, mask: o.mask, now: o.now });
  return {
    service,
    routes: new ReviewRoutes(service, o.key),
    scheduler: new ReviewScheduler({
      service, audit: o.audit, key: o.key, log: o.log, now: o.now,
      feed: { head: () => lastSeq(o.store), indexed: () => o.index.cursor() },
      leadership: o.store.leadership?.('review-schedule'),
    }),
  };
}
