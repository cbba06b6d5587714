/**
 * The embedded search index: SQLite FTS5 through better-sqlite3, in <data>/search/index.sqlite (docs/ARCHITECTURE.md
 * says why). One writer (the follower) and readers (the API) in one process; WAL so searches do not wait for writes.
 * Every applied batch and its feed cursor commit together. Erasure deletes the session's rows with SQLite's
 * secure_delete and FTS5's secure-delete on, then checkpoints and truncates the WAL, so nothing of it stays in the
 * files; what stays while it lives is hashed or sealed (index-key.ts).
 */
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { VerbatimError } from '../../../store/errors';
import type { QueryNode } from '../query/ast';
import type { IndexKey } from '../index-key';
import { NEWEST_FIRST, afterSql, decodeOrderCursor, encodeOrderCursor, orderBy, sortValue } from '../list-order';
import { startedRange } from '../started-range';
import { hitSnippet, searchResult, type HitRow, type SessionRow } from '../stored-rows';
import { MAX_SEARCH_LIMIT, TOTAL_CAP, fidelityOf, scoreOf, type AnalyticsDb, type IndexBatch, type Match, type MatchOptions, type SearchIndex, type SearchOptions, type SessionFacts } from '../search-index';
import type { FacetCount, SearchResponse } from '../types';
import { QueryCompiler, hostLike } from './compile-query';
import { ftsRow, locationOf } from '../hit-tokens';
import { sealedTextIn } from '../sealed-hit-text';
import { SCHEMA, SCHEMA_VERSION } from './schema';
import { createAnalyticsSqlite, eraseAnalyticsSqlite, insertAnalyticsSqlite, resetAnalyticsSqlite } from '../../analytics/index/sqlite-tables';
import { frag, sql, type Frag } from './sql-fragment';

export const INDEX_FILE = 'index.sqlite';
/** Sealed per hit: enough for a snippet around any match, bounded for hostile pages. */
const MAX_SEALED_TEXT = 2_000;
const MAX_MATCHES = 1_000;
const FACET_VALUES = 50;
/** Hosts one `host:` term may list; a broader one (`host:c*` over many hosts) scans instead. */
const MAX_HOSTS_LISTED = 500;
/** Rows sampled per index by ANALYZE, and how many applied batches between two `PRAGMA optimize`. */
const ANALYSIS_LIMIT = 1_000;
const OPTIMIZE_EVERY = 1_000;
const CACHE_KIB = 64 * 1024;
const MMAP_BYTES = 1024 * 2 ** 20;
/** A session's error hits (hits_session_kind answers it from the index alone). */
const ERROR_COUNT = "(SELECT COUNT(*) FROM hits h WHERE h.sid = sessions.sid AND h.kind = 'error')";
const SESSION_FACETS: Record<string, string> = {
  channel: 'channel', terminal: 'terminal', device: 'device', browser: 'browser', os: 'os', country: 'country',
};

export class SqliteSearchIndex implements SearchIndex {
  private db: Database.Database | undefined;
  private applied = 0;

  constructor(private readonly dir: string, private readonly key: IndexKey) {}

