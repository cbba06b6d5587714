/** The SQLite FTS5 backend against the SearchIndex contract. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateIndexKey } from '../../index-key';
import { SqliteSearchIndex } from '../../sqlite/sqlite-index';
import { runSearchIndexContract } from './search-index-contract';

let dir: string;
runSearchIndexContract('sqlite', {
  async open() {
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-search-contract-'));
    const index = new SqliteSearchIndex(path.join(dir, 'search'), await loadOrCreateIndexKey(path.join(dir, 'keys')));
    await index.open();
    return index;
  },
  cleanup: () => rm(dir, { recursive: true, force: true }),
});
