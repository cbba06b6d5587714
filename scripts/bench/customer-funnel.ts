/**
 * The funnel per customer (analytics/funnels/customer-funnel.ts) against the per-session funnel, SQLite index: the
 * analytics bench's generated sessions (scripts/bench/analytics.ts, 30 days, three channels), three in ten linked to a
 * customer with about three sessions each (the customer lookup answered from a map, as the store's customer link would
 * answer it, without its I/O). `BENCH_ONLY=customer-funnel npm run bench`, or alone `npx tsx scripts/bench/customer-funnel.ts [sessions]` (default 100,000).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { customerFunnelReport } from '../../replay-viewer/analytics/funnels/customer-funnel';
import { funnelReport } from '../../replay-viewer/analytics/funnels/funnel-report';
import { IndexKey } from '../../replay-viewer/search/index-key';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import { BENCH_FUNNEL, batches } from './analytics';

const RUNS = 10;
const DAY = 86_400_000;

export async function benchCustomerFunnel(count = Number(process.env.BENCH_CUSTOMER_FUNNEL_SESSIONS ?? 100_000)): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-customer-funnel-'));
  const index = new SqliteSearchIndex(dir, new IndexKey(createHash('sha256').update('verbatim bench customer funnel').digest()));
  await index.open();
  const customers = new Map<string, string>();
  try {
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
    const period = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 9, 1) + 30 * DAY };
    const time = async (f: () => Promise<{ sessions: number; steps: { reached: number }[] }>) => {
      const out: number[] = [];
      let answer = '';
      for (let i = -2; i < RUNS; i++) {
        const t = performance.now();
        const r = await f();
        if (i >= 0) out.push(performance.now() - t);
        answer = r.steps.map((s) => s.reached).join(' → ');
      }
      out.sort((a, b) => a - b);
      return { p50: out[Math.floor(RUNS / 2)]!, p95: out[Math.ceil(RUNS * 0.95) - 1]!, answer };
    };
    const perSession = await time(() => funnelReport(db, BENCH_FUNNEL, period));
    const perCustomer = await time(() => customerFunnelReport(db, BENCH_FUNNEL, period, async (id) => customers.get(id)));
    console.log(`\n## Funnel per customer: ${count.toLocaleString('en')} sessions, ${customers.size.toLocaleString('en')} linked (SQLite, ${RUNS} runs, load average ${os.loadavg()[0]!.toFixed(1)})\n`);
    console.log('| Funnel | p50 ms | p95 ms | answer |');
    console.log('|---|---|---|---|');
    console.log(`| per session | ${perSession.p50.toFixed(0)} | ${perSession.p95.toFixed(0)} | ${perSession.answer} |`);
    console.log(`| per customer | ${perCustomer.p50.toFixed(0)} | ${perCustomer.p95.toFixed(0)} | ${perCustomer.answer} |`);
  } finally {
    await index.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchCustomerFunnel(process.argv[2] ? Number(process.argv[2]) : undefined);
