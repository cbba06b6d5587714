/**
 * Funnels and the journey map at scale (issue #14, speed): BENCH_ANALYTICS_SESSIONS (default 100,000) generated
 * sessions written straight into the index (no browser: IndexBatch with sessions and analytics rows, as the follower
 * would write them, pages of 500 sessions) on SQLite and on PostgreSQL; then a 5-step funnel and the journey map over
 * the whole 30-day period (every session in it), 20 timed runs after 2 warm-ups, p50/p95/max, both backends giving
 * the same answer; then a 5-step funnel of request and marker steps (index/markers.ts, index/requests.ts) the same
 * way. PostgreSQL runs on a throw-away local cluster (test/helpers/postgres-server.ts: unix socket,
 * fsync off). Alone: `npx tsx scripts/bench/analytics.ts [sessions]`; in `npm run bench`: BENCH_ONLY=analytics.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { funnelReport } from '../../replay-viewer/analytics/funnels/funnel-report';
import type { FunnelDefinition } from '../../replay-viewer/analytics/funnels/definition';
import type { AnalyticsRow } from '../../replay-viewer/analytics/index/analytics-table';
import type { MarkerRow } from '../../replay-viewer/analytics/index/markers';
import type { Interaction, PageView } from '../../replay-viewer/analytics/index/page-views';
import type { RequestRow } from '../../replay-viewer/analytics/index/requests';
import { PATH_DEPTH, PATH_SEPARATOR, pathSteps, type SessionPath } from '../../replay-viewer/analytics/index/session-paths';
import { journeyReport } from '../../replay-viewer/analytics/journeys/journey-report';
import { IndexKey } from '../../replay-viewer/search/index-key';
import { PostgresSearchIndex } from '../../replay-viewer/search/postgres/postgres-index';
import type { IndexBatch, SearchIndex } from '../../replay-viewer/search/search-index';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import { startPostgres } from '../../test/helpers/postgres-server';
import { percentile } from './latency';

const T0 = Date.UTC(2026, 9, 1);
const DAY = 86_400_000;
const DAYS = 30;
const PAGE = 500;
const RUNS = 20;
const PAGES = ['/', '/accounts/:id', '/payments/transfer', '/payments/done', '/cards', '/cards/:id/limits', '/statements/:id', '/help', '/profile', '/savings', '/loans', '/messages'];

export const BENCH_FUNNEL: FunnelDefinition = {
  name: 'Transfer (5 steps)',
  steps: [
    { kind: 'page', match: '/', label: 'Home' },
    { kind: 'page', match: '/accounts/*', label: 'Account' },
    { kind: 'click', match: '#new-transfer', label: 'New transfer' },
    { kind: 'submit', match: '#send', label: 'Send' },
    { kind: 'page', match: '/payments/done', label: 'Done' },
  ],
};

/** The same journey by the site's own analytics markers and the proxy's captures. */
export const BENCH_MARKER_FUNNEL: FunnelDefinition = {
  name: 'Transfer by markers and requests (5 steps)',
  steps: [
    { kind: 'page', match: '/', label: 'Home' },
    { kind: 'request', match: 'GET /api/accounts/* 2xx', label: 'Account loaded' },
    { kind: 'marker', match: 'transfer_*', label: 'Transfer started' },
    { kind: 'request', match: 'POST /api/transfers 2xx', label: 'Transfer sent' },
    { kind: 'marker', match: 'purchase', label: 'Done' },
  ],
};

