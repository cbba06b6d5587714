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

/**
 * A pool that survives the server going away (a restart, a failover). pg-pool listens for errors on idle clients
 * only: a client checked out but between queries (a transaction awaiting the object store, a session lock held while
 * its turn runs) that the server disconnects emits 'error' with no listener, and that kills the process. Every client
 * gets a listener for its whole life; the query it runs next fails ("not queryable"), and whoever holds it releases
 * it as broken (inTransaction, _exclusive), so the pool opens a fresh connection for the next caller.
 */
export function resilientPool(config: pg.PoolConfig): pg.Pool {
  // A server that accepts nothing (a dead host, a full backlog) must not hold a caller forever: connecting fails in 5 s.
  const pool = new pg.Pool({ connectionTimeoutMillis: 5_000, ...config });
  // An idle client the server dropped: the pool has already removed it; nothing to do.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => { client.on('error', () => undefined); });
  // Reads answer a lost server with a coded 503 (STORE_NOT_OPEN, retried by clients), not a bare 500.
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as { query: unknown }).query = (...args: unknown[]) => query(...args).catch((err: unknown) => { throw unreachable(err); });
  return pool;
}

/** pg error codes and messages that say the server is not there (down, restarting, cut off), not that a query is wrong. */
const NETWORK_CODES = /^(ECONNREFUSED|ENOENT|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND)$/;
const CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)/i;

/** Whether `err` means the PostgreSQL server cannot be reached now (SQLSTATE class 08, 57P01–57P03, a socket error). */
export function isConnectionError(err: unknown): boolean {
  for (let e = err as { cause?: unknown; code?: unknown; message?: unknown } | undefined; e && typeof e === 'object'; e = e.cause as typeof e) {
    if (e instanceof VerbatimError && e.code === 'STORE_NOT_OPEN' && (e.context as { unreachable?: boolean }).unreachable) return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.test(code) || /^08/.test(code) || /^57P0[123]$/.test(code)) return true;
    if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** A connection failure as STORE_NOT_OPEN (503) naming the cause's code; any other error unchanged. */
export function unreachable(err: unknown): unknown {
  if (err instanceof VerbatimError || !isConnectionError(err)) return err;
  const code = (err as { code?: unknown }).code;
  return new VerbatimError('STORE_NOT_OPEN', 'the PostgreSQL server cannot be reached', { unreachable: true, ...(typeof code === 'string' ? { cause: code } : {}) }, { cause: err });
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
