/**
 * What the search index costs the proxy (issue #13: under 5 % of its throughput). The proxy runs in its own process
 * (proxy-process.ts) with the search follower off, in-process (`inline`), or on its worker thread (`worker`), each
 * run on a fresh data dir, modes alternating round by round (this VM's throughput wanders between runs). The load is
 * what gives the follower work: virtual users load a 20 KB HTML page (injected and captured), then post the
 * recorder's uploads for it — a full snapshot with 40 lines of text, then typed input and a click — and start a new
 * session every 10 pages. Reported: median req/s per mode, the overhead against `off` (median and spread of the
 * round-by-round pairs), CPU per request, the follower's lag (an upload's store commit to its index commit), where
 * its time went, and the event loop's longest stall.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { forkBenchProcess } from './child';
import { median } from './latency';
import type { SearchMode, SearchReport } from './search-probe';

interface Run {
  mode: SearchMode;
  /** Requests answered per second of load. */
  rps: number;
  /** The same requests over the load and the catch-up after it (stored and indexed): what can be kept up. */
  sustainedRps: number;
  /** CPU of the proxy process, every thread, from the load's start until it was all indexed. */
  cpuMsPerRequest: number;
  /** The proxy's main thread busy over the same span: what bounds its throughput when cores are free. */
  mainMsPerRequest: number;
  report: SearchReport;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(port: number, target: string, o: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {}): Promise<{ status: number; text: string; setCookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: o.method ?? 'GET', agent, headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'),
        setCookie: (res.headers['set-cookie'] ?? []).find((v) => v.startsWith('__verbatim_s='))?.split(';')[0],
      }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const WORDS = ['payment', 'transfer', 'savings', 'mortgage', 'salary', 'grocer', 'pharmacy', 'railway', 'insurance', 'refund', 'pension', 'utility'];

/** The recorder's two uploads for one page view: what it showed, then what the customer did. */
function uploads(token: string, url: string, page: string, n: number, t0: number): string[] {
  let id = 1;
  const text = (t: string) => ({ type: 3, id: id++, textContent: t });
  const el = (tagName: string, attributes: Record<string, string>, ...childNodes: unknown[]) => ({ type: 2, id: id++, tagName, attributes, childNodes });
  const lines = Array.from({ length: 40 }, (_, i) => el('p', {}, text(`Statement line ${i}: ${WORDS[(n + i) % WORDS.length]} to merchant ${(n * 31 + i) % 997}, reference ${(n * 7919 + i) % 100_000}`)));
  const payee = el('input', { name: 'payee', type: 'text' });
  const send = el('button', { id: 'send' }, text('Send money'));
  const root = { type: 0, id: id++, childNodes: [el('html', {}, el('head', {}, el('title', {}, text(`Account ${n}`))), el('body', {}, ...lines, el('form', {}, payee, send)))] };
  const base = { token, page: { id: page, url, title: `Account ${n}` }, viewport: { width: 1280, height: 800 } };
  return [
    JSON.stringify({ ...base, seq: 0, events: [
      { type: 4, timestamp: t0, data: { href: url, width: 1280, height: 800 } },
      { type: 2, timestamp: t0 + 5, data: { node: root, initialOffset: { top: 0, left: 0 } } },
    ] }),
    JSON.stringify({ ...base, seq: 1, events: [
      { type: 3, timestamp: t0 + 900, data: { source: 5, id: payee.id, text: `Landlord ${WORDS[n % WORDS.length]} ${n}`, isChecked: false, userTriggered: true } },
      { type: 3, timestamp: t0 + 1_400, data: { source: 2, type: 2, id: send.id, x: 10, y: 10 } },
    ] }),
  ];
}

