/**
 * Search index cost, SQLite against PostgreSQL (alone: npx tsx scripts/bench/search-backends.ts [sessions]):
 * `sessions` synthetic sessions of 20 hits each (words drawn from a 5,000-word vocabulary with a skew, a request with
 * a status every session, channels and devices spread), applied in pages of 50 sessions as the follower does, then a
 * few searches (50 results, two facets), each the median of 5 runs, PostgreSQL's after an ANALYZE. PostgreSQL runs on a throw-away local cluster
 * (test/helpers/postgres-server.ts: unix socket, fsync off), so its figures leave out network and disk sync.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startPostgres } from '../../test/helpers/postgres-server';
import { loadOrCreateIndexKey } from '../../replay-viewer/search/index-key';
import { PostgresSearchIndex } from '../../replay-viewer/search/postgres/postgres-index';
import { parseQuery } from '../../replay-viewer/search/query/index';
import type { IndexBatch, SearchIndex } from '../../replay-viewer/search/search-index';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import type { Hit } from '../../replay-viewer/search/types';

const SESSIONS = Number(process.argv[2] ?? 5_000);
const PAGE = 50;
const T0 = Date.UTC(2026, 10, 1);
const QUERIES = ['channel:kiosk duration:>5m', 'text:"word12 word13"', 'url:/pay*', 'status:>=500', 'text:word7', 'field:iban THEN status:>=500', 'text:word3 -channel:proxy'];

/** A small deterministic generator, so both backends get the same data. */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function batches(): IndexBatch[] {
  const r = rng(7);
  const word = () => `word${Math.floor(5_000 * r() ** 3)}`;
  const out: IndexBatch[] = [];
  for (let p = 0; p < SESSIONS / PAGE; p++) {
    const batch: IndexBatch = { cursor: p + 1, sessions: [], hits: [] };
    for (let i = 0; i < PAGE; i++) {
      const n = p * PAGE + i;
      const id = `bench-${String(n).padStart(7, '0')}`;
      const startedAt = T0 + n * 60_000;
      const channel = ['proxy', 'kiosk', 'gateway'][n % 3]!;
      batch.sessions.push({ id, channel, startedAt, endedAt: startedAt + 600_000, pageCount: 1 + (n % 7), durationMs: (n % 13) * 60_000,
        activeMs: 30_000, customerLinked: n % 5 === 0, device: ['desktop', 'tablet', 'mobile'][n % 3], browser: 'Chrome 140', os: 'Linux' });
      const hits: Hit[] = [];
      for (let h = 0; h < 20; h++) {
        const at = startedAt + h * 1_000;
        if (h % 5 === 0) hits.push({ kind: 'url', at, text: `https://bank.example/${['payments', 'accounts', 'cards'][(n + h) % 3]}/${word()}` });
        else if (h === 7) hits.push({ kind: 'typed', at, text: `${word()} ${word()}`, field: n % 4 ? 'iban' : 'name' });
        else if (h === 9) hits.push({ kind: 'request', at, text: 'POST bank.example/api/transfer', host: 'bank.example', path: '/api/transfer', method: 'POST', status: n % 9 ? 200 : 503, durationMs: 40 });
        else hits.push({ kind: 'text', at, text: Array.from({ length: 30 }, word).join(' ') });
      }
      batch.hits.push({ sessionId: id, hits });
    }
    out.push(batch);
  }
  return out;
}

async function measure(name: string, index: SearchIndex, data: IndexBatch[]): Promise<void> {
  const t = performance.now();
  for (const b of data) await index.apply(b);
  const indexed = performance.now() - t;
  // What autovacuum would do a moment later: planner statistics for the fresh tables (a no-op for SQLite).
  if (index instanceof PostgresSearchIndex) await index.analyze();
  const counts = await index.counts();
  process.stdout.write(`${name}: ${counts.sessions} sessions, ${counts.hits} hits indexed in ${(indexed / 1000).toFixed(1)} s (${(indexed * 1000 / counts.hits).toFixed(0)} µs a hit)\n`);
  for (const q of QUERIES) {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      total = (await index.search(parseQuery(q), { limit: 50, facets: ['channel', 'status'] })).total;
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    process.stdout.write(`  ${q.padEnd(32)} ${String(total).padStart(6)} sessions  ${times[2]!.toFixed(1)} ms\n`);
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-search-'));
  const server = await startPostgres({ settings: { shared_buffers: '256MB' } });
  try {
    const key = await loadOrCreateIndexKey(path.join(dir, 'keys'));
    const data = batches();
    const sqlite = new SqliteSearchIndex(path.join(dir, 'search'), key);
    await sqlite.open();
    await measure('sqlite', sqlite, data);
    await sqlite.close();
    const pg = new PostgresSearchIndex({ connection: server.config(await server.createDatabase('bench')) }, key);
    await pg.open();
    await measure('postgres', pg, data);
    await pg.close();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
