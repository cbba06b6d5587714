/**
 * Where reviews are kept: never in the search index, which is derived data that `verbatim reindex` wipes. The
 * contract is this interface; FileReviewRepository (file-review-repository.ts) keeps them in <data>/reviews/,
 * SharedReviewRepository (shared-review-repository.ts) in a PostgreSQL store's shared state. What both do alike with
 * a kept run (its id's form, its summary, the listing order) is kept-runs.ts.
 */
import type { Mark, RunSummary, SavedSearch, SignedReviewResult } from './types';

export interface ReviewRepository {
  listSearches(): Promise<SavedSearch[]>;
  getSearch(id: string): Promise<SavedSearch | undefined>;
  /** Creates or replaces. */
  putSearch(search: SavedSearch): Promise<void>;
  deleteSearch(id: string): Promise<boolean>;
  /** Keeps a signed result set, whole or not at all; false (nothing written) if that run id is kept already. */
  putRun(run: SignedReviewResult): Promise<boolean>;
  /** The kept file's exact text (downloads and verification read these bytes) and its parsed form. */
  getRun(id: string): Promise<{ text: string; run: SignedReviewResult } | undefined>;
  /** Newest first; all runs, or one saved search's. */
  listRuns(savedSearchId?: string): Promise<RunSummary[]>;
  /** Appends a mark; earlier marks stay. */
  addMark(runId: string, mark: Mark): Promise<void>;
  /** Every mark of a run, oldest first. */
  marks(runId: string): Promise<Mark[]>;
}
