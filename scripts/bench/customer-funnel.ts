/**
 * The funnel per customer (analytics/funnels/customer-funnel.ts) against the per-session funnel, on SQLite and on
 * PostgreSQL (a throw-away local cluster, as the analytics bench starts it): the analytics bench's generated sessions
 * (scripts/bench/analytics.ts, 30 days, three channels), three in ten linked to a customer with about three sessions
 * each (the customer lookup answered from a map, as the store's customer link would answer it, without its I/O).
 * Wall time and CPU (this process's, plus PostgreSQL's server processes'): on a loaded machine the wall clock waits for
 * a core, the CPU does not. `BENCH_ONLY=customer-funnel npm run bench`, or alone
 * `npx tsx scripts/bench/customer-funnel.ts [sessions]` (default 100,000).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerFunnelReport } from '../../replay-viewer/analytics/funnels/customer-funnel';
import { funnelReport } from '../../replay-viewer/analytics/funnels/funnel-report';
import { IndexKey } from '../../replay-viewer/search/index-key';
import { PostgresSearchIndex } from '../../replay-viewer/search/postgres/postgres-index';
import type { SearchIndex } from '../../replay-viewer/search/search-index';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import { startPostgres } from '../../test/helpers/postgres-server';
import { BENCH_FUNNEL, batches, serverCpu } from './analytics';

const RUNS = 10;
const DAY = 86_400_000;

interface Timed { p50: number; p95: number; cpu50: number; cpu95: number; answer: string }

async function measure(index: SearchIndex, count: number, dataDir?: string): Promise<{ perSession: Timed; perCustomer: Timed; linked: number }> {
  const customers = new Map<string, string>();
  let n = 0;
  for (const b of batches(count)) {
    for (const s of b.sessions) {
      // Three in ten linked; consecutive linked sessions share a customer three at a time (often across channels).
      if (n % 10 < 3) {
        s.customerLinked = true;
        customers.set(s.id, `C${Math.floor(n / 10)}`);
      }
      n++;
    }
    await index.apply(b);
  }
  const db = index.analyticsDb();
  if (index instanceof PostgresSearchIndex && db.kind === 'postgres') {
    // Steady state, as autovacuum leaves the tables after a bulk load (as the analytics bench does).
    await index.analyze();
    await db.pool.query('VACUUM (ANALYZE) sessions, page_views, interactions, session_paths, markers, requests');
  }
  const period = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 9, 1) + 30 * DAY };
  const time = async (f: () => Promise<{ sessions: number; steps: { reached: number }[] }>): Promise<Timed> => {
    const out: number[] = [];
    const cpu: number[] = [];
    let answer = '';
    for (let i = -2; i < RUNS; i++) {
      const server = dataDir ? serverCpu(dataDir) : 0;
      const c = process.cpuUsage();
      const t = performance.now();
      const r = await f();
      const used = process.cpuUsage(c);
      if (i >= 0) {
        out.push(performance.now() - t);
        cpu.push((used.user + used.system) / 1000 + (dataDir ? serverCpu(dataDir) - server : 0));
      }
      answer = r.steps.map((s) => s.reached).join(' → ');
    }
    out.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const at = (xs: number[], p: number) => xs[Math.ceil(RUNS * p) - 1]!;
    return { p50: at(out, 0.5), p95: at(out, 0.95), cpu50: at(cpu, 0.5), cpu95: at(cpu, 0.95), answer };
  };
  const perSession = await time(() => funnelReport(db, BENCH_FUNNEL, period));
  const perCustomer = await time(() => customerFunnelReport(db, BENCH_FUNNEL, period, async (id) => customers.get(id)));
  return { perSession, perCustomer, linked: customers.size };
}

export async function benchCustomerFunnel(count = Number(process.env.BENCH_CUSTOMER_FUNNEL_SESSIONS ?? 100_000)): Promise<void> {
  const key = new IndexKey(createHash('sha256').update('verbatim bench customer funnel').digest());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-customer-funnel-'));
  const results: [string, Awaited<ReturnType<typeof measure>>][] = [];
  try {
    const sqlite = new SqliteSearchIndex(dir, key);
    await sqlite.open();
    try {
      results.push(['SQLite', await measure(sqlite, count)]);
    } finally {
      await sqlite.close();
    }
    if (process.env.BENCH_CUSTOMER_FUNNEL_PG !== '0') {
      // PostgreSQL's own default shared_buffers (the test clusters cut it to 16 MB); fsync off as in the tests.
      const server = await startPostgres({ settings: { shared_buffers: '128MB' } });
      try {
        const pg = new PostgresSearchIndex({ connection: server.config(await server.createDatabase('bench')) }, key);
        await pg.open();
        try {
          results.push(['PostgreSQL', await measure(pg, count, server.dataDir)]);
        } finally {
          await pg.close();
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const linked = results[0]![1].linked;
  console.log(`\n## Funnel per customer: ${count.toLocaleString('en')} sessions, ${linked.toLocaleString('en')} linked (${RUNS} runs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(', ')})\n`);
  console.log('| Backend | Funnel | p50 / p95 ms | CPU p50 / p95 ms (here + server) | answer |');
  console.log('|---|---|---|---|---|');
  for (const [backend, r] of results) {
    for (const [name, t] of [['per session', r.perSession], ['per customer', r.perCustomer]] as const) {
      console.log(`| ${backend} | ${name} | ${t.p50.toFixed(0)} / ${t.p95.toFixed(0)} | ${t.cpu50.toFixed(0)} / ${t.cpu95.toFixed(0)} | ${t.answer} |`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCustomerFunnel(process.argv[2] ? Number(process.argv[2]) : undefined);
