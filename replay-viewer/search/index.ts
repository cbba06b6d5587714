/**
 * Search's public door: opens the index (SQLite in <data>/search, or PostgreSQL at --search) with its key from
 * <data>/keys, and the follower that keeps it up with the store. The CLI wires it (scripts/cli.ts); the viewer takes
 * the opened index (search-routes.ts).
 */
import path from 'node:path';
import type { VerbatimStore } from '../../store/store';
import type { ExtractorFactory } from './extractor-port';
import { BusyPacer, type PacerOptions } from './busy-pacer';
import { SearchFollower, type FollowerOptions } from './follower';
import { loadOrCreateIndexKey, type IndexKey } from './index-key';
import { createIndexExtractor } from './struggle-hits';
import type { SearchIndex } from './search-index';
import { newSearchIndex } from './open-index';
import { PageApplier } from './page-applier';
import { WorkerPageApplier } from './worker-applier';
import { TrustJob, type TrustJobOptions } from './derived/trust-job';
import { DwellJob, type DwellJobOptions } from './derived/dwell-job';
import { startIndexWriters, type IndexWriters } from './index-writers';
import type { Leadership } from '../../store/leadership';

export type { SearchIndex, SessionFacts, IndexBatch, SearchOptions } from './search-index';
export { SearchFollower } from './follower';
export { reindex, lastSeq } from './reindex';
export { SearchRoutes } from './search-routes';
export { TrustJob, TRUST_JOB_VERSION, type TrustJobOptions } from './derived/trust-job';
export { DwellJob, type DwellJobOptions } from './derived/dwell-job';
export { SEARCH_INDEX_JOB, type IndexWriters } from './index-writers';

export const SEARCH_DIR = 'search';

export { DEFAULT_PACING } from './busy-pacer';

export interface OpenedSearch {
  index: SearchIndex;
  /** The index key (audit entries hash query values with it). */
  key: IndexKey;
  follower: SearchFollower;
  /** The worker's applier when `worker` was asked for (its `thread` is undefined once it fell back in-process). */
  worker?: WorkerPageApplier;
  /** `fidelity:` and every `foreign:` reason, per session once it has gone quiet (derived/trust-job.ts); start() to run. */
  trust: TrustJob;
  /** `struggle:dwell-long` and `struggle:dwell-short`, from page_views every few minutes (derived/dwell-job.ts); start() to run. */
  dwell: DwellJob;
  /**
   * Starts the follower, the trust job and the dwell job: at once, or while this instance leads the index's writing
   * when several instances share the index (index-writers.ts). close() stops them.
   */
  startWriting(leadership?: Leadership, o?: { checkMs?: number }): IndexWriters;
  close(): Promise<void>;
}

export interface OpenSearchOptions {
  dataDir: string;
  keysDir: string;
  /** `postgres://…`: the index in PostgreSQL (postgres/); absent: SQLite in <data>/search (sqlite/). */
  searchUrl?: string;
  store: VerbatimStore;
  createExtractor?: ExtractorFactory;
  log?: FollowerOptions['log'];
  gatherMs?: number;
  onProfile?: FollowerOptions['onProfile'];
  /** Extraction and index writes on the search worker thread (`verbatim start`), falling back in-process. */
  worker?: boolean;
  /** Live following waits while the proxy's thread is busy (`verbatim start`; busy-pacer.ts). */
  pacing?: PacerOptions;
  /** The trust job's settings (quiet time, time box). */
  trust?: TrustJobOptions;
  /** The dwell job's settings (how often, how far back, caps). */
  dwell?: DwellJobOptions;
}

export async function openSearch(o: OpenSearchOptions): Promise<OpenedSearch> {
  const key = await loadOrCreateIndexKey(o.keysDir);
  const indexDir = path.join(o.dataDir, SEARCH_DIR);
  const index = newSearchIndex({ searchUrl: o.searchUrl, indexDir }, key);
  await index.open();
  const log = o.log ?? ((m: string) => process.stderr.write(`[verbatim] ${m}\n`));
  const createExtractor = o.createExtractor ?? createIndexExtractor;
  // The main thread keeps its own connection for searches (SQLite's WAL: they read while the worker writes; a
  // PostgreSQL pool of its own) and for the in-process fallback.
  const worker = o.worker
    ? new WorkerPageApplier({
      data: { indexDir, searchUrl: o.searchUrl, keysDir: o.keysDir }, log,
      fallback: () => new PageApplier({ index, createExtractor, log }),
    })
    : undefined;
  const pacer = o.pacing ? new BusyPacer(o.pacing) : undefined;
  // Other instances' writes are not announced here (the store tells of this instance's own): read the feed each second.
  const pollMs = o.store.supports.multiWriter ? 1_000 : undefined;
  const follower = new SearchFollower({ store: o.store, index, createExtractor, applier: worker, log, gatherMs: o.gatherMs, onProfile: o.onProfile, pacer, pollMs });
  const trust = new TrustJob({ store: o.store, index, log }, o.trust);
  const dwell = new DwellJob({ index, log }, o.dwell);
  let writers: IndexWriters | undefined;
  return {
    index, key, follower, worker, trust, dwell,
    startWriting(leadership, w) {
      writers = startIndexWriters([follower, trust, dwell], leadership, { ...w, log });
      return writers;
    },
    async close() {
      await writers?.stop();
      await dwell.stop();
      await trust.stop();
      await follower.stop();
      await worker?.close();
      await index.close();
    },
  };
}
