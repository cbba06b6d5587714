/**
 * The search index in PostgreSQL (issue #13 point 6): the same contract as the embedded SQLite index
 * (../search-index.ts, test/contract/), for deployments that want the index in a database server, off the host.
 * One pool; the follower writes, the API reads. Every applied batch and its feed cursor commit in one transaction.
 * What the database holds of hit text is what SQLite holds: keyed hashes (the tsvector) and sealed snippets.
 * Erasure deletes the rows, then VACUUMs the tables in the background so no index or page still points at them
 * (docs/ARCHITECTURE.md says what VACUUM does not do, and why the remaining bytes are still only hashes and ciphertext).
 */
import pg from 'pg';
import { VerbatimError } from '../../../store/errors';
import type { QueryNode } from '../query/ast';
import type { IndexKey } from '../index-key';
import { NEWEST_FIRST, afterSql, decodeOrderCursor, encodeOrderCursor, orderBy, sortValue } from '../list-order';
import { startedRange } from '../started-range';
import { ftsRow, locationOf } from '../hit-tokens';
import { sealedTextIn } from '../sealed-hit-text';
import { snippetWords } from '../query-terms';
import { hitSnippet, searchResult, type HitRow, type SessionRow } from '../stored-rows';
import { MAX_SEARCH_LIMIT, TOTAL_CAP, fidelityOf, scoreOf, type AnalyticsDb, type IndexBatch, type Match, type MatchOptions, type SearchIndex, type SearchOptions, type SessionFacts } from '../search-index';
import type { FacetCount, Hit, SearchResponse } from '../types';
import { PgQueryCompiler } from './compile-query';
import { frag, sql, toQuery, type Frag } from './pg-sql';
import { DEFAULT_SCHEMA, SCHEMA_NAME, SCHEMA_VERSION, schemaSql } from './schema';
import { tsvectorOf } from './tsvector';
import { analyticsSchemaSql, analyticsTableNames, eraseAnalyticsPg, insertAnalyticsPg } from '../../analytics/index/postgres-tables';

