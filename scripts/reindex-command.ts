/**
 * `verbatim reindex`: rebuilds the search index (<data>/search/index.sqlite) from the store with progress on stderr.
 * Needs the store to itself (stop Verbatim first: LevelDB takes one process). Killed, it carries on where it stopped
 * when run again (replay-viewer/search/reindex.ts).
 */
import { openSearch, reindex } from '../replay-viewer/search/index';
import type { VerbatimConfig } from './config';
import { secureDataDir } from './data-dir';
import { integrityOf, keysDirOf } from './integrity-commands';
import { startProgress } from './progress';
import { openConfiguredStore } from './store-open';

export async function reindexCommand(config: VerbatimConfig): Promise<void> {
  await secureDataDir(config.dataDir);
  const store = await openConfiguredStore(config, { integrity: { ...integrityOf(config), sealIntervalMs: 0 } });
  const search = await openSearch({ dataDir: config.dataDir, keysDir: keysDirOf(config), searchUrl: config.searchUrl, store });
  const progress = startProgress('reindex', { enabled: config.progress });
  try {
    const r = await reindex(store, search.index, search.follower, (done, total) => progress.update(done, total, 'changes'));
    progress.end();
    process.stdout.write(`${r.resumed ? `Resumed at change ${r.from}; ` : ''}search index rebuilt up to change ${r.cursor}: ${r.sessions} sessions, ${r.hits} moments.\n`);
  } finally {
    progress.end();
    await search.close();
    await store.close();
  }
}