  get file(): string {
    return path.join(this.dir, INDEX_FILE);
  }

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const db = new Database(this.file);
    try {
      // Owner only whatever the umask (SQLite gives the WAL and shared-memory files the database file's mode).
      await chmod(this.file, 0o600);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Reads: a bigger page cache and memory-mapped reads (no read() copy per page), and temporary b-trees (match
      // sets, the sort of a page) in memory. The index is read far more than it is written.
      db.pragma(`cache_size = -${CACHE_KIB}`);
      db.pragma(`mmap_size = ${MMAP_BYTES}`);
      db.pragma('temp_store = MEMORY');
      // Freed pages are zeroed: a deleted row's bytes do not linger in the file.
      db.pragma('secure_delete = ON');
      // An index made before the struggle score: the column first (the schema's indexes may name it).
      const columns = db.prepare("SELECT name FROM pragma_table_info('sessions')").pluck().all() as string[];
      if (columns.length && !columns.includes('score')) db.exec('ALTER TABLE sessions ADD COLUMN score INTEGER NOT NULL DEFAULT 0');
      // …and before the error count: the column, then (below, once the schema's indexes exist) filled from the hits.
      const addErrors = columns.length > 0 && !columns.includes('errors');
      if (addErrors) db.exec('ALTER TABLE sessions ADD COLUMN errors INTEGER NOT NULL DEFAULT 0');
      // …and before the trust job's fidelity score (NULL: not checked yet).
      if (columns.length && !columns.includes('fidelity')) db.exec('ALTER TABLE sessions ADD COLUMN fidelity INTEGER');
      db.exec(SCHEMA);
      if (addErrors) db.exec(`UPDATE sessions SET errors = ${ERROR_COUNT}`);
      // Analytics tables: created on an index made before them too (they fill as sessions change, or on reindex).
      createAnalyticsSqlite(db);
      // An index made before the host table existed: fill it once from the hits.
      if (!db.prepare("SELECT 1 FROM meta WHERE key = 'hosts'").get()) {
        db.exec("INSERT OR IGNORE INTO hosts (host) SELECT DISTINCT host FROM hits WHERE host IS NOT NULL; INSERT INTO meta (key, value) VALUES ('hosts', '1')");
      }
      db.prepare("INSERT INTO hit_fts (hit_fts, rank) VALUES ('secure-delete', 1)").run();
      // Table statistics for the planner (which of two IN-lists to build, which index to walk): without them it
      // guesses, and at a million sessions a wrong guess costs seconds. Sampled (analysis_limit), so cheap.
      db.pragma(`analysis_limit = ${ANALYSIS_LIMIT}`);
      db.pragma('optimize = 0x10002');
      const version = (db.prepare("SELECT value FROM meta WHERE key = 'schema'").get() as { value: string } | undefined)?.value;
      if (version === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
      else if (version !== String(SCHEMA_VERSION)) {
        throw new VerbatimError('STORE_CORRUPT', 'the search index has another schema version: run verbatim reindex', { version });
      }
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
  }

  async close(): Promise<void> {
    this.db?.pragma('optimize');
    this.db?.close();
    this.db = undefined;
  }

  private get conn(): Database.Database {
    if (!this.db) throw new VerbatimError('STORE_NOT_OPEN', 'the search index is not open');
    return this.db;
  }

  async cursor(): Promise<number> {
    return Number((await this.getMeta('cursor')) ?? 0);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (this.conn.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  async setMeta(key: string, value: string | undefined): Promise<void> {
    if (value === undefined) this.conn.prepare('DELETE FROM meta WHERE key = ?').run(key);
    else this.conn.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async counts(): Promise<{ sessions: number; hits: number }> {
    const n = (t: string) => (this.conn.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { sessions: n('sessions'), hits: n('hits') };
  }

  analyticsDb(): AnalyticsDb {
    return { kind: 'sqlite', db: this.conn };
  }

  async reset(): Promise<void> {
    const db = this.conn;
    db.transaction(() => {
      resetAnalyticsSqlite(db);
      db.exec("DELETE FROM hit_fts; DELETE FROM hits; DELETE FROM hosts; DELETE FROM sessions; DELETE FROM meta WHERE key <> 'schema';");
    })();
    this.truncateWal();
  }

  async apply(batch: IndexBatch): Promise<void> {
    const db = this.conn;
    const upsert = db.prepare(`INSERT INTO sessions (id, channel, terminal, browser, os, device, country, started_at, ended_at,
        page_count, duration_ms, active_ms, customer_linked, entry_url, score)
      VALUES (@id, @channel, @terminal, @browser, @os, @device, @country, @startedAt, @endedAt, @pageCount, @durationMs, @activeMs, @customerLinked, @entryUrl, @score)
      ON CONFLICT (id) DO UPDATE SET channel = excluded.channel, terminal = excluded.terminal, browser = excluded.browser,
        os = excluded.os, device = excluded.device, country = excluded.country, started_at = excluded.started_at,
        ended_at = excluded.ended_at, page_count = excluded.page_count, duration_ms = excluded.duration_ms,
        active_ms = MAX(active_ms, excluded.active_ms), customer_linked = MAX(customer_linked, excluded.customer_linked), entry_url = excluded.entry_url,
        score = MAX(score, excluded.score)`);
    const sidOf = db.prepare('SELECT sid FROM sessions WHERE id = ?').pluck();
    const insertHit = db.prepare(`INSERT INTO hits (sid, at, kind, page_id, host, method, status, duration_ms, snippet)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertFts = db.prepare('INSERT INTO hit_fts (rowid, words, field, wprefix, loc) VALUES (?, ?, ?, ?, ?)');
    const insertHost = db.prepare('INSERT OR IGNORE INTO hosts (host) VALUES (?)');
    const link = db.prepare('UPDATE sessions SET customer_linked = 1 WHERE id = ?');
    const setFidelity = db.prepare('UPDATE sessions SET fidelity = ? WHERE id = ?');
    const recount = db.prepare(`UPDATE sessions SET errors = ${ERROR_COUNT} WHERE id = ?`);
    const setCursor = db.prepare("INSERT INTO meta (key, value) VALUES ('cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    let erased = false;
    const hostsSeen = new Set<string>();
    db.transaction(() => {
      for (const id of batch.erased ?? []) erased = this.eraseRows(db, id) || erased;
      for (const f of batch.sessions) upsert.run(this.sessionParams(f));
      for (const { sessionId, kinds, texts } of batch.replaceKinds ?? []) {
        const sid = sidOf.get(sessionId) as number | undefined;
        if (sid !== undefined && texts) this.deleteHitsWithText(db, sid, sessionId, kinds, texts);
        else if (sid !== undefined) this.deleteHits(db, sid, kinds);
      }
      for (const { sessionId, hits } of batch.hits) {
        const sid = sidOf.get(sessionId) as number | undefined;
        if (sid === undefined) throw new VerbatimError('BAD_REQUEST', 'hits for a session the index does not hold', { sessionId });
        for (const hit of hits) {
          // One malformed hit must not fail the page's transaction (and with it every change in the page).
          if (!Number.isFinite(hit.at) || typeof hit.text !== 'string' || typeof hit.kind !== 'string') continue;
          const { host } = locationOf(hit);
          if (host && !hostsSeen.has(host)) {
            hostsSeen.add(host);
            insertHost.run(host);
          }
          const sealed = hit.text ? this.key.seal(hit.text.slice(0, MAX_SEALED_TEXT), `hit:${sessionId}`) : null;
          const hid = Number(insertHit.run(sid, Math.trunc(hit.at), hit.kind, hit.pageId ?? null, host ?? null,
            hit.method?.toUpperCase() ?? null, hit.status ?? null, hit.durationMs ?? null, sealed).lastInsertRowid);
          const row = ftsRow(this.key, hit);
          insertFts.run(hid, row.words, row.field, row.wprefix, row.loc);
        }
      }
      for (const { sessionId, rows } of batch.analytics ?? []) {
        const sid = sidOf.get(sessionId) as number | undefined;
        if (sid === undefined) throw new VerbatimError('BAD_REQUEST', 'analytics rows for a session the index does not hold', { sessionId });
        insertAnalyticsSqlite(db, sid, rows);
      }
      for (const id of batch.customerLinked ?? []) link.run(id);
      for (const { sessionId, score } of batch.fidelity ?? []) setFidelity.run(fidelityOf(score), sessionId);
      // Error counts follow the hits (added, or replaced by a re-read source).
      for (const id of new Set([...batch.hits.map((x) => x.sessionId), ...(batch.replaceKinds ?? []).map((x) => x.sessionId)])) recount.run(id);
      if (!batch.keepCursor) setCursor.run(String(batch.cursor));
    })();
    // After the commit: the WAL still holds the erased rows' old pages until it is checkpointed.
    if (erased) this.truncateWal();
    // Statistics kept current as the index grows (re-analyses only tables that changed much since).
    if (++this.applied % OPTIMIZE_EVERY === 0) db.pragma('optimize');
  }

  private sessionParams(f: SessionFacts): Record<string, unknown> {
    return {
      id: f.id, channel: f.channel, terminal: f.terminal ?? null, browser: f.browser ?? null, os: f.os ?? null,
      device: f.device ?? null, country: f.country ?? null, startedAt: f.startedAt, endedAt: f.endedAt,
      pageCount: f.pageCount, durationMs: f.durationMs, activeMs: f.activeMs, customerLinked: f.customerLinked ? 1 : 0, score: scoreOf(f),
      entryUrl: f.entryUrl ? this.key.seal(f.entryUrl.slice(0, MAX_SEALED_TEXT), `entry:${f.id}`) : null,
    };
  }

  private eraseRows(db: Database.Database, sessionId: string): boolean {
    const sid = db.prepare('SELECT sid FROM sessions WHERE id = ?').pluck().get(sessionId) as number | undefined;
    if (sid === undefined) return false;
    this.deleteHits(db, sid);
    eraseAnalyticsSqlite(db, sid);
    db.prepare('DELETE FROM sessions WHERE sid = ?').run(sid);
    return true;
  }

  /** Hits of `kinds` whose (sealed) text is one of `texts`: opened one by one, only this session's hits of those kinds. */
  private deleteHitsWithText(db: Database.Database, sid: number, sessionId: string, kinds: readonly string[], texts: readonly string[]): void {
    const rows = db.prepare(`SELECT hid, snippet, host FROM hits WHERE sid = ? AND kind IN (${kinds.map(() => '?').join(', ')})`)
      .all(sid, ...kinds) as { hid: number; snippet: Buffer | null; host: string | null }[];
    const gone = rows.filter((r) => sealedTextIn(this.key, r.snippet, sessionId, texts));
    const dropFts = db.prepare('DELETE FROM hit_fts WHERE rowid = ?');
    const dropHit = db.prepare('DELETE FROM hits WHERE hid = ?');
    for (const r of gone) {
      dropFts.run(r.hid);
      dropHit.run(r.hid);
    }
    const prune = db.prepare('DELETE FROM hosts WHERE host = ? AND NOT EXISTS (SELECT 1 FROM hits WHERE host = ?)');
    for (const host of new Set(gone.map((r) => r.host).filter((h) => h !== null))) prune.run(host, host);
  }

  private deleteHits(db: Database.Database, sid: number, kinds?: readonly string[]): void {
    const kindSql = kinds ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const args = [sid, ...(kinds ?? [])];
    const hosts = db.prepare(`SELECT DISTINCT host FROM hits WHERE sid = ?${kindSql} AND host IS NOT NULL`).pluck().all(...args);
    db.prepare(`DELETE FROM hit_fts WHERE rowid IN (SELECT hid FROM hits WHERE sid = ?${kindSql})`).run(...args);
    db.prepare(`DELETE FROM hits WHERE sid = ?${kindSql}`).run(...args);
    // A host only this session named goes with it (an erased session's hosts must not stay readable).
    const prune = db.prepare('DELETE FROM hosts WHERE host = ? AND NOT EXISTS (SELECT 1 FROM hits WHERE host = ?)');
    for (const host of hosts) prune.run(host, host);
  }

  /** The hosts a `host:` value stands for; undefined when more than MAX_HOSTS_LISTED match (the caller scans). */
  private hostsMatching(value: string, prefix: boolean): string[] | undefined {
    const like = hostLike(value, prefix, 'host');
    const hosts = this.conn.prepare(`SELECT host FROM hosts WHERE ${like.sql} LIMIT ${MAX_HOSTS_LISTED + 1}`).pluck().all(...like.params) as string[];
    return hosts.length > MAX_HOSTS_LISTED ? undefined : hosts;
  }

  private truncateWal(): void {
    this.conn.pragma('wal_checkpoint(TRUNCATE)');
  }

  private compiler(customerSessions: SearchOptions['customerSessions'], oneSession = false): QueryCompiler {
    return new QueryCompiler({ key: this.key, customerSessions, oneSession, hostsMatching: (v, p) => this.hostsMatching(v, p) });
  }

  async search(node: QueryNode, options: SearchOptions): Promise<SearchResponse> {
    const db = this.conn;
    const limit = Math.min(Math.max(1, Math.trunc(options.limit)), MAX_SEARCH_LIMIT);
    const order = options.order ?? NEWEST_FIRST;
    const compiler = this.compiler(options.customerSessions);
    const where = sql(compiler.session(node), options.customerLinkedOnly ? ' AND s.customer_linked = 1' : '', startedRange(options, '?'));
    const after = options.cursor ? decodeOrderCursor(options.cursor, order) : undefined;
    const page = after ? sql(where, frag(` AND ${afterSql(order, { number: '?', text: '?' })}`, [after.value, after.id])) : where;
    let rows: SessionRow[];
    let counted: number;
    if (after) {
      rows = this.all<SessionRow>(compiler.statement(sql('SELECT s.* FROM sessions s WHERE ', page, ` ORDER BY ${orderBy(order)} LIMIT ${limit + 1}`)));
      counted = this.all<{ n: number }>(compiler.statement(sql(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM sessions s WHERE `, where, ` LIMIT ${TOTAL_CAP + 1})`)))[0]!.n;
    } else {
      // The first page: one pass over the matching sessions gives both the page and the capped total (the match
      // sets, most of a broad query's cost, are built once rather than twice).
      const sids = this.all<{ sid: number }>(compiler.statement(sql('SELECT s.sid FROM sessions s WHERE ', where,
        ` ORDER BY ${orderBy(order)} LIMIT ${TOTAL_CAP + 1}`))).map((r) => r.sid);
      counted = sids.length;
      const head = sids.slice(0, limit + 1);
      const byId = new Map(this.all<SessionRow>(frag(`SELECT s.* FROM sessions s WHERE s.sid IN (${head.map(() => '?').join(', ')})`, head)).map((r) => [r.sid, r]));
      rows = head.map((sid) => byId.get(sid)!);
    }
    const shown = rows.slice(0, limit);
    const moments = this.pageMoments(shown.map((r) => r.sid), node, compiler);
    const wanted = QueryCompiler.snippetWords(node);
    const results = shown.map((r) => searchResult(this.key, r, moments.get(r.sid), wanted));
    const response: SearchResponse = { results, total: Math.min(counted, TOTAL_CAP), facets: this.facets(where, options.facets ?? [], compiler) };
    if (counted > TOTAL_CAP) response.totalCapped = true;
    const last = shown[shown.length - 1];
    if (rows.length > limit && last) response.next = encodeOrderCursor(order, { value: sortValue(last, order.key), id: last.id });
    return response;
  }

  async sessionIds(node: QueryNode): Promise<string[]> {
    const compiler = this.compiler(undefined);
    const q = compiler.statement(sql('SELECT s.id FROM sessions s WHERE ', compiler.session(node)));
    return this.conn.prepare(q.sql).pluck().all(...q.params) as string[];
  }

  async matches(sessionId: string, node: QueryNode, options: MatchOptions = {}): Promise<Match[]> {
    const compiler = this.compiler(options.customerSessions, true);
    const rows = this.all<HitRow>(compiler.statement(sql('SELECT h.hid, h.at, h.kind, h.snippet FROM sessions s JOIN hits h ON h.sid = s.sid WHERE s.id = ',
      frag('?', [sessionId]), ' AND ', compiler.session(node), ' AND ', compiler.hits(node, 'set'), ` ORDER BY h.at, h.hid LIMIT ${MAX_MATCHES}`)));
    const wanted = QueryCompiler.snippetWords(node);
    return rows.map((h) => ({ at: h.at, kind: h.kind, snippet: hitSnippet(this.key, h, sessionId, wanted) }));
  }

  /**
   * The matching moments of a page of sessions in one statement (the FTS match runs once for the page): how many,
   * and the first. A sequence's first match is its first step's first moment; otherwise the earliest matching hit.
   */
  private pageMoments(sids: number[], node: QueryNode, compiler: QueryCompiler): Map<number, { count: number; first?: HitRow }> {
    const out = new Map<number, { count: number; first?: HitRow }>();
    if (!sids.length) return out;
    const lead = node.kind === 'then' ? compiler.hits(node.steps[0]!, 'set') : frag('1');
    const rows = this.all<HitRow & { sid: number; lead: number }>(compiler.statement(sql('SELECT h.sid, h.hid, h.at, h.kind, h.snippet, (', lead, ') AS lead FROM hits h WHERE h.sid IN (',
      frag(sids.map(() => '?').join(', '), sids), ') AND ', compiler.hits(node, 'set'), ' ORDER BY h.at, h.hid')));
    for (const row of rows) {
      const entry = out.get(row.sid) ?? { count: 0 };
      entry.count += 1;
      if (!entry.first && row.lead) entry.first = row;
      out.set(row.sid, entry);
    }
    return out;
  }

  private facets(where: Frag, fields: string[], compiler: QueryCompiler): Record<string, FacetCount[]> {
    const out: Record<string, FacetCount[]> = {};
    for (const field of fields) {
      let q: Frag;
      if (SESSION_FACETS[field]) {
        const col = `s.${SESSION_FACETS[field]}`;
        q = sql(`SELECT ${col} AS value, COUNT(*) AS count FROM sessions s WHERE `, where, ` AND ${col} IS NOT NULL GROUP BY ${col}`);
      } else if (field === 'method' || field === 'status') {
        const col = field === 'method' ? 'h.method' : "(h.status / 100) || 'xx'";
        q = sql(`SELECT ${col} AS value, COUNT(DISTINCT s.sid) AS count FROM sessions s JOIN hits h ON h.sid = s.sid WHERE `, where,
          ` AND h.${field} IS NOT NULL GROUP BY 1`);
      } else {
        throw new VerbatimError('BAD_REQUEST', `No facet for ${field}`, { field });
      }
      out[field] = this.all<FacetCount>(compiler.statement(sql(q, ` ORDER BY count DESC, value LIMIT ${FACET_VALUES}`))).map((f) => ({ value: String(f.value), count: f.count }));
    }
    return out;
  }

  private all<T>(q: Frag): T[] {
    return this.conn.prepare(q.sql).all(...q.params) as T[];
  }
}

