/** Opening the PostgreSQL index: concurrent first opens, schema versions, refusals with their codes. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import { loadOrCreateIndexKey, type IndexKey } from '../../index-key';
import { PostgresSearchIndex } from '../../postgres/postgres-index';

describe('PostgreSQL search index: opening', () => {
  let server: PostgresServer;
  let dir: string;
  let key: IndexKey;
  before(async () => {
    server = await startPostgres();
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-pg-open-'));
    key = await loadOrCreateIndexKey(path.join(dir, 'keys'));
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates its schema once when two open a fresh database at the same time', async () => {
    const db = await server.createDatabase('race');
    const a = new PostgresSearchIndex({ connection: server.config(db) }, key);
    const b = new PostgresSearchIndex({ connection: server.url(db) }, key);
    await Promise.all([a.open(), b.open()]);
    await a.apply({ cursor: 3, sessions: [], hits: [] });
    assert.equal(await b.cursor(), 3);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses an index of another schema version, an unreachable server, a bad schema name and missing rights', async () => {
    const db = await server.createDatabase('refusals');
    const index = new PostgresSearchIndex({ connection: server.config(db), schema: 'idx_v' }, key);
    await index.open();
    await index.close();
    const admin = new pg.Client(server.config(db));
    await admin.connect();
    try {
      await admin.query("UPDATE idx_v.meta SET value = '99' WHERE key = 'schema'");
      await assert.rejects(new PostgresSearchIndex({ connection: server.config(db), schema: 'idx_v' }, key).open(),
        (err: Error & { code?: string }) => err.code === 'STORE_CORRUPT' && /reindex/.test(err.message));

      await assert.rejects(new PostgresSearchIndex({ connection: { ...server.config(db), host: path.join(dir, 'no-such-socket') } }, key).open(),
        (err: Error & { code?: string }) => err.code === 'STORE_NOT_OPEN');
      assert.throws(() => new PostgresSearchIndex({ connection: `${server.url(db)}&schema=Robert%27);DROP` }, key),
        (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID');

      await admin.query('CREATE ROLE reader LOGIN');
      await admin.query(`REVOKE CREATE ON DATABASE ${db} FROM PUBLIC`);
      await assert.rejects(new PostgresSearchIndex({ connection: { ...server.config(db), user: 'reader' }, schema: 'idx_new' }, key).open(),
        (err: Error & { code?: string; context?: Record<string, unknown> }) => err.code === 'STORE_NOT_OPEN' && err.context?.sqlstate === '42501');
    } finally {
      await admin.end();
    }
  });
});
