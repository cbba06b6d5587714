/** The store's public door: record types, errors, the interface and the LevelDB backend. */
import { LevelStore } from './level-store';
import type { LevelStoreOptions } from './level-store';
import type { VerbatimStore } from './store';

export type * from './records';
export { ERROR_CODES, VerbatimError, isVerbatimError } from './errors';
export type { ErrorCode } from './errors';
export type { VerbatimStore } from './store';
export { LevelStore } from './level-store';
export type { LevelStoreOptions } from './level-store';

/** Opens the default (LevelDB) store on `dir`, creating it if missing. */
export async function openStore(dir: string, options?: LevelStoreOptions): Promise<LevelStore> {
  const store = new LevelStore(dir, options);
  await store.open();
  return store;
}