const MAX_SEALED_TEXT = 2_000;
const MAX_MATCHES = 1_000;
const FACET_VALUES = 50;
/** Hits per INSERT statement (arrays unnested server-side: one round trip per chunk, not per hit). */
const INSERT_CHUNK = 500;
/** A session's error hits. */
const ERROR_COUNT = "(SELECT COUNT(*) FROM hits h WHERE h.sid = sessions.sid AND h.kind = 'error')";
const SESSION_FACETS: Record<string, string> = {
  channel: 'channel', terminal: 'terminal', device: 'device', browser: 'browser', os: 'os', country: 'country',
};
/** int8 as a JS number: sids, hit ids, moments and counts all stay far below 2^53. */
const INT8_OID = 20;
const types = { getTypeParser: ((oid: number, format?: string) => oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'] };

/**
 * PostgreSQL's text cannot hold U+0000, which recorded data may carry (a page id, a user agent, a query's value): one
 * such value would fail its whole batch, or a search. It becomes U+FFFD in every value sent, in one place: the pool's
 * client class.
 */
const noNul = (v: unknown): unknown => typeof v === 'string' ? v.replace(/\u0000/g, '\uFFFD') : Array.isArray(v) ? v.map(noNul) : v;
class NulSafeClient extends pg.Client {
  override query(...args: any[]): any {
    const [config, values] = args;
    if (Array.isArray(values)) args[1] = values.map(noNul);
    else if (config && typeof config === 'object' && Array.isArray(config.values)) args[0] = { ...config, values: config.values.map(noNul) };
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}

export interface PostgresIndexOptions {
  /** A `postgres://` URL, or a `pg` client config (tests: a unix socket). `?schema=` in the URL names the schema. */
  connection: string | pg.PoolConfig;
  schema?: string;
  /** Pool size (default 4: one writer, the rest for searches). */
  max?: number;
}

export class PostgresSearchIndex implements SearchIndex {
  private pool: pg.Pool | undefined;
  private vacuuming: Promise<void> | undefined;
  private vacuumAgain = false;
  readonly schema: string;
  private readonly config: pg.PoolConfig;

  constructor(options: PostgresIndexOptions, private readonly key: IndexKey) {
    let config: pg.PoolConfig;
    let schema = options.schema;
    if (typeof options.connection === 'string') {
      const url = new URL(options.connection);
      schema ??= url.searchParams.get('schema') ?? undefined;
      url.searchParams.delete('schema');
      config = { connectionString: url.toString() };
    } else {
      config = { ...options.connection };
    }
    this.schema = schema ?? DEFAULT_SCHEMA;
    if (!SCHEMA_NAME.test(this.schema)) throw new VerbatimError('CONFIG_INVALID', 'the search schema name must be a plain lower-case identifier', { schema: this.schema });
    // Unqualified names resolve to our schema first; public after it for pg_trgm's operator class.
    this.config = { ...config, max: options.max ?? 4, types, options: `-c search_path=${this.schema},public`, Client: NulSafeClient };
  }

  async open(): Promise<void> {
    const pool = new pg.Pool(this.config);
    // An idle client's error (server restart) must not crash the process: the next query reports it.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect().catch((err: unknown) => {
        throw new VerbatimError('STORE_NOT_OPEN', `cannot connect to the PostgreSQL search index: ${(err as Error).message}`, {}, { cause: err });
      });
      try {
        await client.query('BEGIN');
        // Two viewers opening one fresh database at once would race on CREATE ... IF NOT EXISTS: one at a time.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`verbatim-search:${this.schema}`]);
        await client.query(schemaSql(this.schema) + analyticsSchemaSql(this.schema)).catch((err: unknown) => {
          // Most often rights: the role needs CREATE on the database (schema, pg_trgm, which is a trusted extension).
          throw new VerbatimError('STORE_NOT_OPEN', `cannot create the search index's tables in PostgreSQL: ${(err as Error).message}`,
            { schema: this.schema, sqlstate: (err as { code?: string }).code }, { cause: err });
        });
        const found = await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'schema'");
        const version = found.rows[0]?.value;
        if (version === undefined) await client.query("INSERT INTO meta (key, value) VALUES ('schema', $1)", [String(SCHEMA_VERSION)]);
        // An index made before the error count: fill the new column from the hits, once.
        if (!(await client.query("SELECT 1 FROM meta WHERE key = 'errors'")).rowCount) {
          await client.query(`UPDATE sessions SET errors = ${ERROR_COUNT} WHERE EXISTS (SELECT 1 FROM hits h WHERE h.sid = sessions.sid AND h.kind = 'error')`);
          await client.query("INSERT INTO meta (key, value) VALUES ('errors', '1')");
        }
        else if (version !== String(SCHEMA_VERSION)) {
          throw new VerbatimError('STORE_CORRUPT', 'the search index has another schema version: run verbatim reindex', { version });
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end();
      throw err;
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    await this.vacuumed();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private get conn(): pg.Pool {
    if (!this.pool) throw new VerbatimError('STORE_NOT_OPEN', 'the search index is not open');
    return this.pool;
  }

  async cursor(): Promise<number> {
    return Number((await this.getMeta('cursor')) ?? 0);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.conn.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
  }

  async setMeta(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) await this.conn.query('DELETE FROM meta WHERE key = $1', [key]);
    else await this.conn.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async counts(): Promise<{ sessions: number; hits: number }> {
    const r = await this.conn.query<{ sessions: number; hits: number }>('SELECT (SELECT COUNT(*) FROM sessions) AS sessions, (SELECT COUNT(*) FROM hits) AS hits');
    return { sessions: r.rows[0]!.sessions, hits: r.rows[0]!.hits };
  }

  /** Planner statistics now rather than when autovacuum comes by (after a reindex, a bench's bulk load). */
  async analyze(): Promise<void> {
    await this.conn.query(`ANALYZE ${['hits', 'sessions', ...analyticsTableNames()].join(', ')}`);
  }

  analyticsDb(): AnalyticsDb {
    return { kind: 'postgres', pool: this.conn };
  }

  async reset(): Promise<void> {
    await this.transaction(async (c) => {
      await c.query(`TRUNCATE ${['hits', 'sessions', ...analyticsTableNames()].join(', ')}; DELETE FROM meta WHERE key <> 'schema'`);
    });
  }

  async apply(batch: IndexBatch): Promise<void> {
    let erased = false;
    await this.transaction(async (c) => {
      for (const id of batch.erased ?? []) erased = (await this.eraseRows(c, id)) || erased;
      for (const f of batch.sessions) await c.query(UPSERT_SESSION, this.sessionParams(f));
      for (const { sessionId, kinds, texts } of batch.replaceKinds ?? []) {
        if (!texts) {
          await c.query('DELETE FROM hits WHERE sid = (SELECT sid FROM sessions WHERE id = $1) AND kind = ANY ($2::text[])', [sessionId, kinds]);
          continue;
        }
        const rows = (await c.query<{ hid: string; snippet: Buffer | null }>('SELECT hid, snippet FROM hits WHERE sid = (SELECT sid FROM sessions WHERE id = $1) AND kind = ANY ($2::text[])', [sessionId, kinds])).rows;
        const gone = rows.filter((r) => sealedTextIn(this.key, r.snippet, sessionId, texts)).map((r) => r.hid);
        if (gone.length) await c.query('DELETE FROM hits WHERE hid = ANY ($1::bigint[])', [gone]);
      }
      for (const { sessionId, hits } of batch.hits) {
        // FOR KEY SHARE: an erasure committing meanwhile waits for this write, or has already removed the row (then the
        // hits are refused): a derived job's hits never outlive their session (an update of the row does not wait).
        const sid = (await c.query<{ sid: number }>('SELECT sid FROM sessions WHERE id = $1 FOR KEY SHARE', [sessionId])).rows[0]?.sid;
        if (sid === undefined) throw new VerbatimError('BAD_REQUEST', 'hits for a session the index does not hold', { sessionId });
        // One malformed hit must not fail the page's transaction (and with it every change in the page).
        const good = hits.filter((h) => Number.isFinite(h.at) && typeof h.text === 'string' && typeof h.kind === 'string');
        for (let i = 0; i < good.length; i += INSERT_CHUNK) await this.insertHits(c, sid, sessionId, good.slice(i, i + INSERT_CHUNK));
      }
      if (batch.analytics?.length) {
        const ids = batch.analytics.map((a) => a.sessionId);
        const sids = new Map((await c.query<{ id: string; sid: number }>('SELECT id, sid FROM sessions WHERE id = ANY ($1::text[])', [ids])).rows.map((r) => [r.id, r.sid]));
        const missing = ids.find((id) => !sids.has(id));
        if (missing !== undefined) throw new VerbatimError('BAD_REQUEST', 'analytics rows for a session the index does not hold', { sessionId: missing });
        await insertAnalyticsPg(c, batch.analytics.map((a) => ({ sid: sids.get(a.sessionId)!, rows: a.rows })));
      }
      for (const { sessionId, score } of batch.fidelity ?? []) await c.query('UPDATE sessions SET fidelity = $1 WHERE id = $2', [fidelityOf(score), sessionId]);
      if (batch.customerLinked?.length) await c.query('UPDATE sessions SET customer_linked = TRUE WHERE id = ANY ($1::text[])', [batch.customerLinked]);
      // Error counts follow the hits (added, or replaced by a re-read source).
      const counted = [...new Set([...batch.hits.map((x) => x.sessionId), ...(batch.replaceKinds ?? []).map((x) => x.sessionId)])];
      if (counted.length) await c.query(`UPDATE sessions SET errors = ${ERROR_COUNT} WHERE id = ANY ($1::text[])`, [counted]);
      if (!batch.keepCursor) await c.query("INSERT INTO meta (key, value) VALUES ('cursor', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(batch.cursor)]);
    });
    if (erased) this.vacuumSoon();
  }

  /**
   * After an erasure's commit (VACUUM cannot run in a transaction): the erased rows leave the heap's and indexes'
   * live structures now rather than whenever autovacuum comes by. In the background on its own pooled connection (it
   * takes no lock that stops writes or searches), one run at a time; erasures during a run get one more run after
   * it. A failure changes no answer (the rows are already deleted): autovacuum does it later.
   */
  private vacuumSoon(): void {
    if (this.vacuuming) {
      this.vacuumAgain = true;
      return;
    }
    this.vacuuming = (async () => {
      do {
        this.vacuumAgain = false;
        await this.pool?.query(`VACUUM ${['hits', 'sessions', ...analyticsTableNames()].join(', ')}`).catch(() => undefined);
      } while (this.vacuumAgain && this.pool);
    })().finally(() => {
      this.vacuuming = undefined;
      // An erasure met between the loop's last check and here.
      if (this.vacuumAgain && this.pool) this.vacuumSoon();
    });
  }

  /** Resolves once no VACUUM after an erasure is running or due (tests, close). */
  async vacuumed(): Promise<void> {
    while (this.vacuuming) await this.vacuuming;
  }

  private async insertHits(c: pg.PoolClient, sid: number, sessionId: string, hits: Hit[]): Promise<void> {
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (const hit of hits) {
      const { host } = locationOf(hit);
      const row = [Math.trunc(hit.at), hit.kind, hit.pageId ?? null, host ?? null, hit.method?.toUpperCase() ?? null,
        hit.status ?? null, hit.durationMs ?? null,
        hit.text ? this.key.seal(hit.text.slice(0, MAX_SEALED_TEXT), `hit:${sessionId}`) : null,
        tsvectorOf(ftsRow(this.key, hit))];
      row.forEach((v, i) => cols[i]!.push(v));
    }
    // WITH ORDINALITY: hit ids follow the batch's order, the tie-break of equal moments (as SQLite's rowids do).
    await c.query(`INSERT INTO hits (sid, at, kind, page_id, host, method, status, duration_ms, snippet, doc)
      SELECT $1, at, kind, page_id, host, method, status, duration_ms, snippet, doc
      FROM unnest($2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::bytea[], $10::tsvector[])
        WITH ORDINALITY AS t (at, kind, page_id, host, method, status, duration_ms, snippet, doc, n)
      ORDER BY n`, [sid, ...cols]);
  }

  private sessionParams(f: SessionFacts): unknown[] {
    return [f.id, f.channel, f.terminal ?? null, f.browser ?? null, f.os ?? null, f.device ?? null, f.country ?? null,
      f.startedAt, f.endedAt, f.pageCount, f.durationMs, f.activeMs, f.customerLinked,
      f.entryUrl ? this.key.seal(f.entryUrl.slice(0, MAX_SEALED_TEXT), `entry:${f.id}`) : null, scoreOf(f)];
  }

  private async eraseRows(c: pg.PoolClient, sessionId: string): Promise<boolean> {
    const sid = (await c.query<{ sid: number }>('DELETE FROM sessions WHERE id = $1 RETURNING sid', [sessionId])).rows[0]?.sid;
    if (sid === undefined) return false;
    await c.query('DELETE FROM hits WHERE sid = $1', [sid]);
    await eraseAnalyticsPg(c, sid);
    return true;
  }

  private async transaction(work: (c: pg.PoolClient) => Promise<void>): Promise<void> {
    const c = await this.conn.connect();
    try {
      await c.query('BEGIN');
      await work(c);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async search(node: QueryNode, options: SearchOptions): Promise<SearchResponse> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit)), MAX_SEARCH_LIMIT);
    const order = options.order ?? NEWEST_FIRST;
    const compiler = new PgQueryCompiler({ key: this.key, customerSessions: options.customerSessions });
    const where = sql(compiler.session(node), options.customerLinkedOnly ? ' AND s.customer_linked' : '', startedRange(options, '?::float8'));
    const after = options.cursor ? decodeOrderCursor(options.cursor, order) : undefined;
    const page = after ? sql(where, frag(` AND ${afterSql(order, { number: '?::float8', text: '?::text' })}`, [after.value, after.id])) : where;
    const [rows, counted] = await Promise.all([
      this.all<SessionRow>(sql('SELECT s.* FROM sessions s WHERE ', page, ` ORDER BY ${orderBy(order)} LIMIT ${limit + 1}`)),
      this.all<{ n: number }>(sql('SELECT COUNT(*) AS n FROM (SELECT 1 FROM sessions s WHERE ', where, ` LIMIT ${TOTAL_CAP + 1}) AS x`)).then((r) => r[0]!.n),
    ]);
    const shown = rows.slice(0, limit);
    const [moments, facets] = await Promise.all([this.pageMoments(shown.map((r) => r.sid), node, compiler), this.facets(where, options.facets ?? [])]);
    const wanted = snippetWords(node);
    const results = shown.map((r) => searchResult(this.key, r, moments.get(r.sid), wanted));
    const response: SearchResponse = { results, total: Math.min(counted, TOTAL_CAP), facets };
    if (counted > TOTAL_CAP) response.totalCapped = true;
    const last = shown[shown.length - 1];
    if (rows.length > limit && last) response.next = encodeOrderCursor(order, { value: sortValue(last, order.key), id: last.id });
    return response;
  }

  async sessionIds(node: QueryNode): Promise<string[]> {
    const compiler = new PgQueryCompiler({ key: this.key });
    return (await this.all<{ id: string }>(sql('SELECT s.id FROM sessions s WHERE ', compiler.session(node)))).map((r) => r.id);
  }

  async matches(sessionId: string, node: QueryNode, options: MatchOptions = {}): Promise<Match[]> {
    const compiler = new PgQueryCompiler({ key: this.key, customerSessions: options.customerSessions });
    const rows = await this.all<HitRow>(sql('SELECT h.hid, h.at, h.kind, h.snippet FROM sessions s JOIN hits h ON h.sid = s.sid WHERE s.id = ',
      frag('?::text', [sessionId]), ' AND ', compiler.session(node), ' AND ', compiler.hits(node), ` ORDER BY h.at, h.hid LIMIT ${MAX_MATCHES}`));
    const wanted = snippetWords(node);
    return rows.map((h) => ({ at: h.at, kind: h.kind, snippet: hitSnippet(this.key, h, sessionId, wanted) }));
  }

  /** A page of sessions' matching moments in one statement: how many, and the first (a sequence's: its first step's). */
  private async pageMoments(sids: number[], node: QueryNode, compiler: PgQueryCompiler): Promise<Map<number, { count: number; first?: HitRow }>> {
    const out = new Map<number, { count: number; first?: HitRow }>();
    if (!sids.length) return out;
    const lead = node.kind === 'then' ? compiler.hits(node.steps[0]!) : frag('TRUE');
    const rows = await this.all<HitRow & { sid: number; lead: boolean }>(sql('SELECT h.sid, h.hid, h.at, h.kind, h.snippet, (', lead,
      ') AS lead FROM hits h WHERE h.sid = ANY (', frag('?::bigint[]', [sids]), ') AND ', compiler.hits(node), ' ORDER BY h.at, h.hid'));
    for (const row of rows) {
      const entry = out.get(row.sid) ?? { count: 0 };
      entry.count += 1;
      if (!entry.first && row.lead) entry.first = row;
      out.set(row.sid, entry);
    }
    return out;
  }

  private async facets(where: Frag, fields: string[]): Promise<Record<string, FacetCount[]>> {
    const out: Record<string, FacetCount[]> = {};
    for (const field of fields) {
      let q: Frag;
      if (SESSION_FACETS[field]) {
        const col = `s.${SESSION_FACETS[field]}`;
        q = sql(`SELECT ${col} AS value, COUNT(*) AS count FROM sessions s WHERE `, where, ` AND ${col} IS NOT NULL GROUP BY ${col}`);
      } else if (field === 'method' || field === 'status') {
        // trunc: SQLite's integer division of an integer status.
        const col = field === 'method' ? 'h.method' : `(trunc(h.status / 100)::bigint::text || 'xx') COLLATE "C"`;
        q = sql(`SELECT ${col} AS value, COUNT(DISTINCT s.sid) AS count FROM sessions s JOIN hits h ON h.sid = s.sid WHERE `, where,
          ` AND h.${field} IS NOT NULL GROUP BY 1`);
      } else {
        throw new VerbatimError('BAD_REQUEST', `No facet for ${field}`, { field });
      }
      out[field] = (await this.all<FacetCount>(sql(q, ` ORDER BY count DESC, value LIMIT ${FACET_VALUES}`))).map((f) => ({ value: String(f.value), count: f.count }));
    }
    return out;
  }

  private async all<T extends object>(q: Frag): Promise<T[]> {
    return (await this.conn.query<T>(toQuery(q))).rows;
  }
}

const UPSERT_SESSION = `INSERT INTO sessions (id, channel, terminal, browser, os, device, country, started_at, ended_at,
    page_count, duration_ms, active_ms, customer_linked, entry_url, score)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (id) DO UPDATE SET channel = excluded.channel, terminal = excluded.terminal, browser = excluded.browser,
    os = excluded.os, device = excluded.device, country = excluded.country, started_at = excluded.started_at,
    ended_at = excluded.ended_at, page_count = excluded.page_count, duration_ms = excluded.duration_ms,
    active_ms = GREATEST(sessions.active_ms, excluded.active_ms),
    customer_linked = sessions.customer_linked OR excluded.customer_linked, entry_url = excluded.entry_url,
    score = GREATEST(sessions.score, excluded.score)`;
