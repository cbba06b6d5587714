import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import type { StoreBase, StoreBaseOptions } from '../../base/store-base';
import type { StoreFactory } from './fixtures';

export interface Harness {
  store: StoreBase;
  keysDir: string;
  options: StoreBaseOptions;
  /** A new instance over the same data (undefined for backends without durability). */
  reopen?: (options?: StoreBaseOptions) => StoreBase;
}

/**
 * Opens a fresh store before each test of the calling `describe`, with signed checkpoints and a keyring in a
 * temporary keys dir (so every capability the backend has is on), and closes and removes it after.
 */
export function useStore(makeStore: StoreFactory, extra: StoreBaseOptions = {}): Harness {
  const h = {} as Harness;
  let cleanup: (() => Promise<void>) | undefined;
  let keysRoot: string | undefined;
  beforeEach(async () => {
    keysRoot = await mkdtemp(join(tmpdir(), 'verbatim-contract-keys-'));
    h.keysDir = join(keysRoot, 'keys');
    h.options = { ...extra, integrity: { keysDir: h.keysDir, keyringDir: join(h.keysDir, 'keyring'), sealIntervalMs: 0 } };
    const made = await makeStore(h.options);
    h.store = made.store;
    cleanup = made.cleanup;
    h.reopen = made.reopen;
    await h.store.open();
  });
  afterEach(async () => {
    await h.store.close();
    await cleanup?.();
    if (keysRoot) await rm(keysRoot, { recursive: true, force: true });
  });
  return h;
}
