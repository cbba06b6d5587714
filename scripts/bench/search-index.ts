/**
 * The search index at scale (issue #13): a generated store of BENCH_SEARCH_SESSIONS sessions (search-corpus.ts) fed
 * through the real SqliteSearchIndex.apply in follower-sized batches; build throughput, bytes on disk per session,
 * then p50/p95/max of ten representative queries through parseQuery + search (and matches) as the API runs them.
 * The built index is kept in the temp dir under the seed and count, so a second run measures queries only
 * (BENCH_SEARCH_REBUILD=1 builds afresh; BENCH_SEARCH_DIR puts it elsewhere). Alone: `BENCH_SEARCH_SESSIONS=20000 npx tsx scripts/bench/search-index.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCursor } from '../../replay-viewer/search/cursor';
import { IndexKey } from '../../replay-viewer/search/index-key';
import { parseQuery } from '../../replay-viewer/search/query/index';
import type { IndexBatch, SearchOptions } from '../../replay-viewer/search/search-index';
import { SqliteSearchIndex } from '../../replay-viewer/search/sqlite/sqlite-index';
import { CORPUS_START, Corpus, DEVICES, type Samples } from './search-corpus';
import { percentile } from './latency';

const SEED = 13;
/** The follower ends a page of the feed at this many hits (follower.ts MAX_HITS_PER_WRITE). */
const HITS_PER_BATCH = 1_000;
const DAY = 86_400_000;
/** Queries are parsed as if run at the end of the corpus's year. */
const NOW = CORPUS_START + 365 * DAY;

interface Built {
  sessions: number;
  hits: number;
  buildMs: number;
  /** CPU time of the build (user + system), for the cost per recorded hit. */
  cpuMs: number;
  bytes: number;
  samples: Samples;
  customers: [string, string[]][];
}

interface QueryCase {
  name: string;
  /** The i-th run's query text and options. */
  make(i: number): { q: string; options?: Partial<SearchOptions>; matchesOf?: string };
}

