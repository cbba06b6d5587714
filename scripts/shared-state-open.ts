/**
 * Where a `verbatim` command keeps viewer accounts, kiosk terminals, proxy clients and the audit trail: the store's
 * shared state (store/shared-state.ts). With `--store postgres://…` that is tables every instance shares; with the
 * embedded store it is files in the data directory, read and written without opening the LevelDB, which a running
 * `verbatim start` holds locked (so `verbatim users add` works beside it, as it always did).
 */
import { FileSharedState } from '../store/files/file-shared-state';
import type { SharedState } from '../store/shared-state';
import type { StoreBase } from '../store/base/store-base';
import type { VerbatimConfig } from './config';
import { configuredStore } from './store-open';

export interface OpenSharedState {
  state: SharedState;
  /**
   * How long an instance may serve a cached read before asking again: 0 for files (a stat each request); a database
   * query is saved for 2 s, so another instance's change (a user removed, a terminal revoked) holds within 2 s.
   */
  refreshMs: number;
  close(): Promise<void>;
}

export const DATABASE_REFRESH_MS = 2_000;

/** The shared state of a store `verbatim start` opened (the embedded store's: its data directory's files). */
export function sharedStateOf(config: VerbatimConfig, store: StoreBase): OpenSharedState {
  const state = store.supports.sharedState ? store.sharedState() : new FileSharedState(config.dataDir);
  return { state, refreshMs: config.storeUrl ? DATABASE_REFRESH_MS : 0, close: () => Promise.resolve() };
}

/** For the CLI's own commands (`users`, `terminals`, `proxy-clients`): opens the database when there is one. */
export async function openSharedState(config: VerbatimConfig): Promise<OpenSharedState> {
  if (!config.storeUrl) return { state: new FileSharedState(config.dataDir), refreshMs: 0, close: () => Promise.resolve() };
  // No integrity options: this store instance only reads and writes shared state, never records or checkpoints.
  const store = await configuredStore(config, {});
  await store.open();
  return { state: store.sharedState(), refreshMs: DATABASE_REFRESH_MS, close: () => store.close() };
}
