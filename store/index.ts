/** The store's public door: record types, errors, the interface, the change feed and the backends. */
import { LevelStore, type LevelStoreOptions } from './level/level-store';

export type * from './records';
export type * from './change-feed';
export type { StoreCapabilities } from './capabilities';
export { ERROR_CODES, VerbatimError, isVerbatimError } from './errors';
export type { ErrorCode } from './errors';
export type { VerbatimStore, BlobOptions, SealSummary, StoreHealth, Progress } from './store';
export { soleLeadership, type Leadership } from './leadership';
export { updateDocument, type SharedState, type SharedDocument, type LogEntry } from './shared-state';
export { FileSharedState } from './files/file-shared-state';
export { startLeaderJob, type LeaderJob, type LeaderJobOptions } from './leader-job';
export { StoreBase } from './base/store-base';
export type { StoreBaseOptions, IntegrityOptions } from './base/store-base';
export { LevelStore } from './level/level-store';
export type { LevelStoreOptions } from './level/level-store';
export { MemoryStore } from './memory/memory-store';

/** Opens the default (LevelDB) store on `dir`, creating it if missing. */
export async function openStore(dir: string, options?: LevelStoreOptions): Promise<LevelStore> {
  const store = new LevelStore(dir, options);
  await store.open();
  return store;
}
