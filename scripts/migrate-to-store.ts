/**
 * `verbatim migrate --from <data dir> --to postgres://… [--blobs …] [--keys DIR]`: copies the embedded LevelDB store
 * of a stopped Verbatim into a new, empty PostgreSQL store at the backend level (store/copy/copy-store.ts), so the
 * old checkpoints prove the copy. Re-running after an interruption continues where it stopped. The keys are not
 * copied: they stay in the key directory, which every instance of the new store must be given with --keys.
 */
import path from 'node:path';
import { VerbatimError } from '../store/errors';
import { LevelStore } from '../store/level/level-store';
import { copyStore, type CopyOptions, type CopyResult } from '../store/copy/copy-store';
import type { VerbatimConfig } from './config';
import { startProgress } from './progress';
import { configuredStore, storeLabel } from './store-open';
import { copySharedState, type SharedStateCopy } from './migrate-shared-state';

export interface MigrateToStoreResult extends CopyResult {
  keysDir: string;
  shared: SharedStateCopy;
  seconds: number;
}

/** The copy itself (the command below prints it); `options` lets a test stop it after some pages. */
export async function migrateToStore(config: VerbatimConfig, options: CopyOptions = {}): Promise<MigrateToStoreResult> {
  if (!config.migrateTo) throw new VerbatimError('CONFIG_INVALID', 'migrate --to needs a postgres:// URL');
  const fromDir = config.migrateFrom ?? config.dataDir;
  const keysDir = config.keysDir ?? path.join(fromDir, 'keys');
  const started = performance.now();
  // Read-only: nothing in the source changes, and it opens only while no Verbatim holds it (LevelDB's lock).
  const source = new LevelStore(path.join(fromDir, 'store'), { readOnly: true, deflateOnWorker: false });
  await source.open();
  try {
    // No integrity options: the target must not seal (a checkpoint of its own would not be the source's).
    const target = await configuredStore({ ...config, storeUrl: config.migrateTo }, { deflateOnWorker: false });
    await target.open();
    try {
      const result = await copyStore(source.backendPort(), target.backendPort(), options);
      // Accounts, terminals, proxy clients and the audit trail: files of the data dir, shared state of the target.
      const shared = await copySharedState(fromDir, target.sharedState());
      return { ...result, keysDir, shared, seconds: (performance.now() - started) / 1000 };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

export async function migrateToStoreCommand(config: VerbatimConfig): Promise<void> {
  const progress = startProgress('migrate', { enabled: config.progress });
  const r = await migrateToStore(config, { onPage: (phase, done) => progress.update(done, 0, phase) }).finally(() => progress.end());
  const t = r.totals;
  const label = storeLabel({ ...config, storeUrl: config.migrateTo });
  process.stdout.write(`${r.resumed ? 'Continued and finished' : 'Finished'} the copy into the ${label} in ${r.seconds.toFixed(1)} s: `
    + `${t.records} records, ${t.blobs} bodies, ${t.links} chain links over ${t.heads} chains, ${t.feed} change-feed entries, `
    + `${t.checkpoints} checkpoints, ${t.meta} settings and holds; `
    + `${r.shared.documents.length ? r.shared.documents.join(', ') : 'no accounts, terminals or proxy clients'} and ${r.shared.logEntries} audit entries`
    + `${r.shared.kept.length ? ` (the target's own ${r.shared.kept.join(', ')} kept, not overwritten)` : ''}.\n`
    + `Keys were not copied: start every instance of the new store with --keys ${r.keysDir} (the same directory, copied `
    + 'with its 0600 files to each host), then run `verbatim verify --store … --keys …`.\n');
}
