/**
 * The store contract on the scale-out pair: the PostgreSQL store (records, chains, feed) with its bodies and large
 * values in S3 (a throw-away Ceph RGW). Each store gets its own schema and its own prefix in one bucket.
 *
 * The PostgreSQL store lives on another branch until the two are merged: its module is loaded by path, so this file
 * compiles without it and skips saying so (the shape used here is PostgresStoreOptions' `connection`, `schema`,
 * `objects`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ObjectStorage } from '../base/object-storage';
import type { StoreBase, StoreBaseOptions } from '../base/store-base';
import { S3ObjectStorage } from '../s3/s3-object-storage';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server';
import { rgwForFile, rgwSkipReason } from '../../test/helpers/rgw-server';
import { describeBodyDeletionAcrossWriters } from './body-deletion-cases';
import { describeStoreContract } from './contract/index';

type PostgresStoreClass = new (options: StoreBaseOptions & { connection: pg.PoolConfig; schema: string; objects: ObjectStorage; bodyGraceMs?: number }) => StoreBase;

const POSTGRES_MODULE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../postgres/index.ts');
const skip = !existsSync(POSTGRES_MODULE) ? 'the PostgreSQL store (store/postgres, branch wip/pgstore) is not here yet' : rgwSkipReason();

const rgw = rgwForFile(skip);
let server: PostgresServer | undefined;
let database = '';
let admin: pg.Pool | undefined;
let PostgresStore: PostgresStoreClass;
let stores = 0;

before(async () => {
  if (skip) return;
  ({ PostgresStore } = await import(POSTGRES_MODULE) as { PostgresStore: PostgresStoreClass });
  server = await startPostgres();
  database = await server.createDatabase('store_s3');
  admin = new pg.Pool({ ...server.config(database), max: 2 });
});

after(async () => {
  await admin?.end();
  await server?.stop();
});

/** What went through S3 over the whole suite: it must have carried bodies, or this file tested PostgreSQL alone. */
const calls = { put: 0, get: 0, delete: 0 };
function countingStorage(inner: ObjectStorage): ObjectStorage {
  return {
    put: (key, value) => { calls.put++; return inner.put(key, value); },
    get: (key) => { calls.get++; return inner.get(key); },
    has: (keys) => inner.has(keys),
    delete: (keys) => { calls.delete++; return inner.delete(keys); },
    usage: () => inner.usage(),
    close: () => inner.close(),
  };
}

describe('PostgresStore with S3 object storage', { skip }, () => {
  after(() => {
    assert.ok(calls.put >= 10 && calls.get >= 5 && calls.delete >= 1, `S3 carried the values: ${JSON.stringify(calls)}`);
  });

  describeStoreContract('PostgresStore + S3', async (options) => {
    const n = (stores += 1);
    const schema = `store_s3_${n}`;
    const { endpoint, accessKey, secretKey } = rgw.server;
    const objects = await S3ObjectStorage.open({
      bucket: 'verbatim-contract', prefix: `store-${n}`, endpoint, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    });
    const counted = countingStorage(objects);
    // No grace: the contract expects a body no session names gone right after the erasure (as on one writer).
    const make = (again = options) => new PostgresStore({ ...again, connection: server!.config(database), schema, objects: counted, bodyGraceMs: 0 });
    return {
      store: make(),
      cleanup: async () => {
        await objects.close();
        await admin!.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
      reopen: (again) => make(again),
    };
  }, { skipSharedState: true });
});

describeBodyDeletionAcrossWriters(() => ({ connection: server!.config(database), rgw: rgw.server }), skip);
