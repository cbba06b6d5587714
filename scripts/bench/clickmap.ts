/**
 * Click maps and field analytics at scale (issue #14): BENCH_CLICKMAP_SESSIONS (default 100,000) generated sessions
 * written straight into the index (no browser) through SearchIndex.apply with their analytics rows, as the follower
 * writes them: per session one page view of one of 20 page patterns (skewed: the transfer page gets about a third)
 * in one of 3 site versions by date, 8 clicks over 30 elements (some dead, a few rage), its scroll depth and 3 form
 * fields. Then the click map of the busiest page and version, another page's, and a form's field report, each
 * p50/p95 over BENCH_CLICKMAP_RUNS runs (default 20) after 2 warm-ups, on SQLite and on PostgreSQL (a throw-away
 * local cluster, test/helpers/postgres-server.ts: unix socket, fsync off). Alone: `npx tsx scripts/bench/clickmap.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../../test/helpers/postgres-server';
import { asRows } from '../../replay-viewer/analytics/fields/tables';
import { ANALYTICS_TABLES } from '../../replay-viewer/analytics/index/registry';
import { clickMap, fieldsReport } from '../../replay-viewer/analytics/fields/queries';
import type { ClickRow, FieldRow, ScrollRow } from '../../replay-viewer/analytics/fields/rows';
import { loadOrCreateIndexKey } from '../../replay-viewer/search/index-key';
import { PostgresSearchIndex } from '../../replay-viewer/search/postgres/postgres-index';
import type { IndexBatch, SearchIndex } from '../../replay-viewer/search/search-index';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import { percentile } from './latency';

const SESSIONS = Number(process.env.BENCH_CLICKMAP_SESSIONS ?? 100_000);
const RUNS = Number(process.env.BENCH_CLICKMAP_RUNS ?? 20);
const PAGE = 200;
const T0 = Date.UTC(2026, 5, 1);
const HOST = 'bank.example';
const PAGES = Array.from({ length: 20 }, (_, i) => (i === 0 ? '/payments/transfer' : `/section${i}/page`));
const VERSIONS = ['a1b2c3d4e5f6', 'b2c3d4e5f6a1', 'c3d4e5f6a1b2'];

function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function* batches(): Generator<IndexBatch> {
  const r = rng(11);
  for (let p = 0; p < SESSIONS / PAGE; p++) {
    const batch: IndexBatch = { cursor: p + 1, sessions: [], hits: [], analytics: [] };
    for (let i = 0; i < PAGE; i++) {
      const n = p * PAGE + i;
      const sessionId = `cm-${String(n).padStart(7, '0')}`;
      const at = T0 + n * 30_000;
      batch.sessions.push({ id: sessionId, channel: 'proxy', startedAt: at, endedAt: at + 120_000, pageCount: 1, durationMs: 120_000, activeMs: 60_000, customerLinked: false });
      const url = PAGES[Math.min(PAGES.length - 1, Math.floor(PAGES.length * r() ** 3))]!;
      const version = VERSIONS[Math.floor((n / SESSIONS) * VERSIONS.length)]!;
      const pageId = `p${n}`;
      const clicks: ClickRow[] = Array.from({ length: 8 }, (_, k) => {
        const el = Math.floor(30 * r() ** 2);
        return { sessionId, pageId, at: at + 1_000 + k * 700, host: HOST, url, version, selector: `#el-${el}`, fx: r(), fy: r(), dead: el % 7 === 3, rage: el === 3 && r() < 0.2 };
      });
      const scrolls: ScrollRow[] = [{ sessionId, pageId, at, host: HOST, url, version, maxPct: Math.round(30 + 70 * r()) }];
      const left = r() < 0.3;
      const fields: FieldRow[] = ['#amount', '#iban', '#reference'].map((field, k) => ({
        sessionId, pageId, at: at + 2_000 + k * 3_000, host: HOST, url, form: '#transfer', field, label: field.slice(1), fillMs: Math.round(500 + 8_000 * r()),
        hesitations: r() < 0.1 ? 1 : 0, corrections: r() < 0.15 ? 1 : 0, errors: r() < 0.05 ? 1 : 0, submitted: !left, dropOff: left && k === 1, ...(left && k === 1 ? { leftAt: at + 20_000 } : {}),
      }));
      batch.analytics!.push({ sessionId, rows: asRows({ fields, clicks, scrolls }) });
    }
    yield batch;
  }
}

async function timed(name: string, run: () => Promise<unknown>): Promise<string> {
  const times: number[] = [];
  for (let i = -2; i < RUNS; i++) {
    const s = performance.now();
    await run();
    if (i >= 0) times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return `  ${name.padEnd(44)} p50 ${percentile(times, 50).toFixed(1).padStart(7)} ms  p95 ${percentile(times, 95).toFixed(1).padStart(7)} ms`;
}

/**
 * PostgreSQL: the sessions through apply, their analytics rows in bulk (one unnest per table per page of sessions,
 * into the same tables and indexes): the follower's per-session statements would take many minutes for 100,000.
 */