/** Virtual users until `until`: page, snapshot upload, interaction upload. Resolves with the requests answered. */
async function load(proxyPort: number, upstream: number, users: number, until: number, tag: string): Promise<number> {
  let done = 0;
  await Promise.all(Array.from({ length: users }, async (_, u) => {
    let cookie: string | undefined;
    for (let n = 0; Date.now() < until; n++) {
      if (n % 10 === 0) cookie = undefined;
      const url = `http://127.0.0.1:${upstream}/account?u=${tag}${u}&n=${n}`;
      const doc = await send(proxyPort, url, { headers: { 'sec-fetch-dest': 'document', accept: 'text/html', ...(cookie ? { cookie } : {}) } });
      cookie ??= doc.setCookie;
      const token = /data-verbatim-token="([^"]+)"/.exec(doc.text)?.[1];
      if (doc.status !== 200 || !token || !cookie) throw new Error(`no recorder token in the page (${doc.status})`);
      done++;
      for (const body of uploads(token, url, `p-${tag}${u}-${n}`, n, Date.now())) {
        const r = await send(proxyPort, `http://127.0.0.1:${upstream}/__verbatim/events`, { method: 'POST', body, headers: { 'content-type': 'application/json', cookie } });
        if (r.status !== 204) throw new Error(`upload refused: ${r.status} ${r.text.slice(0, 200)}`);
        done++;
      }
    }
  }));
  return done;
}

const filler = Array.from({ length: 400 }, (_, i) => `<p class="row-${i % 7}">Statement line ${i}: card payment, reference ${(i * 7919) % 100000}</p>`).join('\n');