function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** One session's walk: mostly home → account → transfer → done, with detours and exits on the way. */
function session(n: number, r: () => number): { rows: AnalyticsRow[]; startedAt: number; device: string; channel: string } {
  const startedAt = T0 + Math.floor(r() * DAYS * DAY);
  const views: PageView[] = [];
  const acts: Interaction[] = [];
  const markers: MarkerRow[] = [];
  const requests: RequestRow[] = [];
  let at = startedAt;
  let page = r() < 0.85 ? '/' : PAGES[4 + Math.floor(r() * 8)]!;
  for (let step = 0; step < 14; step++) {
    const pageId = `p${step}`;
    const dwell = 800 + Math.floor(r() * 20_000);
    views.push({ pageId, at, host: 'bank.example', url: page, title: page, dwellMs: dwell });
    // Markers and requests take no draw from r(): the walk, and the page funnel's answer, stay as they were.
    if (page === '/accounts/:id') requests.push({ at: at + 150, method: 'GET', host: 'bank.example', url: '/api/accounts/:id', status: 200 });
    if (page === '/payments/transfer') markers.push({ pageId, at: at + 250, name: 'transfer_start', source: 'dataLayer' });
    if (page === '/payments/done') markers.push({ pageId, at: at + 50, name: 'purchase', source: 'mark' });
    if (page === '/accounts/:id' && r() < 0.7) acts.push({ pageId, at: at + 300, kind: 'click', selector: '#new-transfer', url: page });
    if (page === '/payments/transfer') {
      acts.push({ pageId, at: at + 200, kind: 'click', selector: '#iban', url: page });
      if (r() < 0.65) {
        acts.push({ pageId, at: at + dwell - 100, kind: 'click', selector: '#send', url: page });
        acts.push({ pageId, at: at + dwell - 100, kind: 'submit', selector: '#send', url: page });
        requests.push({ at: at + dwell - 60, method: 'POST', host: 'bank.example', url: '/api/transfers', status: dwell % 10 === 0 ? 422 : 201 });
      }
    }
    at += dwell;
    const x = r();
    if (x < 0.12) break; // left
    if (page === '/') page = x < 0.7 ? '/accounts/:id' : PAGES[4 + Math.floor(r() * 8)]!;
    else if (page === '/accounts/:id') page = acts.some((a) => a.selector === '#new-transfer' && a.pageId === pageId) ? '/payments/transfer' : PAGES[Math.floor(r() * PAGES.length)]!;
    else if (page === '/payments/transfer') page = acts.some((a) => a.kind === 'submit' && a.pageId === pageId) && x < 0.9 ? '/payments/done' : '/';
    else page = PAGES[Math.floor(r() * PAGES.length)]!;
  }
  const steps = pathSteps(views);
  const path: SessionPath = { path: steps.slice(0, PATH_DEPTH).join(PATH_SEPARATOR), entry: steps[0]!, exit: steps.at(-1)!, steps: steps.length, firstAt: startedAt };
  return {
    startedAt, device: ['desktop', 'mobile', 'tablet'][n % 3]!, channel: ['proxy', 'kiosk', 'gateway'][n % 3]!,
    rows: [
      ...views.map((row) => ({ table: 'page_views', row })), ...acts.map((row) => ({ table: 'interactions', row })),
      ...markers.map((row) => ({ table: 'markers', row })), ...requests.map((row) => ({ table: 'requests', row })),
      { table: 'session_paths', row: path },
    ],
  };
}

export function* batches(count: number): Generator<IndexBatch> {
  const r = rng(14);
  for (let p = 0; p * PAGE < count; p++) {
    const batch: IndexBatch = { cursor: p + 1, sessions: [], hits: [], analytics: [] };
    for (let i = 0; i < PAGE && p * PAGE + i < count; i++) {
      const n = p * PAGE + i;
      const id = `bench-${String(n).padStart(7, '0')}`;
      const s = session(n, r);
      batch.sessions.push({ id, channel: s.channel, startedAt: s.startedAt, endedAt: s.startedAt + 600_000, pageCount: 5, durationMs: 600_000,
        activeMs: 30_000, customerLinked: false, device: s.device, browser: 'Chrome 140', os: 'Linux' });
      batch.analytics!.push({ sessionId: id, rows: s.rows });
    }
    yield batch;
  }
}

/**
 * Times in ms: wall clock, this process's CPU (for SQLite the whole query runs here) and, for PostgreSQL, its
 * server's (the backends' CPU): on a loaded machine the wall clock waits for a core, the CPU does not.
 */
interface Figures {
  backend: string; buildS: number; rows: number; funnel: number[]; journey: number[]; funnelCpu: number[]; journeyCpu: number[]; funnelServerCpu?: number[]; journeyServerCpu?: number[]; answer: string;
  markerFunnel: number[]; markerFunnelCpu: number[]; markerFunnelServerCpu?: number[]; markerAnswer: string;
}

/** CPU ms (user + system) of the server's backends so far: the children of the postmaster (Linux /proc, 10 ms ticks). */
export function serverCpu(dataDir: string): number {
  const postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  const tick = 1000 / 100;
  let ms = 0;
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (f[1] === postmaster) ms += (Number(f[11]) + Number(f[12])) * tick;
    } catch {
      // Gone meanwhile.
    }
  }
  return ms;
}

