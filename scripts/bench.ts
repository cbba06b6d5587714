/**
 * `npm run bench`: what the proxy costs a customer, and what recording costs on disk.
 *  1. Latency added by the proxy (median, p99) for a 20 KB HTML page (injected and
 *     captured, body different on every request) and a 200 KB asset (streamed and
 *     captured), direct vs through the proxy in the same run.
 *  2. Requests/s for that HTML page through the proxy (proxy in its own process).
 *  3. Store bytes per recorded session-minute for the demo journey, and bytes added
 *     by a second identical journey (content addressing makes assets nearly free).
 *  Then page load in Chromium, tamper-evidence costs, the WACZ export, the search index's cost to the proxy
 *  (BENCH_ONLY=search runs that alone), the struggle detector's share of the extractor's CPU (BENCH_ONLY=struggle),
 *  the search index at scale, funnels and the journey map (BENCH_ONLY=analytics), click maps over 100,000
 *  generated sessions, the time to first frame of a deep link (BENCH_ONLY=first-frame), the dwell job over 200,000
 *  page views (BENCH_ONLY=dwell), and several gateway
 *  instances over one PostgreSQL + S3 store (BENCH_ONLY=instances) (scripts/bench/).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy } from '../proxy/index';
import { openStore } from '../store/index';
import { forkBenchProcess } from './bench/child';
import { sequential, throughput, request, type Target } from './bench/latency';
import { launchChromium } from './chromium';
import { runJourney } from './sample-bank/journey';
import { startSampleBank } from './sample-bank/server';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_REQUESTS ?? 3000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = 32;

const filler = Array.from({ length: 400 }, (_, i) => `<p class="row-${i % 7}">Statement line ${i}: card payment, reference ${(i * 7919) % 100000}</p>`).join('\n');
const asset = randomBytes(200 * 1024);

function page(i: string): string {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>Account ${i}</title><link rel="stylesheet" href="/a.css"></head><body><h1>Request ${i}</h1>${filler}`;
  return body.slice(0, 20 * 1024 - 14) + '</body></html>';
}

async function main(): Promise<void> {
  const upstream = http.createServer((req, res) => {
    if (req.url?.startsWith('/asset')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': asset.length });
      return void res.end(asset);
    }
    const html = page(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-'));
  const spawnProxy = async (file: string) => {
    const { proc, line } = await forkBenchProcess(file, [dir]);
    return { proc, port: Number(line) };
  };
  const { proc: child, port: proxyPort } = await spawnProxy('proxy-process.ts');
  const { proc: bareChild, port: barePort } = await spawnProxy('bare-proxy.ts');

  const doc = { 'sec-fetch-dest': 'document', accept: 'text/html' };
  const direct = (p: string, headers = {}): Target => ({ host: '127.0.0.1', port: up, path: (i) => `${p}?n=${i}`, headers });
  const via = (port: number) => (p: string, headers = {}): Target => ({ host: '127.0.0.1', port, path: (i) => `http://127.0.0.1:${up}${p}?n=${i}`, headers });
  const proxied = via(proxyPort);
  const bare = via(barePort);
  // Like a browser: keep the session cookie the first document set.
  const cookie = (await request(new http.Agent(), proxied('/page', doc), 0)).setCookie;

  const rows: string[] = [];
  for (const [label, p, headers] of [['20 KB HTML page', '/page', doc], ['200 KB asset', '/asset', {}]] as const) {
    const d = await sequential(direct(p, headers), N);
    const b = await sequential(bare(p, headers), N);
    const v = await sequential(proxied(p, headers), N, cookie);
    const ms = (x: number) => x.toFixed(3);
    rows.push(`| ${label} | ${ms(d.median)} | ${ms(b.median)} (+${ms(b.median - d.median)}) | ${ms(v.median)} | **+${ms(v.median - d.median)}** | ${ms(d.p99)} | ${ms(b.p99)} | ${ms(v.p99)} | **+${ms(v.p99 - d.p99)}** |`);
  }
  // Three rounds each, interleaved, median reported: this VM's throughput wanders by ±25 % between runs.
  const rounds = { direct: [] as number[], bare: [] as number[], proxy: [] as number[] };
  for (let r = 0; r < 3; r++) {
    rounds.direct.push(await throughput(direct('/page', doc), CONCURRENCY, SECONDS));
    rounds.bare.push(await throughput(bare('/page', doc), CONCURRENCY, SECONDS));
    rounds.proxy.push(await throughput(proxied('/page', doc), CONCURRENCY, SECONDS, cookie));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  const [rpsDirect, rpsBare, rpsProxy] = [median(rounds.direct), median(rounds.bare), median(rounds.proxy)];
  child.send('stats');
  const stats = await new Promise<Record<string, number>>((resolve) => child.once('message', (m) => resolve(m as Record<string, number>)));
  child.send('stop');
  bareChild.send('stop');
  upstream.closeAllConnections();
  upstream.close();

  console.log(`\n## Proxy overhead (loopback, ${os.cpus().length} cores, ${N} sequential requests each, keep-alive)\n`);
  console.log('| response | direct median ms | bare Node proxy median ms | Verbatim median ms | Verbatim added | direct p99 ms | bare p99 ms | Verbatim p99 ms | Verbatim added |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log(`\nThroughput, 20 KB HTML with injection and capture, body different on every request, ${CONCURRENCY} connections, ${SECONDS} s:`);
  console.log(`  direct ${Math.round(rpsDirect)} req/s, bare Node proxy ${Math.round(rpsBare)} req/s, Verbatim **${Math.round(rpsProxy)} req/s** (median of 3 rounds: ${rounds.proxy.map(Math.round).join(', ')})`);
  console.log(`  captures written ${stats.captured}, failed ${stats.failed}`);

  await storeCost();
  await rm(dir, { recursive: true, force: true });
}

async function storeCost(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-store-'));
  const storeDir = path.join(dir, 'store');
  const store = await openStore(storeDir);
  const bank = await startSampleBank();
  const proxy = await startProxy({ allowedTargets: LOOPBACK, store, dataDir: dir, port: 0, recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')) });
  const browser = await launchChromium({ server: proxy.url });
  const journey = async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await runJourney(await context.newPage(), bank.url);
    await context.close();
    await proxy.drain();
  };
  const settledSize = () => store.diskUsage();
  const empty = await settledSize();
  await journey();
  const first = (await settledSize()) - empty;
  const [s1] = await store.listSessions({ limit: 1 });
  const minutes = (s1.endedAt - s1.startedAt) / 60_000;
  await journey();
  const afterSecond = (await settledSize()) - empty;
  await browser.close();
  await proxy.close();
  await bank.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  console.log(`\n## Store cost (demo journey: 4 pages, ${s1.eventCount} events, ${(minutes * 60).toFixed(1)} s)\n`);
  console.log(`  first journey: ${kb(first)} on disk = ${kb(first / minutes)} per session-minute`);
  console.log(`  second identical journey adds: ${kb(afterSecond - first)} (${((afterSecond - first) / first * 100).toFixed(0)} % of the first)`);
}

// Search index overhead: the proxy with the search follower off, in-process and on its worker thread (issue #13).
const benchSearch = async () => {
  const { benchSearchOverhead, printSearchOverhead } = await import('./bench/search-overhead');
  const o = { rounds: Number(process.env.BENCH_SEARCH_ROUNDS ?? 5), seconds: Number(process.env.BENCH_SEARCH_SECONDS ?? 5), users: 16, modes: ['off', 'inline', 'worker', 'paced'] as const };
  printSearchOverhead(await benchSearchOverhead({ ...o, modes: [...o.modes] }), o);
};
if (process.env.BENCH_ONLY === 'search') {
  await benchSearch();
  process.exit(0);
}
// What the struggle detector adds to the index's extractor, over recorded corpus journeys (scripts/bench/struggle-overhead.ts).
const benchStruggle = async () => (await import('./bench/struggle-overhead')).benchStruggleOverhead();
if (process.env.BENCH_ONLY === 'struggle') {
  await benchStruggle();
  process.exit(0);
}
// Funnels and the journey map over 100,000 generated sessions, SQLite and PostgreSQL (scripts/bench/analytics.ts).
const benchAnalytics = async () => (await import('./bench/analytics')).benchAnalytics(Number(process.env.BENCH_ANALYTICS_SESSIONS ?? 100_000));
if (process.env.BENCH_ONLY === 'analytics') {
  await benchAnalytics();
  process.exit(0);
}
// Time to first frame of a deep link into a 1-hour session, in Chromium (scripts/bench/first-frame.ts).
const benchFirstFrame = async () => (await import('./bench/first-frame')).benchFirstFrame(Number(process.env.BENCH_FIRST_FRAME_LINKS ?? 24));
if (process.env.BENCH_ONLY === 'first-frame') {
  await benchFirstFrame();
  process.exit(0);
}
// The search's trust job: one session's fidelity and foreign-content run, and the event-loop stall (scripts/bench/trust-job.ts).
const benchTrust = async () => (await import('./bench/trust-job')).benchTrustJob();
// The search's dwell job over 200,000 page views: its run and the event-loop stall (scripts/bench/dwell-job.ts).
const benchDwell = async () => (await import('./bench/dwell-job')).benchDwellJob();
if (process.env.BENCH_ONLY === 'dwell') {
  await benchDwell();
  process.exit(0);
}
// The funnel per customer against per session over 100,000 generated sessions (scripts/bench/customer-funnel.ts).
if (process.env.BENCH_ONLY === 'customer-funnel') {
  await (await import('./bench/customer-funnel')).benchCustomerFunnel();
  process.exit(0);
}
if (process.env.BENCH_ONLY === 'trust') {
  await benchTrust();
  process.exit(0);
}
// 1, 2 and 4 gateway instances over one PostgreSQL + S3 store against as many each over its own LevelDB (scripts/bench/instances.ts).
const benchInstances = async () => (await import('./bench/instances')).runInstancesBench();
if (process.env.BENCH_ONLY === 'instances') {
  await benchInstances();
  process.exit(0);
}
await main();
// BENCH_ONLY=proxy: the proxy-overhead and store-cost sections alone (quick before/after comparisons).
if (process.env.BENCH_ONLY === 'proxy') process.exit(0);
// Page load in Chromium: direct vs forward proxy vs gateway (scripts/bench/page-load.ts).
{
  const { benchPageLoad, printPageLoad } = await import('./bench/page-load');
  const rounds = Number(process.env.BENCH_PAGE_LOAD_ROUNDS ?? 9);
  printPageLoad(await benchPageLoad(rounds, { bare: true }), rounds);
}
// Tamper-evidence costs: seal and verify a 10,000-session store, proof overhead.
await (await import('./bench/integrity')).benchIntegrity(Number(process.env.BENCH_INTEGRITY_SESSIONS ?? 10_000));
// WACZ export of one session: time, CPU, size, peak memory (scripts/bench/wacz-export.ts).
await (await import('./bench/wacz-export')).benchWaczExport(Number(process.env.BENCH_WACZ_CAPTURES ?? 600));
await benchSearch();
await benchStruggle();
// The search index: build, size and ten queries over BENCH_SEARCH_SESSIONS generated sessions (scripts/bench/search-index.ts).
// 10,000 by default: building a million takes hours on this 2-core machine (docs/MEASUREMENTS.md, "Search index").
await (await import('./bench/search-index')).benchSearchIndex(Number(process.env.BENCH_SEARCH_SESSIONS ?? 10_000));
// Click maps and field reports over BENCH_CLICKMAP_SESSIONS (100,000) generated sessions, SQLite and PostgreSQL.
await (await import('./bench/clickmap')).benchClickMap();
await benchAnalytics();
await benchFirstFrame();
await benchTrust();
await benchDwell();
await benchInstances();
process.exit(0);
