/**
 * Page-load cost: the sample bank's pages (and the fidelity suite's, when present)
 * loaded in Chromium directly, through the forward proxy and through the gateway;
 * reports per-page medians of the load event and the median ratio to direct
 * (target ≤ 1.10×). Cold loads use a fresh browser context each (empty cache, new
 * connections, a new session); warm loads reuse one context per mode (cache,
 * keep-alive and session in place, as for a customer's next page). Modes are
 * interleaved so drift hits all three alike; each load starts after a short
 * settle pause (a customer's next click never comes within milliseconds).
 *
 * Standalone: npx tsx scripts/bench/page-load.ts [rounds]
 */
import { forkBenchProcess } from './child';
import { median } from './latency';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright';
import { launchChromium } from '../chromium';
import { startSampleBank } from '../sample-bank/server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BANK_PAGES = ['/', '/login', '/terms'];
const FIDELITY_PAGES = ['/csp-header', '/imports', '/font-face', '/srcset', '/svg-sprite', '/iframes', '/shadow', '/canvas', '/spa', '/forms'];
type Mode = 'direct' | 'proxy' | 'gateway' | 'bare';

interface Site { name: string; url: string; pages: string[]; close(): Promise<void> }

async function fidelitySite(): Promise<Site | undefined> {
  try {
    const mod = await import(pathToFileURL(path.join(root, 'test', 'fidelity', 'site.ts')).href) as
      { startFidelitySite?: () => Promise<{ url: string; close(): Promise<void> }> };
    if (!mod.startFidelitySite) return undefined;
    const site = await mod.startFidelitySite();
    return { name: 'fidelity', url: site.url, pages: FIDELITY_PAGES, close: () => site.close() };
  } catch {
    return undefined; // the suite is optional here
  }
}

/**
 * Pause before each load, then wait until Verbatim has stored every capture and recorder
 * upload so far (its drain()): the previous page's after-load work is not charged to the
 * next page, whichever mode that is. A customer's next click never comes within
 * milliseconds; other customers' load on a shared proxy is what the throughput bench measures.
 */
const SETTLE_MS = 150;

/** Milliseconds from navigation start to the load event; in `warm` (a long-lived context) or a fresh one. */
async function loadTime(browser: Browser, url: string, settle: () => Promise<void>, warm?: BrowserContext): Promise<number> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await settle();
  const context = warm ?? await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    return await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart);
  } finally {
    await (warm ? page.close() : context.close());
  }
}

export interface PageLoadResult {
  rows: {
    site: string; page: string; direct: number; proxy: number; gateway: number;
    warm: { direct: number; proxy: number; gateway: number };
    bare?: { cold: number; warm: number };
  }[];
  medianRatio: { proxy: number; gateway: number; bare?: number };
  warmMedianRatio: { proxy: number; gateway: number; bare?: number };
}

export interface PageLoadOptions {
  /** Injects an empty script in place of the recorder (isolates the proxy's own cost). */
  emptyRecorder?: boolean;
  /** Skip the fidelity pages. */
  bankOnly?: boolean;
  /** Also load through the thinnest streaming Node proxy (bare-proxy.ts): the floor any proxy pays here. */
  bare?: boolean;
}