async function measure(backend: string, index: SearchIndex, count: number, dataDir?: string): Promise<Figures> {
  const t = performance.now();
  let rows = 0;
  for (const b of batches(count)) {
    rows += b.analytics!.reduce((n, a) => n + a.rows.length, 0);
    await index.apply(b);
  }
  const buildS = (performance.now() - t) / 1000;
  if (index instanceof PostgresSearchIndex) {
    await index.analyze();
    // Steady state, as autovacuum leaves a table after a bulk load: the visibility map set (index-only scans without
    // heap fetches), and no autovacuum worker started by the load competing with the timed runs (its CPU would also
    // count in the server's column).
    const db = index.analyticsDb();
    if (db.kind === 'postgres') await db.pool.query('VACUUM (ANALYZE) sessions, page_views, interactions, session_paths, markers, requests');
  }
  const db = index.analyticsDb();
  const period = { from: T0, to: T0 + DAYS * DAY };
  const time = async (f: () => Promise<unknown>) => {
    const out: number[] = [];
    const cpu: number[] = [];
    const server: number[] = [];
    let answer: unknown;
    for (let i = -2; i < RUNS; i++) {
      const before = dataDir ? serverCpu(dataDir) : 0;
      const s = performance.now();
      const c = process.cpuUsage();
      answer = await f();
      const used = process.cpuUsage(c);
      if (i >= 0) {
        out.push(performance.now() - s);
        cpu.push((used.user + used.system) / 1000);
        if (dataDir) server.push(serverCpu(dataDir) - before);
      }
    }
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    return { times: sorted(out), cpu: sorted(cpu), server: dataDir ? sorted(server) : undefined, answer };
  };
  const f = await time(() => funnelReport(db, BENCH_FUNNEL, period));
  const j = await time(() => journeyReport(db, period));
  const m = await time(() => funnelReport(db, BENCH_MARKER_FUNNEL, period));
  const mr = m.answer as Awaited<ReturnType<typeof funnelReport>>;
  const markerAnswer = `funnel ${mr.steps.map((s) => s.reached).join(' → ')} (medians ${mr.steps.map((s) => s.medianMs ?? '-').join(', ')} ms)`;
  const fr = f.answer as Awaited<ReturnType<typeof funnelReport>>;
  const jr = j.answer as Awaited<ReturnType<typeof journeyReport>>;
  const answer = `funnel ${fr.steps.map((s) => s.reached).join(' → ')} (medians ${fr.steps.map((s) => s.medianMs ?? '-').join(', ')} ms); journeys ${jr.sessions} sessions, ${jr.links.length} links, top ${jr.links[0]?.from} → ${jr.links[0]?.to} ${jr.links[0]?.sessions}`;
  return { backend, buildS, rows, funnel: f.times, journey: j.times, funnelCpu: f.cpu, journeyCpu: j.cpu, funnelServerCpu: f.server, journeyServerCpu: j.server, answer,
    markerFunnel: m.times, markerFunnelCpu: m.cpu, markerFunnelServerCpu: m.server, markerAnswer };
}

export async function benchAnalytics(count = Number(process.env.BENCH_ANALYTICS_SESSIONS ?? 100_000)): Promise<void> {
  const key = new IndexKey(createHash('sha256').update('verbatim bench analytics').digest());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-analytics-'));
  const results: Figures[] = [];
  try {
    const sqlite = new SqliteSearchIndex(dir, key);
    await sqlite.open();
    results.push(await measure('SQLite (embedded)', sqlite, count));
    await sqlite.close();
    // PostgreSQL's own default shared_buffers (the test clusters cut it to 16 MB); fsync off as in the tests.
    const server = await startPostgres({ settings: { shared_buffers: '128MB' } });
    try {
      const pg = new PostgresSearchIndex({ connection: server.config(await server.createDatabase('bench')) }, key);
      await pg.open();
      results.push(await measure('PostgreSQL', pg, count, server.dataDir));
      await pg.close();
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const ms = (x: number) => x.toFixed(0);
  const n = (x: number) => Math.round(x).toLocaleString('en');
  console.log(`\n## Funnels and journey map (${n(count)} generated sessions over ${DAYS} days, ${os.cpus().length} cores, ${RUNS} runs)\n`);
  console.log('| Backend | Rows written | Build | 5-step funnel p50 / p95 / max (ms) | its CPU p50 / p95 (ms): here + server | Journey map p50 / p95 / max (ms) | its CPU p50 / p95 (ms): here + server |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const trio = (t: number[]) => `${ms(percentile(t, 50))} / **${ms(percentile(t, 95))}** / ${ms(t.at(-1)!)}`;
    const cpu = (here: number[], server?: number[]) => [50, 95].map((p) => `${ms(percentile(here, p))}${server ? ` + ${ms(percentile(server, p))}` : ''}`).join(' / ');
    console.log(`| ${r.backend} | ${n(r.rows)} | ${r.buildS.toFixed(1)} s | ${trio(r.funnel)} | ${cpu(r.funnelCpu, r.funnelServerCpu)} | ${trio(r.journey)} | ${cpu(r.journeyCpu, r.journeyServerCpu)} |`);
  }
  console.log('\n| Backend | 5-step funnel by markers and requests p50 / p95 / max (ms) | its CPU p50 / p95 (ms): here + server |');
  console.log('|---|---|---|');
  for (const r of results) {
    const trio = (t: number[]) => `${ms(percentile(t, 50))} / **${ms(percentile(t, 95))}** / ${ms(t.at(-1)!)}`;
    console.log(`| ${r.backend} | ${trio(r.markerFunnel)} | ${[50, 95].map((p) => `${ms(percentile(r.markerFunnelCpu, p))}${r.markerFunnelServerCpu ? ` + ${ms(percentile(r.markerFunnelServerCpu, p))}` : ''}`).join(' / ')} |`);
  }
  console.log(`\nLoad average while measuring: ${os.loadavg().map((x) => x.toFixed(1)).join(', ')} (wall times grow with it; the CPU columns do not).`);
  for (const r of results) console.log(`\n${r.backend}: ${r.answer}; by markers and requests: ${r.markerAnswer}`);
  if (results.length === 2 && (results[0]!.answer !== results[1]!.answer || results[0]!.markerAnswer !== results[1]!.markerAnswer)) console.log('\n**The backends answered differently.**');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchAnalytics(process.argv[2] ? Number(process.argv[2]) : undefined);