export async function benchSearchIndex(count: number, runs = Number(process.env.BENCH_SEARCH_RUNS ?? 30)): Promise<void> {
  const dir = process.env.BENCH_SEARCH_DIR ?? path.join(os.tmpdir(), `verbatim-bench-search-${SEED}-${count}`);
  const key = new IndexKey(createHash('sha256').update(`verbatim bench ${SEED}`).digest());
  const built = await cachedOrBuilt(dir, key, count);
  const index = new SqliteSearchIndex(dir, key);
  await index.open();
  const customers = new Map(built.customers);
  const rows: string[] = [];
  for (const c of cases(built.samples)) {
    const times: number[] = [];
    const totals: number[] = [];
    let empty = 0;
    for (let i = -2; i < runs; i++) { // two warm-up runs, not counted
      const { q, options, matchesOf } = c.make(i + 2);
      const start = performance.now();
      const node = parseQuery(q, { now: NOW });
      let found: number;
      if (matchesOf) found = (await index.matches(matchesOf, node, { customerSessions: customers })).length;
      else found = (await index.search(node, { limit: 50, facets: [], customerSessions: customers, ...options })).total;
      const ms = performance.now() - start;
      if (i < 0) continue;
      times.push(ms);
      totals.push(found);
      if (found === 0) empty++;
    }
    times.sort((a, b) => a - b);
    totals.sort((a, b) => a - b);
    const f = (x: number) => x.toFixed(1);
    const p95 = percentile(times, 95);
    rows.push(`| ${c.name} | \`${c.make(0).q}\` | ${runs} | ${f(percentile(times, 50))} | ${p95 >= 100 ? `**${f(p95)}**` : f(p95)} | ${f(times[times.length - 1]!)} | ${percentile(totals, 50)}${empty ? ` (${empty} empty)` : ''} |`);
  }
  await index.close();
  const n = (x: number) => Math.round(x).toLocaleString('en');
  console.log(`\n## Search index (${n(built.sessions)} generated sessions, ${n(built.hits)} hits, ${os.cpus().length} cores)\n`);
  console.log(`  build: ${(built.buildMs / 1000).toFixed(1)} s wall, ${n(built.sessions / (built.buildMs / 1000))} sessions/s, ${n(built.hits / (built.buildMs / 1000))} hits/s, `
    + `${(built.cpuMs * 1000 / built.hits).toFixed(1)} µs CPU per hit (batches of ~${HITS_PER_BATCH} hits)`);
  console.log(`  on disk: ${(built.bytes / 2 ** 20).toFixed(1)} MiB after a WAL checkpoint = ${n(built.bytes / built.sessions)} bytes per session, ${n(built.bytes / built.hits)} per hit\n`);
  console.log('| query | example | runs | p50 ms | p95 ms | max ms | matching sessions (median; exact up to 10,000) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

/** The ten queries of issue #13, plus `matches` in one session; parameters drawn from what the corpus holds. */
function cases(s: Samples): QueryCase[] {
  const at = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return [
    { name: 'customer id', make: (i) => ({ q: `customer:${at(s.customers, i)}` }) },
    { name: 'URL prefix', make: (i) => ({ q: `url:${at(s.urlPrefixes, i)}*` }) },
    { name: 'phrase seen', make: (i) => ({ q: `"${at(s.phrases, i).text}"` }) },
    { name: 'typed value', make: (i) => ({ q: `typed:${at(s.typed, i)}` }) },
    { name: 'error text', make: (i) => ({ q: `error:"${at(s.errors, i)}"` }) },
    { name: 'status >= 500 on a host', make: (i) => ({ q: `status:>=500 host:${at(s.hosts5xx, i)}` }) },
    // Device, country and a fortnight around a session that has them.
    { name: 'device + country + time range', make: (i) => {
      const x = at(s.sessions, i * 7);
      return { q: `device:${x.device} country:${x.country} after:${day(x.startedAt - 7 * DAY)} before:${day(x.startedAt + 7 * DAY)}` };
    } },
    { name: 'two-step sequence', make: (i) => ({ q: `url:${at(s.urlPrefixes, i)}* then status:>=500` }) },
    { name: 'facet count (device, country, status)', make: (i) => {
      const x = at(s.sessions, i * 11);
      return { q: `country:${x.country} after:${day(x.startedAt - 15 * DAY)} before:${day(x.startedAt + 15 * DAY)}`, options: { facets: ['device', 'country', 'status'] } };
    } },
    // A cursor deep in the year: what paging far down a broad query asks.
    { name: 'deep page (older than a cursor)', make: (i) => ({ q: `device:${at(DEVICES, i)}`, options: { cursor: encodeCursor({ startedAt: at(s.sessions, i * 37).startedAt, id: at(s.sessions, i * 37).id }) } }) },
    { name: 'matches in one session (phrase)', make: (i) => ({ q: `"${at(s.phrases, i).text}"`, matchesOf: at(s.phrases, i).session }) },
  ];
}

async function cachedOrBuilt(dir: string, key: IndexKey, count: number): Promise<Built> {
  const done = path.join(dir, 'built.json');
  if (process.env.BENCH_SEARCH_REBUILD !== '1') {
    const cached = await readFile(done, 'utf8').catch(() => undefined);
    if (cached) {
      console.error(`search bench: reusing the index built in ${dir}`);
      const built = JSON.parse(cached) as Built;
      // Built by an older bench that kept fewer samples: the corpus is seeded, so generate it again for them.
      if (built.samples.sessions[0]?.device === undefined) Object.assign(built, samplesOf(count));
      return built;
    }
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const built = await build(dir, key, count);
  await writeFile(done, JSON.stringify(built));
  return built;
}

function samplesOf(count: number): Pick<Built, 'samples' | 'customers'> {
  const corpus = new Corpus(SEED, count);
  for (const _ of corpus.sessions()); // eslint-disable-line @typescript-eslint/no-unused-vars
  return { samples: corpus.samples, customers: customersOf(corpus) };
}

/** The sampled customers' sessions (the store's blind customer index answers this in the API). */
function customersOf(corpus: Corpus): [string, string[]][] {
  return [...new Set(corpus.samples.customers)].map((c) => [c, corpus.customerSessions.get(c)!]);
}

async function build(dir: string, key: IndexKey, count: number): Promise<Built> {
  const corpus = new Corpus(SEED, count);
  const index = new SqliteSearchIndex(dir, key);
  await index.open();
  let batch: IndexBatch = { cursor: 0, sessions: [], hits: [] };
  let inBatch = 0;
  let sessions = 0;
  let hits = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let shown = t0;
  const flush = async () => {
    batch.cursor += 1;
    await index.apply(batch);
    batch = { cursor: batch.cursor, sessions: [], hits: [] };
    inBatch = 0;
  };
  for (const g of corpus.sessions()) {
    batch.sessions.push(g.facts);
    batch.hits.push({ sessionId: g.facts.id, hits: g.hits });
    if (g.customer) batch.customerLinked = [...(batch.customerLinked ?? []), g.facts.id];
    inBatch += g.hits.length;
    sessions++;
    hits += g.hits.length;
    if (inBatch >= HITS_PER_BATCH) await flush();
    if (performance.now() - shown > 15_000) {
      shown = performance.now();
      console.error(`search bench: ${sessions.toLocaleString('en')} of ${count.toLocaleString('en')} sessions, ${Math.round(sessions / ((shown - t0) / 1000))}/s`);
    }
  }
  if (inBatch) await flush();
  const buildMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Closing the last connection checkpoints the WAL into the database file and removes it.
  await index.close();
  let bytes = 0;
  for (const f of await readdir(dir)) bytes += (await stat(path.join(dir, f))).size;
  return { sessions, hits, buildMs, cpuMs: (cpu.user + cpu.system) / 1000, bytes, samples: corpus.samples, customers: customersOf(corpus) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchSearchIndex(Number(process.env.BENCH_SEARCH_SESSIONS ?? 10_000));
}
