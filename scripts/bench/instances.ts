/**
 * Several instances, one store (issue #15, "Speed"): throughput with injection and capture for 1, 2 and 4 gateway
 * instances (instance-process.ts, each its own process) over one PostgreSQL store with bodies in S3 (RGW), against
 * as many instances each over its own embedded LevelDB store (the baseline at the same count: four processes on two
 * cores contend for CPU whatever their store, so four PostgreSQL instances are compared with four embedded ones);
 * per-instance CPU, the backend's CPU, added latency p50/p99 against the site directly, and write amplification
 * (bytes the backend grew per byte of response body captured).
 *
 * Load: USERS virtual users, each loading a page set again and again (a 20 KB HTML document, different every time,
 * injected and captured, then its stylesheet, script and image, the same bytes every time: content addressing stores
 * them once), each with its own session cookie, requests handed to the instances round robin as a load balancer
 * would (so a session's requests alternate between instances). Embedded instances shard sessions instead: each
 * user's requests go to one instance (users spread evenly), since an instance over its own store cannot continue a
 * session another one started (its cookie would name a session this store never saw, and each request would start
 * one). Same users, same page set, the same requests per instance. Closed loop over keep-alive connections, no nginx
 * (its CPU would be charged to nobody). The "sticky" variant over PostgreSQL routes as the embedded shards do (a load
 * balancer's `hash $cookie_…` or ip_hash): what sessions shared between instances cost, apart from the store's own
 * cost; pg_stat_statements counts the statements and the time spent in the advisory locks (pg-statements.ts). Everything shares this machine's cores: the load generator and the site run
 * in this process, so per-instance CPU (from /proc) is the steadier figure, and the load average is printed beside.
 * After the warm-up the PostgreSQL database is analyzed, as autovacuum keeps a database in service (plans cached while
 * the fresh tables were empty scan them whole; docs/MEASUREMENTS.md, "Plans made on empty tables").
 *
 *   BENCH_ONLY=instances npm run bench      or      npx tsx scripts/bench/instances.ts
 *   BENCH_INSTANCES=1,2,4  BENCH_INSTANCES_EMBEDDED=1,2,4 (default: the same counts)  BENCH_INSTANCES_SECONDS=8
 *   BENCH_INSTANCES_STICKY=2,4 (PostgreSQL, sessions kept on one instance; default: the counts above 1; 0: none)
 *   BENCH_INSTANCES_USERS=16  BENCH_JSON=<file>
 *   BENCH_INSTANCES_RATE=<page sets per second per instance>  open loop: the same offered load over both backends, so the
 *     CPU per request compares at the same rate (closed, the default, each configuration goes as fast as it can; on
 *     this 2-core machine PostgreSQL's own processes take a share of the same cores, so the instances over it run
 *     slower, and an instance's CPU per request grows as its request rate falls: fewer requests share each event-loop
 *     turn, socket write and commit)
 *   BENCH_INSTANCES_ROUNDS=3  every configuration run this many times, the embedded and PostgreSQL runs of a count
 *     back to back and in alternating order; the comparison is the median of the rounds' ratios (one run's ratio moves
 *     by tens of points on this VM from one minute to the next, more than any change measured)
 *   BENCH_INSTANCES_CPU_PROF=<dir>  V8 CPU profiles of the instances (what an instance spends its CPU on)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server';
import { startRgw, type RgwServer } from '../../test/helpers/rgw-server';
import { forkBenchProcess } from './child';
import { median, percentile } from './latency';
import { cpuSecondsOf, treeCpuSeconds } from './proc-cpu';
import { enableStatements, readStatements, resetStatements, sampleLockHeld, STATEMENTS_SETTINGS, type StatementFigures } from './pg-statements';
import { WRITE_LOCK_KEY } from '../../store/postgres/postgres-store';
import { storeCaptureCost, type StoreCostResult } from './store-capture-cost';

// The SDK's notice that its 2027 releases need Node 22 (README, "Deployment"), once per instance, is not a figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface InstancesOptions {
  /** Instance counts over PostgreSQL + S3. */
  counts: number[];
  /** Instance counts of the embedded baseline, each instance over its own LevelDB data dir. */
  embeddedCounts: number[];
  /** Instance counts over PostgreSQL + S3 with sticky sessions (each user on one instance, as the embedded shards). */
  stickyCounts: number[];
  seconds: number;
  warmupSeconds: number;
  users: number;
  /** Sequential page sets for the added-latency probe (each: direct and through an instance, interleaved). */
  probeSets: number;
  /** Page sets written straight through the store API for the store-alone cost (store-capture-cost.ts). */
  storePageSets: number;
  /** Runs of every configuration (see the header). */
  rounds: number;
  /** Open loop: page sets per second per instance, offered alike to both backends (0: closed loop, as fast as it goes). */
  rate: number;
}

