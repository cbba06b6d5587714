/**
 * Which store a `verbatim` command opens: the embedded LevelDB in <data>/store (the default, no flags), or PostgreSQL
 * with `--store postgres://…` (VERBATIM_STORE_URL), several instances sharing it. Bodies then go to the object
 * storage `--blobs` names when this build has a factory for its scheme, else to a table in the same database.
 */
import path from 'node:path';
import type { ObjectStorage } from '../store/base/object-storage';
import type { StoreBase, StoreBaseOptions } from '../store/base/store-base';
import { VerbatimError } from '../store/errors';
import type { VerbatimConfig } from './config';

/** Object storage by URL scheme (`s3:`): each opens what `--blobs` names. The S3 backend registers itself here. */
export const OBJECT_STORAGE_FACTORIES = new Map<string, (url: string) => Promise<ObjectStorage>>([
  // S3-compatible object storage (store/s3/): credentials from the environment only, never the URL.
  ['s3:', async (url) => (await import('../store/s3/index')).openObjectStorage(url)],
]);

export const storeDirOf = (config: VerbatimConfig): string => path.join(config.dataDir, 'store');

/** What reports call the store: its directory, or the database without credentials. */
export function storeLabel(config: VerbatimConfig): string {
  if (!config.storeUrl) return `store ${storeDirOf(config)}`;
  const url = new URL(config.storeUrl);
  return `PostgreSQL store ${url.hostname || 'localhost'}${url.pathname}${url.searchParams.get('schema') ? ` (schema ${url.searchParams.get('schema')})` : ''}`;
}

/** The configured store, not yet opened. */
export async function configuredStore(config: VerbatimConfig, options: StoreBaseOptions): Promise<StoreBase> {
  if (!config.storeUrl) {
    if (config.blobsUrl) throw new VerbatimError('CONFIG_INVALID', '--blobs goes with --store postgres://… (the embedded store keeps bodies itself)');
    if (config.bodyGraceSeconds !== undefined) throw new VerbatimError('CONFIG_INVALID', '--body-grace-seconds goes with --store postgres://… (the embedded store has one writer and deletes bodies at once)');
    const { LevelStore } = await import('../store/level/level-store');
    // Accounts, terminals and the audit trail stay files in the data directory (store/files/file-shared-state.ts).
    return new LevelStore(storeDirOf(config), { ...options, sharedStateDir: config.dataDir });
  }
  const objects = config.blobsUrl ? await openObjectStorage(config.blobsUrl) : undefined;
  const { PostgresStore } = await import('../store/postgres/index');
  return new PostgresStore({
    ...options, connection: config.storeUrl, ...(objects ? { objects, closeObjects: true } : {}),
    ...(config.bodyGraceSeconds !== undefined ? { bodyGraceMs: config.bodyGraceSeconds * 1000 } : {}),
  });
}

export async function openConfiguredStore(config: VerbatimConfig, options: StoreBaseOptions): Promise<StoreBase> {
  const store = await configuredStore(config, options);
  await store.open();
  return store;
}

async function openObjectStorage(raw: string): Promise<ObjectStorage> {
  let scheme: string;
  try {
    scheme = new URL(raw).protocol;
  } catch {
    throw new VerbatimError('CONFIG_INVALID', '--blobs must be a URL such as s3://bucket?endpoint=…');
  }
  const factory = OBJECT_STORAGE_FACTORIES.get(scheme);
  if (!factory) {
    const known = [...OBJECT_STORAGE_FACTORIES.keys()];
    throw new VerbatimError('CONFIG_INVALID', `--blobs ${scheme}//… is not supported by this build (${known.length ? `known: ${known.join(', ')}` : 'no object storage is built in'}); `
      + 'without --blobs the PostgreSQL store keeps bodies in its own database', { scheme });
  }
  return factory(raw);
}
