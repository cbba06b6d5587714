/**
 * Search's public door: opens the index in <data>/search with its key from <data>/keys, and the follower that keeps
 * it up with the store. The CLI wires it (scripts/cli.ts); the viewer takes the opened index (search-routes.ts).
 */
import path from 'node:path';
import type { VerbatimStore } from '../../store/store';
import type { ExtractorFactory } from './extractor-port';
import { SearchFollower, type FollowerOptions } from './follower';
import { loadOrCreateIndexKey, type IndexKey } from './index-key';
import { createSessionExtractor } from './extract/index';
import type { SearchIndex } from './search-index';
import { SqliteSearchIndex } from './sqlite/sqlite-index';

export type { SearchIndex, SessionFacts, IndexBatch, SearchOptions } from './search-index';
export { SearchFollower } from './follower';
export { reindex, lastSeq } from './reindex';
export { SearchRoutes } from './search-routes';

export const SEARCH_DIR = 'search';

export interface OpenedSearch {
  index: SearchIndex;
  /** The index key (audit entries hash query values with it). */
  key: IndexKey;
  follower: SearchFollower;
  close(): Promise<void>;
}

export interface OpenSearchOptions {
  dataDir: string;
  keysDir: string;
  store: VerbatimStore;
  createExtractor?: ExtractorFactory;
  log?: FollowerOptions['log'];
  gatherMs?: number;
  onProfile?: FollowerOptions['onProfile'];
  /** Extraction and index writes on the search worker thread (`verbatim start`), falling back in-process. */
  worker?: boolean;
}

export async function openSearch(o: OpenSearchOptions): Promise<OpenedSearch> {
  const key = await loadOrCreateIndexKey(o.keysDir);
  const index = new SqliteSearchIndex(path.join(o.dataDir, SEARCH_DIR), key);
  await index.open();
  const follower = new SearchFollower({ store: o.store, index, createExtractor: o.createExtractor ?? createSessionExtractor, log: o.log, gatherMs: o.gatherMs, onProfile: o.onProfile });
  return {
    index, key, follower,
    async close() {
      await follower.stop();
      await index.close();
    },
  };
}