export interface ConfigResult {
  /** Which round of the run (0-based): compared with the embedded run of the same round and count. */
  round: number;
  backend: 'embedded LevelDB' | 'PostgreSQL + S3 (RGW)';
  instances: number;
  /** How requests reach the instances: round robin (a session meets every instance) or one instance per user. */
  balancing: 'round robin' | 'sticky' | 'sharded';
  seconds: number;
  requests: number;
  reqPerSecond: number;
  /**
   * cpuCores: under load; idleCores: with no request at all afterwards (timers, pools, leadership), which on a
   * loaded machine with few requests per instance weighs on cpuUsPerRequest; netUsPerRequest leaves it out.
   */
  perInstance: { requests: number; reqPerSecond: number; cpuCores: number; idleCores: number; cpuUsPerRequest: number; netUsPerRequest: number; reqPerCpuSecond: number }[];
  /** Cores the backend's processes used during the measured window (PostgreSQL; RGW's radosgw, OSD and monitor). */
  backendCores: { postgres: number; objectStore: number };
  backendUsPerRequest: number;
  /** Cores this process (load generator and site) used: when near a whole core, it, not the instances, sets the pace. */
  generatorCores: number;
  /** Under load, every request of the page set. */
  loaded: { p50: number; p99: number };
  /** Sequential, no other load: through an instance, the site directly, and the difference, ms. */
  probe: { via: { p50: number; p99: number }; direct: { p50: number; p99: number }; addedP50: number; addedP99: number };
  /** Response body bytes the site sent through the instances (what was captured), and what the backend grew by. */
  capturedBytes: number;
  backendBytes: { database: number; wal: number; objects: number; level: number };
  writeAmplification: number;
  /** After the load stopped: how long until every capture was stored (the store's backlog). */
  drainMs: number;
  /** Open loop only: page sets due while every virtual user was busy (not sent: the instances fell behind). */
  missedPageSets: number;
  captures: { stored: number; failed: number; dropped: number };
  /** PostgreSQL transactions over the whole run (start to stop): rolled back ones are writers' conflicts, retried. */
  transactions?: { committed: number; rolledBack: number };
  /** PostgreSQL statements during the measured window (pg-statements.ts). */
  statements?: StatementFigures;
  /** The write lock during the measured window: share of pg_locks samples that found it held, and ms held per commit. */
  writeLockHeld?: { samples: number; share: number; msPerCommit: number };
  loadAverage: { before: number; after: number };
}

const IDLE_SECONDS = 2;
const IN_FLIGHT_NOTE = '16 page sets in flight, CPU time of every thread';
const here = path.dirname(fileURLToPath(import.meta.url));
const filler = Array.from({ length: 400 }, (_, i) => `<p class="row-${i % 7}">Statement line ${i}: card payment, reference ${(i * 7919) % 100000}</p>`).join('\n');
const ASSETS: Record<string, { type: string; body: Buffer }> = {
  '/static/app.css': { type: 'text/css', body: Buffer.from(Array.from({ length: 300 }, (_, i) => `.row-${i} { margin: ${i % 9}px; color: #${(i * 4099).toString(16).padStart(6, '0').slice(0, 6)}; }`).join('\n').slice(0, 8 * 1024)) },
  '/static/app.js': { type: 'text/javascript', body: Buffer.from(Array.from({ length: 900 }, (_, i) => `function f${i}(a) { return a * ${i} + ${(i * 31) % 97}; }`).join('\n').slice(0, 30 * 1024)) },
  '/static/logo.png': { type: 'image/png', body: randomBytes(40 * 1024) },
};
const PAGE_SET = ['/account', ...Object.keys(ASSETS)];
const DOC_HEADERS = { 'sec-fetch-dest': 'document', accept: 'text/html' };

function page(url: string): string {
  const head = `<!doctype html><html><head><meta charset="utf-8"><title>Account ${url}</title><link rel="stylesheet" href="/static/app.css"><script src="/static/app.js"></script></head><body><h1>Request ${url}</h1><img src="/static/logo.png" alt="logo">`;
  return (head + filler).slice(0, 20 * 1024 - 14) + '</body></html>';
}