export async function benchPageLoad(rounds = 9, options: PageLoadOptions = {}): Promise<PageLoadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-load-'));
  const bank = await startSampleBank();
  const sites: Site[] = [{ name: 'bank', url: bank.url, pages: BANK_PAGES, close: () => bank.close() }];
  const fidelity = options.bankOnly ? undefined : await fidelitySite();
  if (fidelity) sites.push(fidelity);
  // Verbatim runs in its own process, as deployed: Playwright's traffic with three browsers must not share its event loop.
  // BENCH_PROXY_PROF=<dir> writes a CPU profile of the Verbatim process there.
  const profile = process.env.BENCH_PROXY_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROXY_PROF}`] : [];
  const { proc: verbatim, line } = await forkBenchProcess('proxy-process.ts',
    [dir, sites.map((s) => s.url).join(','), ...(options.emptyRecorder ? ['empty'] : [])], profile);
  const started = JSON.parse(line) as { port: number; spki: string; gateways: string[] };
  const bareProcess = options.bare ? await forkBenchProcess('bare-proxy.ts', []) : undefined;
  const bare = bareProcess?.proc;
  const barePort = Number(bareProcess?.line ?? 0);
  const modes: Mode[] = bare ? ['direct', 'proxy', 'gateway', 'bare'] : ['direct', 'proxy', 'gateway'];
  const browsers = {
    direct: await launchChromium(),
    proxy: await launchChromium({ server: `http://127.0.0.1:${started.port}`, spkiFingerprint: started.spki }),
    gateway: await launchChromium(),
    ...(bare ? { bare: await launchChromium({ server: `http://127.0.0.1:${barePort}` }) } : {}),
  } as Record<Mode, Browser>;
  const settle = () => new Promise<void>((resolve) => {
    verbatim.once('message', () => resolve());
    verbatim.send('drain');
  });
  const rows: PageLoadResult['rows'] = [];
  const contexts = {} as Record<Mode, BrowserContext>;
  for (const mode of modes) contexts[mode] = await browsers[mode].newContext({ viewport: { width: 1280, height: 800 } });
  try {
    for (const [i, site] of sites.entries()) {
      const base: Record<Mode, string> = { direct: site.url, proxy: site.url, gateway: started.gateways[i]!, bare: site.url };
      for (const page of site.pages) {
        const times: Record<Mode, number[]> = { direct: [], proxy: [], gateway: [], bare: [] };
        const warmTimes: Record<Mode, number[]> = { direct: [], proxy: [], gateway: [], bare: [] };
        // One warm-up load per mode (connection setup, first compile of the recorder, cache), not counted.
        for (const mode of modes) await loadTime(browsers[mode], base[mode] + page, settle, contexts[mode]);
        for (let r = 0; r < rounds; r++) {
          for (const mode of modes) times[mode].push(await loadTime(browsers[mode], base[mode] + page, settle));
          for (const mode of modes) warmTimes[mode].push(await loadTime(browsers[mode], base[mode] + page, settle, contexts[mode]));
        }
        rows.push({
          site: site.name, page, direct: median(times.direct), proxy: median(times.proxy), gateway: median(times.gateway),
          warm: { direct: median(warmTimes.direct), proxy: median(warmTimes.proxy), gateway: median(warmTimes.gateway) },
          ...(bare ? { bare: { cold: median(times.bare), warm: median(warmTimes.bare) } } : {}),
        });
      }
    }
  } finally {
    await Promise.all(Object.values(contexts).map((c) => c.close()));
    await Promise.all(Object.values(browsers).map((b) => b.close()));
    await new Promise((resolve) => { verbatim.once('exit', resolve); verbatim.send('stop'); });
    bare?.send('stop');
    for (const s of sites) await s.close();
    await rm(dir, { recursive: true, force: true });
  }
  return {
    rows,
    medianRatio: {
      proxy: median(rows.map((r) => r.proxy / r.direct)), gateway: median(rows.map((r) => r.gateway / r.direct)),
      ...(bare ? { bare: median(rows.map((r) => r.bare!.cold / r.direct)) } : {}),
    },
    warmMedianRatio: {
      proxy: median(rows.map((r) => r.warm.proxy / r.warm.direct)), gateway: median(rows.map((r) => r.warm.gateway / r.warm.direct)),
      ...(bare ? { bare: median(rows.map((r) => r.bare!.warm / r.warm.direct)) } : {}),
    },
  };
}

export function printPageLoad(result: PageLoadResult, rounds: number): void {
  const ms = (x: number) => x.toFixed(1);
  console.log(`\n## Page load (Chromium, load event, median of ${rounds} loads per page and mode; cold = fresh context, warm = same context)\n`);
  console.log('| site | page | cold direct ms | cold proxy ms | ratio | cold gateway ms | ratio | warm direct ms | warm proxy ms | ratio | warm gateway ms | ratio |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  for (const r of result.rows) {
    const w = r.warm;
    console.log(`| ${r.site} | ${r.page} | ${ms(r.direct)} | ${ms(r.proxy)} | ${x(r.proxy, r.direct)} | ${ms(r.gateway)} | ${x(r.gateway, r.direct)} | ${ms(w.direct)} | ${ms(w.proxy)} | ${x(w.proxy, w.direct)} | ${ms(w.gateway)} | ${x(w.gateway, w.direct)} |`);
  }
  const verdict = (v: number) => `${v.toFixed(2)}× ${v <= 1.1 ? '(within the 1.10× target)' : '(ABOVE the 1.10× target)'}`;
  console.log(`\nMedian ratio of load-event times, cold: forward proxy **${verdict(result.medianRatio.proxy)}**, gateway **${verdict(result.medianRatio.gateway)}**`);
  console.log(`Median ratio of load-event times, warm: forward proxy **${verdict(result.warmMedianRatio.proxy)}**, gateway **${verdict(result.warmMedianRatio.gateway)}**`);
  if (result.medianRatio.bare !== undefined) {
    console.log(`Reference, the thinnest streaming Node proxy (no injection, no capture): cold ${result.medianRatio.bare.toFixed(2)}×, warm ${result.warmMedianRatio.bare!.toFixed(2)}×`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rounds = Number(process.argv[2] ?? process.env.BENCH_PAGE_LOAD_ROUNDS ?? 9);
  // BENCH_PAGE_LOAD_EMPTY_RECORDER=1 measures the proxy alone (an empty script is injected instead).
  const empty = process.env.BENCH_PAGE_LOAD_EMPTY_RECORDER === '1';
  printPageLoad(await benchPageLoad(rounds, {
    emptyRecorder: empty, bankOnly: process.env.BENCH_PAGE_LOAD_BANK_ONLY === '1', bare: process.env.BENCH_PAGE_LOAD_BARE === '1',
  }), rounds);
  process.exit(0);
}
