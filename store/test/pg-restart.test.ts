/**
 * A PostgreSQL restart under a PostgresStore: a client checked out between queries when the server cuts it off must
 * not crash the process (pg-pool listens on idle clients only), reads meanwhile answer a coded 503, and writes land
 * again once the server is back, without reopening anything.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { isVerbatimError } from '../errors';
import { isConnectionError, resilientPool } from '../postgres/pg-connection';
import { PostgresStore } from '../postgres/postgres-store';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server';

let server: PostgresServer;
before(async () => { server = await startPostgres(); });
after(async () => { await server?.stop(); });

it('survives a restart: no crash from a checked-out client, reads 503 while down, writes land after', async () => {
  const db = await server.createDatabase('restart');
  const store = new PostgresStore({ connection: server.config(db), deflateOnWorker: false, recoveryIntervalMs: 50 });
  await store.open();
  const pool = resilientPool({ ...server.config(db), max: 2 });
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => { uncaught.push(err); };
  process.on('uncaughtException', onUncaught);
  try {
    await store.createSession({ id: 'before', channel: 'proxy', startedAt: Date.now() });
    // Held between queries, as a transaction waiting for the object store or a session lock holder is.
    const held = await pool.connect();
    await server.halt();
    await new Promise((r) => setTimeout(r, 100));
    const down = await pool.query('SELECT 1').then(() => undefined, (err: unknown) => err);
    assert.ok(isVerbatimError(down, 'STORE_NOT_OPEN') && isConnectionError(down), `a lost server is coded: ${String(down)}`);
    await assert.rejects(held.query('SELECT 1'));
    held.release(true);
    await server.resume();
    const back = Date.now();
    for (;;) {
      try {
        await store.createSession({ id: `after-${Date.now()}`, channel: 'proxy', startedAt: Date.now() });
        break;
      } catch (err) {
        assert.ok(Date.now() - back < 10_000, `writes did not land within 10 s: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1);
    assert.ok(await store.getSession('before'));
    assert.deepEqual(uncaught, [], 'nothing crashed the process');
  } finally {
    process.off('uncaughtException', onUncaught);
    await pool.end();
    await store.close();
  }
});