/** The site. Counts the body bytes it sends to the gateways (they add X-Forwarded-For; the direct probe does not). */
async function startSite(): Promise<{ port: number; viaBytes: () => number; close: () => void }> {
  let viaBytes = 0;
  const server = http.createServer((req, res) => {
    const asset = ASSETS[(req.url ?? '').split('?')[0]!];
    const body = asset ? asset.body : Buffer.from(page(req.url ?? ''));
    if (req.headers['x-forwarded-for']) viaBytes += body.length;
    res.writeHead(200, { 'content-type': asset ? asset.type : 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    viaBytes: () => viaBytes,
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

interface Timed { ms: number; setCookie?: string }

function get(agent: http.Agent, port: number, p: string, headers: http.OutgoingHttpHeaders): Promise<Timed> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${p}: HTTP ${res.statusCode}`));
        resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, setCookie: res.headers['set-cookie']?.[0]?.split(';')[0] });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Which instance a user's next request goes to: the next in turn (one shared store), or the user's own (sharded). */
type Route = (user: number, n: number) => number;
const roundRobin = (count: number): Route => (_user, n) => n % count;
const byUser = (count: number): Route => (user) => user % count;

/**
 * Virtual users loading the page set until `until`, each request sent where `route` says: each user's next page set
 * as soon as its last one is done (closed loop), or, with `rate`, page sets started at that many per second in all,
 * each by a user who is free (open loop: the same offered load whatever the backend; a page set due when every user
 * is busy is counted in `missed`, not sent).
 */
interface LoadTally {
  /** Requests per instance, by index. */
  perInstance?: number[];
  /** Every request's time, ms. */
  latencies?: number[];
  /** Page sets per second offered (open loop); none for the closed loop. */
  rate?: number;
  /** Open loop: page sets that were due while every user was busy. */
  missed?: { n: number };
}

async function runLoad(ports: number[], agents: http.Agent[], users: { cookie?: string }[], route: Route, until: number, counter: { n: number }, { perInstance = [], latencies, rate, missed }: LoadTally = {}): Promise<number> {
  let requests = 0;
  const pageSet = async (user: { cookie?: string }, u: number) => {
    for (const p of PAGE_SET) {
      const k = route(u, counter.n++);
      const doc = p === '/account';
      const headers = { ...(doc ? DOC_HEADERS : {}), ...(user.cookie ? { cookie: user.cookie } : {}) };
      const r = await get(agents[k]!, ports[k]!, doc ? `${p}?n=${counter.n}` : p, headers);
      if (r.setCookie) user.cookie = r.setCookie;
      latencies?.push(r.ms);
      perInstance[k] = (perInstance[k] ?? 0) + 1;
      requests += 1;
    }
  };
  if (!rate) {
    await Promise.all(users.map(async (user, u) => {
      while (Date.now() < until) await pageSet(user, u);
    }));
    return requests;
  }
  const free = users.map((_, u) => u);
  const running = new Set<Promise<void>>();
  const start = Date.now();
  for (let sent = 0; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 2))) {
    for (const due = Math.floor(((Date.now() - start) / 1000) * rate); sent < due; sent++) {
      const u = free.shift();
      if (u === undefined) {
        if (missed) missed.n += 1;
        continue;
      }
      const done: Promise<void> = pageSet(users[u]!, u).finally(() => {
        free.push(u);
        running.delete(done);
      });
      running.add(done);
    }
  }
  await Promise.all(running);
  return requests;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pcts = (xs: number[]) => { const s = sorted(xs); return { p50: percentile(s, 50), p99: percentile(s, 99) }; };

async function bucketBytes(rgw: RgwServer, bucket: string): Promise<number> {
  const client = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKey, secretAccessKey: rgw.secretKey } });
  let total = 0;
  try {
    for (let token: string | undefined, first = true; first || token; first = false) {
      const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of r.Contents ?? []) total += o.Size ?? 0;
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    }
  } finally {
    client.destroy();
  }
  return total;
}

/** radosgw, the OSD and the monitor: the object store's processes. */
function rgwPidList(rgw: RgwServer): number[] {
  const pids: number[] = [];
  for (const f of ['client.rgw.pid', 'osd.0.pid', 'mon.a.pid']) {
    let text = '';
    try { text = readFileSync(path.join(rgw.dir, 'run', f), 'utf8'); } catch { /* not running */ }
    if (Number(text.trim())) pids.push(Number(text.trim()));
  }
  return pids;
}

interface Backend { pg: PostgresServer; rgw: RgwServer; postmaster: number }

/** Every instance forked, so a run that fails half-way leaves none behind (they would outlive the bench). */
const forked = new Set<import('node:child_process').ChildProcess>();

async function runConfig(o: InstancesOptions, site: Awaited<ReturnType<typeof startSite>>, count: number, backend: Backend | undefined, workDir: string, sticky: boolean, round: number): Promise<ConfigResult> {
  const name = `${backend ? `${sticky ? 'sticky' : 'n'}${count}` : `embedded${count}`}r${round}`;
  const route = backend && !sticky ? roundRobin(count) : byUser(count);
  const dir = path.join(workDir, name);
  const keys = path.join(dir, 'keys');
  const db = backend ? await backend.pg.createDatabase(`bench_${name}`) : undefined;
  const bucket = `verbatim-bench-${name}`;
  const storeFlags = backend
    ? ['--store', backend.pg.url(db!), '--blobs', `s3://${bucket}?endpoint=${encodeURIComponent(backend.rgw.endpoint)}&region=us-east-1`, '--keys', keys]
    : [];
  const env = backend ? { VERBATIM_S3_ACCESS_KEY: backend.rgw.accessKey, VERBATIM_S3_SECRET_KEY: backend.rgw.secretKey } : undefined;
  const instances: { proc: import('node:child_process').ChildProcess; port: number }[] = [];
  // One at a time: the first creates the schema, the keys and the bucket; the others find them.
  for (let i = 0; i < count; i++) {
    // BENCH_INSTANCES_CPU_PROF=<dir>: a V8 CPU profile of every instance (main thread and workers), written at stop.
    const prof = process.env.BENCH_INSTANCES_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(process.env.BENCH_INSTANCES_CPU_PROF, `${name}-i${i}`)}`] : [];
    const { proc, line } = await forkBenchProcess('instance-process.ts', ['--data', path.join(dir, `i${i}`), ...storeFlags, '--upstream', `http://127.0.0.1:${site.port}`], prof, env);
    instances.push({ proc, port: Number(line) });
    forked.add(proc);
  }
  const ask = <T>(proc: import('node:child_process').ChildProcess, msg: string) => new Promise<T>((resolve) => { proc.once('message', (m) => resolve(m as T)); proc.send(msg); });
  const drainAll = () => Promise.all(instances.map((i) => ask<{ captured: number; failed: number; dropped: number; diskBytes: number }>(i.proc, 'drain')));
  const client = db ? new pg.Client(backend!.pg.config(db)) : undefined;
  await client?.connect();
  if (client) await enableStatements(client);
  const dbState = async () => {
    const r = await client!.query<{ size: string; lsn: string; committed: string; rolled: string }>(
      'SELECT pg_database_size(current_database()) AS size, pg_current_wal_lsn()::text AS lsn, xact_commit AS committed, xact_rollback AS rolled FROM pg_stat_database WHERE datname = current_database()');
    return r.rows[0]!;
  };
  const ports = instances.map((i) => i.port);
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: o.users }));
  const users = Array.from({ length: o.users }, () => ({} as { cookie?: string }));
  const counter = { n: 0 };
  const startSize = { level: (await drainAll()).reduce((a, s) => a + s.diskBytes, 0), db: db ? await dbState() : undefined, objects: backend ? await bucketBytes(backend.rgw, bucket) : 0 };
  const viaBefore = site.viaBytes();
  // Warm-up: sessions created (and met by the other instances), connections open, JIT warm.
  const rate = o.rate * count;
  await runLoad(ports, agents, users, route, Date.now() + o.warmupSeconds * 1000, counter, { rate });
  // A database in service has statistics (autovacuum analyzes a table after every 10 % of change, each minute); this
  // one is seconds old, and plans its functions cached while its tables were empty (a sequential scan of `records`
  // per commit, growing with the table) would stay until then. So the window measures the steady state.
  if (client) await client.query('ANALYZE');
  const loadBefore = os.loadavg()[0]!;
  const cpu0 = instances.map((i) => cpuSecondsOf(i.proc.pid!));
  const pg0 = backend ? treeCpuSeconds(backend.postmaster) : 0;
  const rgwPids = backend ? rgwPidList(backend.rgw) : [];
  const rgw0 = rgwPids.reduce((a, p) => a + cpuSecondsOf(p), 0);
  if (client) await resetStatements(client);
  const lockSampler = client ? sampleLockHeld(backend!.pg.config(db!), pg.Client, [...WRITE_LOCK_KEY]) : undefined;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const perInstance: number[] = ports.map(() => 0);
  const latencies: number[] = [];
  const missed = { n: 0 };
  const requests = await runLoad(ports, agents, users, route, Date.now() + o.seconds * 1000, counter, { perInstance, latencies, rate, missed });
  const elapsed = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const cpu1 = instances.map((i) => cpuSecondsOf(i.proc.pid!));
  const pg1 = backend ? treeCpuSeconds(backend.postmaster) : 0;
  const rgw1 = rgwPids.reduce((a, p) => a + cpuSecondsOf(p), 0);
  const loadAfter = os.loadavg()[0]!;
  const statements = client ? await readStatements(client) : undefined;
  const lockSamples = await lockSampler?.stop();
  const writeLockHeld = lockSamples && statements
    ? { samples: lockSamples.samples, share: lockSamples.held / Math.max(1, lockSamples.samples), msPerCommit: ((lockSamples.held / Math.max(1, lockSamples.samples)) * elapsed * 1000) / Math.max(1, statements.writeLock.calls) }
    : undefined;
  const d0 = performance.now();
  await drainAll();
  const drainMs = performance.now() - d0;
  // Added latency, sequential with nothing else running: direct and through an instance interleaved, page set by page set.
  const direct: number[] = [];
  const via: number[] = [];
  const directAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probeUser = { cookie: users[0]!.cookie };
  for (let s = 0; s < o.probeSets; s++) {
    for (const p of PAGE_SET) {
      const doc = p === '/account';
      const q = doc ? `${p}?probe=${s}` : p;
      direct.push((await get(directAgent, site.port, q, doc ? DOC_HEADERS : {})).ms);
      const k = route(0, counter.n++);
      via.push((await get(agents[k]!, ports[k]!, q, { ...(doc ? DOC_HEADERS : {}), cookie: probeUser.cookie! })).ms);
    }
  }
  directAgent.destroy();
  const stats = await drainAll();
  // Idle cost: what each instance spends with nothing to do (IDLE_SECONDS, after its queue drained).
  const idle0 = instances.map((i) => cpuSecondsOf(i.proc.pid!));
  await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
  const idleCores = instances.map((i, k) => (cpuSecondsOf(i.proc.pid!) - idle0[k]!) / IDLE_SECONDS);
  const capturedBytes = site.viaBytes() - viaBefore;
  const end = { level: stats.reduce((a, s) => a + s.diskBytes, 0), db: db ? await dbState() : undefined, objects: backend ? await bucketBytes(backend.rgw, bucket) : 0 };
  for (const a of agents) a.destroy();
  await Promise.all(instances.map((i) => new Promise<void>((resolve) => { i.proc.once('exit', () => resolve()); i.proc.send('stop'); })));
  // Stopped backends have flushed their statistics: the transaction counts cover the whole run.
  let transactions: ConfigResult['transactions'];
  if (client) {
    await client.query('SELECT pg_stat_clear_snapshot()');
    const last = await dbState();
    transactions = { committed: Number(last.committed) - Number(startSize.db!.committed), rolledBack: Number(last.rolled) - Number(startSize.db!.rolled) };
  }
  const walBytes = client ? Number((await client.query<{ d: string }>('SELECT pg_wal_lsn_diff($1, $2) AS d', [end.db!.lsn, startSize.db!.lsn])).rows[0]!.d) : 0;
  await client?.end();
  const backendBytes = {
    database: db ? Number(end.db!.size) - Number(startSize.db!.size) : 0,
    wal: walBytes,
    objects: end.objects - startSize.objects,
    level: end.level - startSize.level,
  };
  const stored = backendBytes.database + backendBytes.objects + backendBytes.level;
  const backendCpu = (pg1 - pg0) + (rgw1 - rgw0);
  const probeVia = pcts(via);
  const probeDirect = pcts(direct);
  return {
    round,
    backend: backend ? 'PostgreSQL + S3 (RGW)' : 'embedded LevelDB',
    instances: count,
    balancing: backend ? (sticky ? 'sticky' : 'round robin') : 'sharded',
    seconds: elapsed,
    requests,
    reqPerSecond: requests / elapsed,
    perInstance: instances.map((_, k) => {
      const cpu = cpu1[k]! - cpu0[k]!;
      const net = Math.max(0, cpu - idleCores[k]! * elapsed);
      return {
        requests: perInstance[k]!, reqPerSecond: perInstance[k]! / elapsed, cpuCores: cpu / elapsed, idleCores: idleCores[k]!,
        cpuUsPerRequest: (cpu / perInstance[k]!) * 1e6, netUsPerRequest: (net / perInstance[k]!) * 1e6, reqPerCpuSecond: perInstance[k]! / cpu,
      };
    }),
    backendCores: { postgres: (pg1 - pg0) / elapsed, objectStore: (rgw1 - rgw0) / elapsed },
    backendUsPerRequest: (backendCpu / requests) * 1e6,
    generatorCores: (self.user + self.system) / 1e6 / elapsed,
    loaded: pcts(latencies),
    probe: { via: probeVia, direct: probeDirect, addedP50: probeVia.p50 - probeDirect.p50, addedP99: probeVia.p99 - probeDirect.p99 },
    capturedBytes,
    backendBytes,
    writeAmplification: stored / capturedBytes,
    drainMs,
    missedPageSets: missed.n,
    captures: { stored: stats.reduce((a, s) => a + s.captured, 0), failed: stats.reduce((a, s) => a + s.failed, 0), dropped: stats.reduce((a, s) => a + s.dropped, 0) },
    ...(transactions ? { transactions } : {}),
    ...(statements ? { statements } : {}),
    ...(writeLockHeld ? { writeLockHeld } : {}),
    loadAverage: { before: loadBefore, after: loadAfter },
  };
}

