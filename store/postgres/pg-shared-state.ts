/**
 * Shared state in the PostgreSQL store's schema:
 *
 *   documents  (name, version, value): a change is one UPDATE … WHERE version = the one read (compare-and-swap), or
 *              an INSERT that a second creator's primary key refuses
 *   logs       (name, seq, entry), primary key (name, seq): an append takes a transaction-scoped advisory lock per
 *              log, reads the last entry and inserts seq + 1, so seqs are dense and unique across every instance
 *              (a sequence would leave gaps on rollback; the key refuses a second entry at a seq as a last line)
 */
import type pg from 'pg';
import { checkLogEntry, checkSharedName, staleVersion, type LogEntry, type SharedDocument, type SharedState } from '../shared-state';
import { inTransaction } from './pg-connection';

const UNIQUE_VIOLATION = '23505';

export const sharedStateSql = (ns: string): string => `
CREATE TABLE IF NOT EXISTS ${ns}.documents (name text COLLATE "C" PRIMARY KEY, version bigint NOT NULL, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${ns}.logs (name text COLLATE "C" NOT NULL, seq bigint NOT NULL, entry text NOT NULL, PRIMARY KEY (name, seq));
`;

export class PgSharedState implements SharedState {
  /** `pool` is asked at each call: the store's pool exists only while it is open. */
  constructor(private readonly pool: () => pg.Pool, private readonly schema: string, private readonly lockSpace: number) {}

  async getDocument(name: string): Promise<SharedDocument | undefined> {
    checkSharedName(name);
    const { rows } = await this.pool().query<{ version: number; value: string }>(`SELECT version, value FROM ${this.schema}.documents WHERE name = $1`, [name]);
    const row = rows[0];
    return row ? { value: JSON.parse(row.value) as unknown, version: String(row.version) } : undefined;
  }

  async putDocument(name: string, value: unknown, expectedVersion: string | undefined): Promise<string> {
    checkSharedName(name);
    const text = JSON.stringify(value);
    if (expectedVersion === undefined) {
      try {
        await this.pool().query(`INSERT INTO ${this.schema}.documents (name, version, value) VALUES ($1, 1, $2)`, [name, text]);
        return '1';
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw staleVersion(name, expectedVersion);
        throw err;
      }
    }
    const { rows } = await this.pool().query<{ version: number }>(
      `UPDATE ${this.schema}.documents SET version = version + 1, value = $3 WHERE name = $1 AND version = $2 RETURNING version`,
      [name, Number(expectedVersion), text]);
    if (!rows[0]) throw staleVersion(name, expectedVersion);
    return String(rows[0].version);
  }

  async appendLog(name: string, build: (seq: number, last: LogEntry | undefined) => string): Promise<LogEntry> {
    checkSharedName(name);
    return inTransaction(this.pool(), async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [this.lockSpace, name]);
      const { rows } = await c.query<{ seq: number; entry: string }>(
        `SELECT seq, entry FROM ${this.schema}.logs WHERE name = $1 ORDER BY seq DESC LIMIT 1`, [name]);
      const last = rows[0];
      const seq = (last?.seq ?? 0) + 1;
      const entry = checkLogEntry(name, build(seq, last));
      await c.query(`INSERT INTO ${this.schema}.logs (name, seq, entry) VALUES ($1, $2, $3)`, [name, seq, entry]);
      return { seq, entry };
    });
  }

  async readLog(name: string, fromSeq: number, limit: number): Promise<LogEntry[]> {
    checkSharedName(name);
    const { rows } = await this.pool().query<{ seq: number; entry: string }>(
      `SELECT seq, entry FROM ${this.schema}.logs WHERE name = $1 AND seq >= $2 ORDER BY seq LIMIT $3`, [name, fromSeq, limit]);
    return rows;
  }
}
