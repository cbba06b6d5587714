/**
 * Connection settings of the PostgreSQL store: a `postgres://` URL (with `?schema=` naming the schema) or a `pg`
 * pool config (tests: a unix socket). int8 columns come back as numbers: seqs, indexes and moments stay below 2^53.
 */
import pg from 'pg';
import { VerbatimError } from '../errors';
import { DEFAULT_SCHEMA, SCHEMA_NAME } from './schema';

const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

export type PgConnection = string | pg.PoolConfig;

export function poolConfigOf(connection: PgConnection, schemaOption: string | undefined, max: number): { config: pg.PoolConfig; schema: string } {
  let config: pg.PoolConfig;
  let schema = schemaOption;
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new VerbatimError('CONFIG_INVALID', 'the store URL is not a URL', { expected: 'postgres://user@host/database' });
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new VerbatimError('CONFIG_INVALID', 'the store URL must start with postgres://', { protocol: url.protocol });
    }
    schema ??= url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    config = { connectionString: url.toString() };
  } else {
    config = { ...connection };
  }
  schema ??= DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new VerbatimError('CONFIG_INVALID', 'the store schema name must be a plain lower-case identifier', { schema });
  return { config: { ...config, max, types }, schema };
}

/** Runs `fn` in one transaction on one client of the pool; rolls back on any failure. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
    throw err;
  } finally {
    // A client whose rollback failed is in an unknown state: destroyed, not returned to the pool.
    client.release(broken);
  }
}
