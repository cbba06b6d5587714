import { after } from 'node:test';
import pg from 'pg';
import { startPostgres } from '../../test/helpers/postgres-server';
import { PostgresStore } from '../postgres/index';
import { describeStoreContract } from './contract/index';

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
  const make = (again = options) => new PostgresStore({ ...again, connection: server.config(database), schema });
  return {
    store: make(),
    cleanup: async () => { await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`); },
    reopen: (again) => make(again),
  };
});