export async function benchInstances(o: InstancesOptions): Promise<{ results: ConfigResult[]; storeCost: StoreCostResult[] }> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-instances-'));
  const site = await startSite();
  const results: ConfigResult[] = [];
  const storeCost: StoreCostResult[] = [];
  let pgServer: PostgresServer | undefined;
  let rgw: RgwServer | undefined;
  try {
    // Durable as in production (the test defaults turn fsync off); room for every instance's pools.
    pgServer = await startPostgres({ settings: { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '256MB', max_connections: '200', ...STATEMENTS_SETTINGS } });
    rgw = await startRgw();
    const postmaster = Number((await readFile(path.join(pgServer.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    // Round by round, count by count, embedded and PostgreSQL back to back: the two figures compared are measured
    // a minute apart at most, so a machine whose other load changes over the run changes both alike; which goes first
    // alternates by round, so neither always meets the other's leftovers (a LevelDB compaction, PostgreSQL's vacuum).
    const backend = { pg: pgServer, rgw, postmaster };
    for (let round = 0; round < o.rounds; round++) {
      for (const count of [...new Set([...o.embeddedCounts, ...o.counts, ...o.stickyCounts])].sort((x, y) => x - y)) {
        const runs: (() => Promise<ConfigResult>)[] = [
          ...(o.embeddedCounts.includes(count) ? [() => runConfig(o, site, count, undefined, workDir, false, round)] : []),
          ...(o.counts.includes(count) ? [() => runConfig(o, site, count, backend, workDir, false, round)] : []),
          ...(o.stickyCounts.includes(count) ? [() => runConfig(o, site, count, backend, workDir, true, round)] : []),
        ];
        for (const run of round % 2 ? runs.reverse() : runs) results.push(await run());
      }
    }
    // The store alone, no HTTP: where an instance's extra CPU over PostgreSQL + S3 goes (BENCH_INSTANCES_STORE_SETS=0: skipped).
    if (o.storePageSets <= 0) return { results, storeCost };
    storeCost.push(await storeCaptureCost('embedded LevelDB', [], o.storePageSets));
    const db = await pgServer.createDatabase('bench_store_cost');
    const s3 = { VERBATIM_S3_ACCESS_KEY: rgw.accessKey, VERBATIM_S3_SECRET_KEY: rgw.secretKey };
    Object.assign(process.env, s3);
    const backendCpu = () => treeCpuSeconds(postmaster) + (rgwPidList(rgw!)).reduce((a, p) => a + cpuSecondsOf(p), 0);
    storeCost.push(await storeCaptureCost('PostgreSQL + S3 (RGW)', ['--store', pgServer.url(db), '--blobs', `s3://verbatim-bench-store-cost?endpoint=${encodeURIComponent(rgw.endpoint)}&region=us-east-1`], o.storePageSets, backendCpu));
  } finally {
    for (const proc of forked) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    forked.clear();
    site.close();
    await rgw?.stop();
    await pgServer?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  return { results, storeCost };
}

export function printInstances({ results, storeCost }: { results: ConfigResult[]; storeCost: StoreCostResult[] }, o: InstancesOptions): void {
  const n = (x: number, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const capOf = (r: ConfigResult) => r.perInstance.reduce((a, p) => a + p.reqPerCpuSecond, 0) / r.perInstance.length;
  // Each configuration against the embedded baseline at the same instance count (the same CPU contention).
  const baseCap = (count: number, round: number) => { const b = results.find((r) => r.backend === 'embedded LevelDB' && r.instances === count && r.round === round); return b ? capOf(b) : NaN; };
  const ordered = [...results].sort((a, b) => a.instances - b.instances || a.round - b.round || a.backend.localeCompare(b.backend) || a.balancing.localeCompare(b.balancing));
  console.log(`\n## Several instances, one store (${os.cpus().length} cores, ${o.users} virtual users, ${o.seconds} s after ${o.warmupSeconds} s warm-up, ${o.rounds} round${o.rounds === 1 ? '' : 's'}, ${o.rate ? `open loop: ${o.rate} page sets/s offered per instance` : 'closed loop'}; page set: 20 KB HTML injected + 8 KB CSS + 30 KB JS + 40 KB image)\n`);
  // The comparison the target is about: per count and balancing, each round's ratio and their median.
  const compared = [...new Set(results.filter((r) => r.backend !== 'embedded LevelDB').map((r) => `${r.instances} ${r.balancing}`))];
  if (compared.length) {
    console.log('| instances | balancing over PostgreSQL + S3 | req per instance-CPU-second vs embedded, each round | median |');
    console.log('|---|---|---|---|');
    for (const key of compared) {
      const runs = results.filter((r) => r.backend !== 'embedded LevelDB' && `${r.instances} ${r.balancing}` === key).sort((a, b) => a.round - b.round);
      const ratios = runs.map((r) => (capOf(r) / baseCap(r.instances, r.round)) * 100);
      console.log(`| ${runs[0]!.instances} | ${runs[0]!.balancing} | ${ratios.map((x) => `${n(x)} %`).join(', ')} | **${n(median(ratios))} %** |`);
    }
    console.log('');
  }
  console.log('| round | backend | instances | balancing | req/s total | req/s per instance | CPU per instance (cores) under load / idle | µs CPU per request, per instance (net of idle) | req per instance-CPU-second (vs embedded, same count) | backend CPU cores (PG + S3) | backend µs per request | load generator + site cores | p50 / p99 ms under load | added p50 / p99 ms (sequential) | write amplification | drain after load ms | captures stored / failed / dropped | PG tx committed / rolled back | load avg before → after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of ordered) {
    const per = r.perInstance;
    const avg = (f: (p: ConfigResult['perInstance'][number]) => number) => per.reduce((a, p) => a + f(p), 0) / per.length;
    const cap = capOf(r);
    console.log(`| ${r.round + 1} | ${r.backend} | ${r.instances} | ${r.balancing} | ${n(r.reqPerSecond)}${r.missedPageSets ? ` (${n(r.missedPageSets)} page sets not sent: every user busy)` : ''} | ${per.map((p) => n(p.reqPerSecond)).join(' / ')} | ${per.map((p) => n(p.cpuCores, 2)).join(' / ')} / idle ${n(avg((p) => p.idleCores), 3)} | ${n(avg((p) => p.cpuUsPerRequest))} (${n(avg((p) => p.netUsPerRequest))}) | ${n(cap)} (${n((cap / baseCap(r.instances, r.round)) * 100)} %) | ${n(r.backendCores.postgres, 2)} + ${n(r.backendCores.objectStore, 2)} | ${n(r.backendUsPerRequest)} | ${n(r.generatorCores, 2)} | ${n(r.loaded.p50, 2)} / ${n(r.loaded.p99, 2)} | +${n(r.probe.addedP50, 3)} / +${n(r.probe.addedP99, 3)} | ${n(r.writeAmplification, 2)} | ${n(r.drainMs)} | ${n(r.captures.stored)} / ${r.captures.failed} / ${r.captures.dropped} | ${r.transactions ? `${n(r.transactions.committed)} / ${n(r.transactions.rolledBack)}` : '–'} | ${n(r.loadAverage.before, 1)} → ${n(r.loadAverage.after, 1)} |`);
  }
  console.log('\nWrite amplification: bytes the backend grew by (LevelDB dir; PostgreSQL database size + bucket objects, WAL apart) per byte of response body the site sent through the instances.');
  for (const r of ordered) {
    const b = r.backendBytes;
    const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
    console.log(`  round ${r.round + 1}, ${r.backend} ×${r.instances}: captured ${mb(r.capturedBytes)}; ${r.backend === 'embedded LevelDB' ? `LevelDB ${mb(b.level)}` : `database ${mb(b.database)} + objects ${mb(b.objects)} (WAL written ${mb(b.wal)})`}`);
  }
  console.log('\nPostgreSQL statements in the measured window (pg_stat_statements): per request, server time, and time in the advisory locks (almost all of it waiting).');
  for (const r of ordered) {
    const s = r.statements;
    if (!s) continue;
    console.log(`  round ${r.round + 1}, ×${r.instances} ${r.balancing}: ${n(s.calls / r.requests, 2)} statements per request (${n(s.calls)}), server ${n(s.execSeconds, 2)} s; write lock ${n(s.writeLock.calls)} × ${n((s.writeLock.seconds / Math.max(1, s.writeLock.calls)) * 1000, 2)} ms = ${n(s.writeLock.seconds, 2)} s; session lock ${n(s.sessionLock.calls)} × ${n((s.sessionLock.seconds / Math.max(1, s.sessionLock.calls)) * 1000, 2)} ms = ${n(s.sessionLock.seconds, 2)} s (${n(s.sessionLock.calls / r.requests, 2)} per request)`
      + (r.writeLockHeld ? `; write lock held ${n(r.writeLockHeld.share * 100)} % of the window (${n(r.writeLockHeld.samples)} samples), ${n(r.writeLockHeld.msPerCommit, 1)} ms per commit, waited ${n((s.writeLock.seconds / Math.max(1, s.writeLock.calls)) * 1000, 1)} ms` : ''));
    for (const t of s.top) console.log(`      ${n(t.seconds, 2)} s  ${n(t.calls)} ×  ${t.query}`);
  }
  console.log(`\nThe store alone (store-capture-cost.ts: the same page set through the store API, ${IN_FLIGHT_NOTE}):`);
  for (const c of storeCost) {
    console.log(`  ${c.backend}: ${n(c.clientUsPerCapture)} µs CPU per capture in the writing process, ${n(c.backendUsPerCapture)} µs in the backend's processes, ${n(c.capturesPerSecond)} captures/s (${n(c.captures)} captures)`);
  }
}

export function instancesOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): InstancesOptions {
  return {
    counts: (env.BENCH_INSTANCES ?? '1,2,4').split(',').map(Number).filter((x) => x > 0),
    embeddedCounts: (env.BENCH_INSTANCES_EMBEDDED ?? env.BENCH_INSTANCES ?? '1,2,4').split(',').map(Number).filter((x) => x > 0),
    // Sticky at one instance is round robin at one instance: measured only above.
    stickyCounts: (env.BENCH_INSTANCES_STICKY ?? env.BENCH_INSTANCES ?? '1,2,4').split(',').map(Number).filter((x) => x > 1),
    seconds: Number(env.BENCH_INSTANCES_SECONDS ?? 8),
    warmupSeconds: Number(env.BENCH_INSTANCES_WARMUP ?? 2),
    users: Number(env.BENCH_INSTANCES_USERS ?? 16),
    probeSets: Number(env.BENCH_INSTANCES_PROBE ?? 100),
    storePageSets: Number(env.BENCH_INSTANCES_STORE_SETS ?? 500),
    rounds: Math.max(1, Number(env.BENCH_INSTANCES_ROUNDS ?? 3)),
    rate: Math.max(0, Number(env.BENCH_INSTANCES_RATE ?? 0)),
  };
}

/** Runs, prints the table and saves the figures as JSON (BENCH_JSON, default a file in the temp dir). */
export async function runInstancesBench(): Promise<void> {
  const o = instancesOptionsFromEnv();
  const figures = await benchInstances(o);
  printInstances(figures, o);
  const file = process.env.BENCH_JSON ?? path.join(os.tmpdir(), 'verbatim-bench-instances.json');
  await writeFile(file, JSON.stringify({ at: new Date().toISOString(), cores: os.cpus().length, options: o, ...figures }, null, 2));
  console.log(`\nFigures saved to ${file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(here, 'instances.ts')) await runInstancesBench();