async function applyBulkPg(index: PostgresSearchIndex, b: IndexBatch): Promise<void> {
  await index.apply({ ...b, analytics: [] });
  const db = index.analyticsDb();
  if (db.kind !== 'postgres') return;
  const ids = b.sessions.map((s) => s.id);
  const sids = new Map((await db.pool.query<{ sid: string; id: string }>('SELECT sid, id FROM sessions WHERE id = ANY ($1::text[])', [ids])).rows.map((r) => [r.id, Number(r.sid)]));
  for (const table of ANALYTICS_TABLES) {
    const cols: unknown[][] = [[], ...table.columns.map(() => [])];
    for (const { sessionId, rows } of b.analytics ?? []) {
      for (const r of rows) {
        if (r.table !== table.name) continue;
        cols[0]!.push(sids.get(sessionId));
        table.values(r.row).forEach((v, i) => cols[i + 1]!.push(v ?? null));
      }
    }
    if (!cols[0]!.length) continue;
    const arrays = ['$1::bigint[]', ...table.columns.map((c, i) => `$${i + 2}::${c.pg}[]`)].join(', ');
    await db.pool.query(`INSERT INTO ${table.name} (sid, ${table.columns.map((c) => c.name).join(', ')}) SELECT * FROM unnest(${arrays})`, cols);
  }
}

async function measure(name: string, index: SearchIndex): Promise<void> {
  const t = performance.now();
  for (const b of batches()) await (index instanceof PostgresSearchIndex ? applyBulkPg(index, b) : index.apply(b));
  const built = performance.now() - t;
  if (index instanceof PostgresSearchIndex) await index.analyze();
  process.stdout.write(`click maps, ${name}: ${SESSIONS} sessions (${SESSIONS * 12} analytics rows) written in ${(built / 1000).toFixed(1)} s\n`);
  const db = index.analyticsDb();
  const lines = [
    await timed(`click map ${PAGES[0]} (busiest page, one version)`, () => clickMap(db, { host: HOST, url: PAGES[0]!, version: VERSIONS[1]! }, {})),
    await timed(`click map ${PAGES[5]} over 30 days`, () => clickMap(db, { host: HOST, url: PAGES[5]!, version: VERSIONS[0]! }, { from: T0, to: T0 + 30 * 86_400_000 })),
    await timed(`field report ${PAGES[0]} #transfer, 30 days`, () => fieldsReport(db, { host: HOST, url: PAGES[0]!, form: '#transfer' }, { from: T0, to: T0 + 30 * 86_400_000 })),
  ];
  const map = await clickMap(db, { host: HOST, url: PAGES[0]!, version: VERSIONS[1]! }, {});
  process.stdout.write(`${lines.join('\n')}\n  (busiest map: ${map.hotspots.reduce((n, h) => n + h.clicks, 0)} clicks on ${map.hotspots.length} elements, ${map.scroll.views} views)\n`);
}

/** BENCH_CLICKMAP_BACKENDS=sqlite (or postgres) measures one backend only. */
export async function benchClickMap(backends = (process.env.BENCH_CLICKMAP_BACKENDS ?? 'sqlite,postgres').split(',')): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-clickmap-'));
  const server = backends.includes('postgres') ? await startPostgres({ settings: { shared_buffers: '256MB' } }) : undefined;
  try {
    const key = await loadOrCreateIndexKey(path.join(dir, 'keys'));
    if (backends.includes('sqlite')) {
      const sqlite = new SqliteSearchIndex(path.join(dir, 'search'), key);
      await sqlite.open();
      await measure('sqlite', sqlite);
      await sqlite.close();
    }
    if (server) {
      const pg = new PostgresSearchIndex({ connection: server.config(await server.createDatabase('bench')) }, key);
      await pg.open();
      await measure('postgres', pg);
      await pg.close();
    }
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The generated batches, for profiling the queries elsewhere. */
export const batchesForTest = batches;

if (import.meta.url === `file://${process.argv[1]}`) await benchClickMap();
