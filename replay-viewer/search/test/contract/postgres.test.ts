/** The PostgreSQL backend against the SearchIndex contract, on a throw-away PostgreSQL cluster. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import { loadOrCreateIndexKey } from '../../index-key';
import { PostgresSearchIndex } from '../../postgres/postgres-index';
import { runSearchIndexContract } from './search-index-contract';

let server: PostgresServer | undefined;
let dir: string;
after(async () => server?.stop());

runSearchIndexContract('postgres', {
  async open() {
    server = await startPostgres();
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-search-contract-pg-'));
    const index = new PostgresSearchIndex({ connection: server.config(await server.createDatabase('contract')) }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
    await index.open();
    return index;
  },
  cleanup: () => rm(dir, { recursive: true, force: true }),
});