async function oneRun(mode: SearchMode, upstream: number, seconds: number, users: number, round: number): Promise<Run> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-search-'));
  // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the proxy process's threads, for reading where the time went.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const { proc, line } = await forkBenchProcess('proxy-process.ts', [dir], prof, { BENCH_SEARCH: mode });
  const ask = <T>(msg: string) => new Promise<T>((resolve) => { proc.once('message', (m) => resolve(m as T)); proc.send(msg); });
  const port = Number(line);
  try {
    // Warm-up, and its indexing done, so the measured window pays for its own requests only.
    await load(port, upstream, users, Date.now() + 1_000, `w${round}${mode}`);
    await ask<SearchReport>('search');
    const cpu0 = await ask<NodeJS.CpuUsage>('cpu');
    const t0 = performance.now();
    const requests = await load(port, upstream, users, Date.now() + seconds * 1_000, `r${round}${mode}`);
    // Until every capture is stored and every change indexed: that work belongs to these requests too.
    const report = await ask<SearchReport>('search');
    const cpu1 = await ask<NodeJS.CpuUsage>('cpu');
    const cpuMs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1_000;
    return { mode, rps: requests / seconds, sustainedRps: requests / ((performance.now() - t0) / 1_000), cpuMsPerRequest: cpuMs / requests, mainMsPerRequest: report.mainBusyMs / requests, report };
  } finally {
    proc.send('stop');
    await new Promise((r) => proc.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchSearchOverhead(o: { rounds: number; seconds: number; users: number; modes: SearchMode[] }): Promise<Run[]> {
  const upstream = http.createServer((req, res) => {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Account</title></head><body><h1>${req.url}</h1>${filler}`.slice(0, 20 * 1024 - 14) + '</body></html>';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const up = (upstream.address() as AddressInfo).port;
  const runs: Run[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      // Alternating, and each round starting with another mode, so a drift of the machine favours none.
      const order = o.modes.map((_, i) => o.modes[(i + round) % o.modes.length]!);
      for (const mode of order) {
        const run = await oneRun(mode, up, o.seconds, o.users, round);
        process.stderr.write(`  round ${round + 1} ${mode}: ${Math.round(run.rps)} req/s, ${Math.round(run.sustainedRps)} sustained, ${run.cpuMsPerRequest.toFixed(3)} CPU ms/req, main ${run.mainMsPerRequest.toFixed(3)} ms/req, loop max ${run.report.loop.max.toFixed(1)} ms, lag p95 ${Math.round(run.report.lag.p95)} ms\n`);
        runs.push(run);
      }
    }
  } finally {
    upstream.closeAllConnections();
    upstream.close();
    agent.destroy();
  }
  return runs;
}

export function printSearchOverhead(runs: Run[], o: { seconds: number; users: number }): void {
  const modes = [...new Set(runs.map((r) => r.mode))];
  const of = (m: SearchMode) => runs.filter((r) => r.mode === m);
  const rounds = of('off');
  const pct = (x: number) => `${x >= 0 ? '' : '−'}${Math.abs(x).toFixed(1)} %`;
  console.log(`\n## Search index overhead (proxy in its own process, ${o.users} virtual users, ${o.seconds} s a run, ${rounds.length} runs a mode, alternating)\n`);
  console.log('Each page view: the 20 KB page (injected, captured) and two recorder uploads (40 lines of text; typed input and a click).\n');
  console.log('| search | median req/s (min–max) | overhead vs off: median of rounds (min–max) | sustained req/s (incl. catch-up) | its overhead | CPU ms/request (all threads, until indexed) | its overhead | main thread busy ms/request | its overhead | follower lag median / p95 / max ms | event loop delay p99 / max ms |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of modes) {
    const rs = of(m);
    const rps = rs.map((r) => r.rps);
    const pairs = rs.map((r, i) => (rounds[i] ? (rounds[i]!.rps - r.rps) / rounds[i]!.rps * 100 : 0));
    const sustained = rs.map((r, i) => (rounds[i] ? (rounds[i]!.sustainedRps - r.sustainedRps) / rounds[i]!.sustainedRps * 100 : 0));
    const cpu = rs.map((r, i) => (rounds[i] ? (r.cpuMsPerRequest - rounds[i]!.cpuMsPerRequest) / rounds[i]!.cpuMsPerRequest * 100 : 0));
    const main = rs.map((r, i) => (rounds[i] ? (r.mainMsPerRequest - rounds[i]!.mainMsPerRequest) / rounds[i]!.mainMsPerRequest * 100 : 0));
    const spread = (xs: number[]) => (m === 'off' ? '–' : `${pct(median(xs))} (${pct(Math.min(...xs))} … ${pct(Math.max(...xs))})`);
    const lag = m === 'off' ? '–' : `${Math.round(median(rs.map((r) => r.report.lag.median)))} / ${Math.round(median(rs.map((r) => r.report.lag.p95)))} / ${Math.round(Math.max(...rs.map((r) => r.report.lag.max)))}`;
    console.log(`| ${m} | ${Math.round(median(rps))} (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) | ${spread(pairs)} | ${Math.round(median(rs.map((r) => r.sustainedRps)))} | ${spread(sustained)} | ${median(rs.map((r) => r.cpuMsPerRequest)).toFixed(3)} | ${spread(cpu)} | ${median(rs.map((r) => r.mainMsPerRequest)).toFixed(3)} | ${spread(main)} | ${lag} | ${median(rs.map((r) => r.report.loop.p99)).toFixed(1)} / ${Math.max(...rs.map((r) => r.report.loop.max)).toFixed(1)} |`);
  }
  console.log('\nWhere the follower\'s time went (sums over all runs of the mode; read = awaiting the store on the main thread):\n');
  console.log('| search | pages | changes | hits | read ms | extract ms | SQLite write ms | apply ms (main thread waits) | longest page apply ms | longest write ms | longest extraction ms | catch-up after load ms (median) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const m of modes.filter((x) => x !== 'off')) {
    const rs = of(m).map((r) => r.report);
    const sum = (f: (r: SearchReport) => number) => Math.round(rs.reduce((n, r) => n + f(r), 0));
    const max = (f: (r: SearchReport) => number) => Math.max(...rs.map(f)).toFixed(1);
    console.log(`| ${m}${rs.every((r) => r.threaded) || m !== 'worker' ? '' : ' (fell back in-process)'} | ${sum((r) => r.pages)} | ${sum((r) => r.changes)} | ${sum((r) => r.hits)} | ${sum((r) => r.readMs)} | ${sum((r) => r.extractMs)} | ${sum((r) => r.writeMs)} | ${sum((r) => r.applyMs)} | ${max((r) => r.maxApplyMs)} | ${max((r) => r.maxWriteMs)} | ${max((r) => r.maxExtractMs)} | ${Math.round(median(rs.map((r) => r.catchUpMs)))} |`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('bench', 'search-overhead.ts'))) {
  const o = {
    rounds: Number(process.env.BENCH_SEARCH_ROUNDS ?? 5), seconds: Number(process.env.BENCH_SEARCH_SECONDS ?? 5), users: 16,
    modes: (process.env.BENCH_SEARCH_MODES ?? 'off,inline,worker').split(',') as SearchMode[],
  };
  printSearchOverhead(await benchSearchOverhead(o), o);
  process.exit(0);
}
