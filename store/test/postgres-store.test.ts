import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { verifyAudit } from '../integrity/verify';
import { startPostgres } from '../../test/helpers/postgres-server';
import { PostgresStore } from '../postgres/index';
import { batch, describeStoreContract, event, sessionInit } from './contract/index';

// One throw-away cluster for the file; each store gets its own schema in one database, dropped by its cleanup.
const server = await startPostgres();
const database = await server.createDatabase('store');
const admin = new pg.Pool({ ...server.config(database), max: 2 });
let schemas = 0;

after(async () => {
  await admin.end();
  await server.stop();
});

describeStoreContract('PostgresStore', async (options) => {
  const schema = `store_${(schemas += 1)}`;
  // No grace: the contract expects a body no session names gone right after the erasure (as on one writer).
  const make = (again = options) => new PostgresStore({ ...again, connection: server.config(database), schema, bodyGraceMs: 0 });
  return {
    store: make(),
    cleanup: async () => { await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); },
    reopen: (again) => make(again),
  };
});

describe('PostgresStore (PostgreSQL specifics)', () => {
  it('keeps event chunks above the inline limit in object storage, and verify names a row moved to another session', async () => {
    const schema = 'specifics';
    const keysDir = await mkdtemp(join(tmpdir(), 'verbatim-pg-keys-'));
    const store = new PostgresStore({ connection: server.config(database), schema, inlineLimit: 64, integrity: { keysDir, sealIntervalMs: 0 } });
    await store.open();
    try {
      await store.createSession(sessionInit('s', 1_000));
      await store.createSession(sessionInit('t', 2_000));
      await store.appendEvents(batch('s', 'p', 0, Array.from({ length: 50 }, (_, i) => event(1_100 + i, 3, { source: 1, x: i }))));
      await store.seal();
      const objects = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.records WHERE kind = 'events' AND object IS NOT NULL AND value IS NULL`);
      assert.equal(objects.rows[0].n, 1);
      assert.equal((await store.readEvents('s'))[0]?.events.length, 50);
      assert.deepEqual((await verifyAudit(store.audit(), { keysDir })).problems, []);

      await admin.query(`UPDATE ${schema}.records SET session_id = 't' WHERE id = 'events/s/p/000000000000000'`);
      const report = await verifyAudit(store.audit(), { keysDir });
      // Seen from the chains too (missing from s, a stranger in t); the index check names the row itself.
      assert.deepEqual([...new Set(report.problems.map((p) => `${p.code} ${p.key}`))].sort(), [
        'INDEX_ALTERED events/s/p/000000000000000', 'RECORD_DELETED events/s/p/000000000000000', 'RECORD_UNCHAINED events/s/p/000000000000000',
      ]);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await rm(keysDir, { recursive: true, force: true });
    }
  });
});
