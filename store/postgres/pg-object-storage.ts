/**
 * ObjectStorage in a PostgreSQL table (bytea), for installs without an S3-compatible store and for tests. Shares the
 * PostgreSQL store's pool when the store creates it; bodies then live beside the index in the same database (TOAST
 * compresses and chunks them). Writes are durable when the statement returns, like every other row.
 */
import pg from 'pg';
import type { ObjectStorage } from '../base/object-storage';
import { objectsSql } from './schema';
import { poolConfigOf, resilientPool, type PgConnection } from './pg-connection';

/** Rows per INSERT of batched puts. */
const PUT_ROWS = 200;

export interface PgObjectStorageOptions {
  /** A pool to share (then not closed by close()), or what to connect to. */
  pool?: pg.Pool;
  connection?: PgConnection;
  schema?: string;
}

export class PgObjectStorage implements ObjectStorage {
  private readonly pool: pg.Pool;
  private readonly owned: boolean;
  private readonly schema: string;
  private readonly table: string;
  private ready: Promise<void> | undefined;
  /** Puts issued in one tick, written by one INSERT (a commit stores its bodies in one round trip, not one each). */
  private pending: { key: string; value: Buffer; done: { resolve: () => void; reject: (e: unknown) => void } }[] = [];

  constructor(options: PgObjectStorageOptions) {
    const { config, schema } = poolConfigOf(options.connection ?? {}, options.schema, 4);
    this.pool = options.pool ?? resilientPool(config);
    this.owned = options.pool === undefined;
    this.table = `${schema}.objects`;
    this.schema = schema;
  }

  /** Creates the table once (concurrent openers serialise on a transaction-scoped advisory lock). */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT pg_advisory_xact_lock(hashtext('verbatim-store-ddl'))");
        await client.query(objectsSql(this.schema));
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    await this.init();
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return new Promise<void>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ key, value: bytes, done: { resolve, reject } });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    // ON CONFLICT may touch a row once per statement: the last put of a key wins.
    const last = [...new Map(batch.map((p) => [p.key, p.value])).entries()];
    try {
      for (let i = 0; i < last.length; i += PUT_ROWS) {
        const rows = last.slice(i, i + PUT_ROWS);
        // One parameter per value: pg sends a Buffer parameter as binary, where a bytea[] would travel as hex text.
        await this.pool.query(`INSERT INTO ${this.table} (key, value) VALUES ${rows.map((_, j) => `($${2 * j + 1}, $${2 * j + 2})`).join(', ')}
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, rows.flat());
      }
      for (const p of batch) p.done.resolve();
    } catch (err) {
      for (const p of batch) p.done.reject(err);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.init();
    const { rows } = await this.pool.query<{ value: Buffer }>(`SELECT value FROM ${this.table} WHERE key = $1`, [key]);
    return rows[0]?.value;
  }

  async has(keys: string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    await this.init();
    const { rows } = await this.pool.query<{ key: string }>(`SELECT key FROM ${this.table} WHERE key = ANY($1::text[])`, [keys]);
    const found = new Set(rows.map((r) => r.key));
    return keys.map((k) => found.has(k));
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.init();
    await this.pool.query(`DELETE FROM ${this.table} WHERE key = ANY($1::text[])`, [keys]);
  }

  async usage(): Promise<number> {
    await this.init();
    const { rows } = await this.pool.query<{ bytes: number }>('SELECT pg_total_relation_size($1::regclass)::int8 AS bytes', [this.table]);
    return rows[0]?.bytes ?? 0;
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}
