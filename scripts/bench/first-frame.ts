/**
 * Time to first frame of a deep link (issue #17 item 6): a generated 1-hour session (test/helpers/long-session.ts:
 * 10,000+ events, a page load every 10 minutes, the recorder's checkout every 5) and a 12-second one, written through
 * the store API; the viewer running (warm: each case's first links are not counted, the first one, on an empty cache,
 * is reported apart); links `/sessions/<id>?at=<ms>` at random moments opened in Chromium, one new tab each, signed
 * in (BENCH_FIRST_FRAME_TAB=same: all in one tab, as an agent pasting links into the viewer's tab). Two drivers open
 * them, alternating: the DevTools protocol alone (lean-chromium.ts: nothing in the page but the watching script) and
 * Playwright (which sets up a helper world in each new document and frame, on the page's main thread);
 * BENCH_FIRST_FRAME_DRIVERS=devtools or =playwright for one. Measured from navigation start to the replay frame's document holding the clock text of that moment (checked every
 * animation frame by a script the page gets at its start, not by Playwright's polling: SEEN_SCRIPT; the frame
 * visible, be it the keyframe the page's head script writes or rrweb's first frame), and to the full player being ready
 * (`data-replay-ready`: when the bench saw it, and the page's own mark of it; the feed and signals follow it). Target:
 * p95 < 300 ms for the 1-hour session.
 *
 * Alone: BENCH_ONLY=first-frame npm run bench, or npx tsx scripts/bench/first-frame.ts [links]
 *
 * Before/after under the same load (this VM's load swings by 2× within minutes): BENCH_FIRST_FRAME_BASELINE=<dir>
 * names another build of the viewer UI (another checkout's dist/viewer); a second viewer serves it, over the same
 * store and server code, and every link is opened on both, in alternating order. That UI is taken to be built
 * before keyframes (its page preloads the events without `keyframe=1`); BENCH_FIRST_FRAME_BASELINE_KEYFRAMES=1 if not.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright';
import { AccountStore, AuditLog, ViewerAccess } from '../../replay-viewer/auth/index';
import { startViewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import { clockAt, storeLongSession, type LongSession } from '../../test/helpers/long-session';
import { buildViewerUi } from '../build';
import { launchChromium } from '../chromium';
import { LeanChromium } from './lean-chromium';
import { percentile } from './latency';

const PASSWORD = 'first frame bench password';
const WARM_UP = 3;

interface Case { name: string; sessionId: string; session: LongSession }
interface Timing {
  frame: number;
  ready: number;
  /** Where the time went (ms from navigation start): the page's HTML and stylesheets in, the UI script loaded, the
   * events asked for, their first byte. */
  html: number;
  styles: number;
  script: number;
  asked: number;
  firstByte: number;
  /** The player's code started, the frame's events parsed, the frame applied to the replay document. */
  player: number;
  frameEvents: number;
  frameApplied: number;
  /** The keyframe's first bytes read by the page's head script; the page parsed (domInteractive). */
  keyframeBytes: number;
  parsed: number;
  /** app.js asked to run (the keyframe painted); the whole session in; the full player built; its moment ready. */
  appAsked: number;
  loaded: number;
  built: number;
  /** The page's own mark of the full player's readiness (`ready` is when the bench saw it, after round trips). */
  readyMark: number;
}

function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Moments mid-way between two clock changes and away from page loads and checkouts (each a different frame). */
function moments(s: LongSession, n: number, random: () => number): number[] {
  const loads = [...s.pageLoads, ...s.checkouts];
  const candidates = s.ticks.map(([t]) => t + 5_000).filter((t) => t < s.last && loads.every((l) => Math.abs(l - t) > 1_000));
  return Array.from({ length: n }, () => candidates[Math.floor(random() * candidates.length)]!);
}

/**
 * Notes in `window.verbatimSeen[text]` (performance.now()) the first animation frame in which a frame of the page
 * shows each clock text: a keyframe (ui/keyframe-view.ts, hidden until its document is written and scrolled) or
 * rrweb's first frame. Runs in the top page only, until the full player is ready.
 */
const SEEN_SCRIPT = `(() => {
  if (window !== window.top) return;
  const seen = (window.verbatimSeen = {});
  const look = () => {
    for (const f of Array.from(document.querySelectorAll('iframe'))) {
      const text = f.contentDocument?.getElementById('clock')?.textContent;
      if (text && !(text in seen) && f.checkVisibility({ visibilityProperty: true })) seen[text] = performance.now();
    }
    if (document.documentElement.dataset.replayReady !== 'true') requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();`;

/** A browser tab as the bench uses it, whichever driver opened it. */
interface BenchTab {
  goto(url: string): Promise<void>;
  evaluate<T>(expression: string): Promise<T>;
  /** Until the full player is ready (`html[data-replay-ready="true"]`). */
  waitForReady(): Promise<void>;
  close(): Promise<void>;
}

/** How tabs are opened: over the DevTools protocol alone (lean-chromium.ts), or by Playwright. */
interface Driver {
  name: string;
  newTab(): Promise<BenchTab>;
  close(): Promise<void>;
}

const VIEWPORT = { width: 1280, height: 800 };

async function playwrightDriver(browser: Browser, viewers: string[]): Promise<Driver> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  for (const url of viewers) assert.equal((await context.request.post(`${url}/auth/login`, { data: { username: 'analyst', password: PASSWORD } })).status(), 200);
  return {
    name: 'Playwright',
    async newTab() {
      const page = await context.newPage();
      // Watched from inside the page by a script it gets at its start: Playwright's own watching (waitForFunction)
      // compiles its ~300 KB helper script into the page first, 60-100 ms of the page's main thread in the middle of
      // the measured time (a trace of this bench).
      await page.addInitScript({ content: SEEN_SCRIPT });
      return {
        goto: async (url) => void await page.goto(url, { waitUntil: 'commit' }),
        evaluate: (expression) => page.evaluate(expression),
        // Not a polled expression: the viewer's CSP refuses the eval Playwright would make of it.
        waitForReady: async () => void await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 }),
        close: () => page.close(),
      };
    },
    close: () => context.close(),
  };
}

async function devtoolsDriver(viewers: string[]): Promise<Driver> {
  const browser = await LeanChromium.launch();
  for (const url of viewers) {
    const res = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: PASSWORD }) });
    assert.equal(res.status, 200);
    const [name, value] = res.headers.get('set-cookie')!.split(';', 1)[0]!.split(/=(.*)/s, 2) as [string, string];
    await browser.setCookie(url, name, value);
  }
  return {
    name: 'DevTools protocol',
    async newTab() {
      const tab = await browser.newTab(VIEWPORT.width, VIEWPORT.height, SEEN_SCRIPT);
      return {
        goto: (url) => tab.navigate(url),
        evaluate: (expression) => tab.evaluate(expression),
        waitForReady: () => tab.waitFor(`document.documentElement.dataset.replayReady === 'true'`, 30_000),
        close: () => tab.close(),
      };
    },
    close: () => browser.close(),
  };
}

/** Where the time went, from the page's own entries and marks (ui/early-requests.ts, player.ts). */
const PHASES = `JSON.stringify((() => {
  const entries = performance.getEntriesByType('resource');
  const app = entries.find((e) => e.name.includes('/app.js'));
  const events = entries.filter((e) => e.name.includes('/events'));
  const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? 0;
  return {
    names: events.map((e) => e.name + ' ' + e.initiatorType), requests: events.length,
    player: mark('verbatim:player'), frameEvents: mark('verbatim:frame-events'), frameApplied: mark('verbatim:frame-drawn'),
    keyframeBytes: mark('verbatim:keyframe-bytes'), appAsked: mark('verbatim:app-asked'), loaded: mark('verbatim:session-loaded'),
    built: mark('verbatim:player-built'), readyMark: mark('verbatim:ready'),
    parsed: performance.getEntriesByType('navigation')[0]?.domInteractive ?? 0,
    styles: Math.max(0, ...entries.filter((e) => /\\.css(\\?|$)/.test(e.name)).map((e) => e.responseEnd)),
    html: performance.getEntriesByType('navigation')[0]?.responseEnd ?? 0,
    script: app?.responseEnd ?? 0, asked: events[0]?.startTime ?? 0, firstByte: events[0]?.responseStart ?? 0,
  };
})())`;

/** Opens a deep link in a new tab, or in `tab` (the same tab for every link: BENCH_FIRST_FRAME_TAB=same). */
async function openLink(driver: Driver, base: string, c: Case, at: number, tab?: BenchTab): Promise<Timing> {
  const page = tab ?? await driver.newTab();
  try {
    const expected = clockAt(c.session, at);
    await page.goto(`${base}/sessions/${c.sessionId}?at=${at}`);
    await page.waitForReady();
    const frame = await page.evaluate<number | undefined>(`window.verbatimSeen?.[${JSON.stringify(expected)}]`);
    assert.ok(typeof frame === 'number', `the moment ${expected} was seen drawn`);
    // The full player shows the same moment.
    const shown = await page.evaluate<string | undefined>(`document.querySelector('.player-view iframe')?.contentDocument?.getElementById('clock')?.textContent`);
    assert.equal(shown, expected, `the player shows ${expected} at ${at}`);
    const ready = await page.evaluate<number>('performance.now()');
    const phases = JSON.parse(await page.evaluate<string>(PHASES)) as Omit<Timing, 'frame' | 'ready'> & { names: string[]; requests: number };
    // The page's preload is the player's request (ui-routes.ts): asked for once.
    assert.equal(phases.requests, 1, `one request for the events: ${JSON.stringify(phases.names)}`);
    return { frame, ready, html: phases.html, styles: phases.styles, script: phases.script, asked: phases.asked, firstByte: phases.firstByte, player: phases.player, frameEvents: phases.frameEvents, frameApplied: phases.frameApplied, keyframeBytes: phases.keyframeBytes, parsed: phases.parsed,
      appAsked: phases.appAsked, loaded: phases.loaded, built: phases.built, readyMark: phases.readyMark };
  } finally {
    if (!tab) await page.close();
  }
}

export async function benchFirstFrame(links = 24, baselineUi = process.env.BENCH_FIRST_FRAME_BASELINE, sameTab = process.env.BENCH_FIRST_FRAME_TAB === 'same'): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-ttff-'));
  const uiDir = path.join(dir, 'ui');
  const store = await openStore(path.join(dir, 'store'));
  const browser = await launchChromium();
  try {
    const built = buildViewerUi(uiDir);
    const start = Date.UTC(2026, 10, 2, 9);
    const generated = performance.now();
    const cases: Case[] = [
      { name: '1-hour session', sessionId: 'benchlonghoursession0000001', session: await storeLongSession(store, { sessionId: 'benchlonghoursession0000001', start, durationMs: 3_600_000, pageEveryMs: 600_000, checkoutEveryMs: 300_000 }) },
      { name: '12-second session', sessionId: 'benchtwelvesecondsession001', session: await storeLongSession(store, { sessionId: 'benchtwelvesecondsession001', start: start + 7_200_000, durationMs: 12_000, pageEveryMs: 3_600_000, checkoutEveryMs: 300_000 }) },
    ];
    const genMs = performance.now() - generated;
    const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
    await accounts.add('analyst', 'analyst', PASSWORD);
    const audit = await AuditLog.open(path.join(dir, 'audit.log'));
    const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
    await built;
    const viewer = await startViewer({ store, uiDir, access });
    const baseline = baselineUi ? await startViewer({ store, uiDir: path.resolve(baselineUi), access, uiWithoutKeyframes: process.env.BENCH_FIRST_FRAME_BASELINE_KEYFRAMES !== '1' }) : undefined;
    const uis = [{ name: baseline ? 'this UI' : '', viewer }, ...(baseline ? [{ name: 'baseline UI', viewer: baseline }] : [])];
    const urls = uis.map((u) => u.viewer.url);
    const driverNames = (process.env.BENCH_FIRST_FRAME_DRIVERS ?? 'devtools').split(',');
    const drivers = await Promise.all(driverNames.map((d) => (d === 'playwright' ? playwrightDriver(browser, urls) : devtoolsDriver(urls))));
    // Each variant: a UI (this build first) opened by a driver.
    const variants = drivers.flatMap((driver) => uis.map((u) => ({ name: [u.name, driver.name].filter(Boolean).join(', '), viewer: u.viewer, driver })));
    const random = rng(17);
    const details: string[] = [];

    console.log(`\n## Time to first frame of a deep link (Chromium, 1280 × 800, ${sameTab ? 'all links in one tab' : 'a new tab per link'}, ${os.cpus().length} cores; sessions written in ${(genMs / 1000).toFixed(1)} s)\n`);
    console.log('| session | events | links | first link, empty cache: frame / player ms | frame p50 ms | frame p95 ms | frame max ms | full player p50 ms | full player p95 ms | player ready (page\'s mark) p50 / p95 ms |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const c of cases) {
      // The 12-second session has one clock change: its moments are any time in it.
      const ats = c.session.ticks.length > 2 ? moments(c.session, WARM_UP + links, random)
        : Array.from({ length: WARM_UP + links }, () => c.session.first + Math.floor(random() * (c.session.last - c.session.first)));
      const times: Timing[][] = variants.map(() => []);
      const tabs = sameTab ? await Promise.all(variants.map((v) => v.driver.newTab())) : [];
      for (const [i, at] of ats.entries()) {
        // Alternating which variant goes first, so neither always meets the other's leftovers.
        const order = i % 2 ? [...variants.keys()].reverse() : [...variants.keys()];
        for (const k of order) times[k]!.push(await openLink(variants[k]!.driver, variants[k]!.viewer.url, c, at, tabs[k]));
      }
      for (const t of tabs) await t.close();
      variants.forEach((v, k) => {
        const all = times[k]!;
        const measured = all.slice(WARM_UP);
        const frames = measured.map((t) => t.frame).sort((a, b) => a - b);
        const readies = measured.map((t) => t.ready).sort((a, b) => a - b);
        const ms = (x: number) => x.toFixed(0);
        const mid = (key: keyof Timing) => percentile(measured.map((t) => t[key]).sort((a, b) => a - b), 50).toFixed(0);
        const name = [c.name, v.name, sameTab ? 'same tab' : ''].filter(Boolean).join(', ');
        details.push(`  ${name}, medians from navigation start: the page's HTML in ${mid('html')} ms, its stylesheets ${mid('styles')} ms, UI script loaded ${mid('script')} ms, events asked for ${mid('asked')} ms, their first byte ${mid('firstByte')} ms, the page parsed ${mid('parsed')} ms, the keyframe's bytes read ${mid('keyframeBytes')} ms, the player's code started ${mid('player')} ms, the frame's events in ${mid('frameEvents')} ms, applied ${mid('frameApplied')} ms, seen drawn ${mid('frame')} ms; app.js asked to run ${mid('appAsked')} ms, the whole session in ${mid('loaded')} ms, the full player built ${mid('built')} ms, ready ${mid('readyMark')} ms (seen ${mid('ready')} ms)`);
        console.log(`| ${name} | ${c.session.eventCount.toLocaleString('en')} | ${measured.length} | ${ms(all[0]!.frame)} / ${ms(all[0]!.ready)} | ${ms(percentile(frames, 50))} | **${ms(percentile(frames, 95))}** | ${ms(frames[frames.length - 1]!)} | ${ms(percentile(readies, 50))} | ${ms(percentile(readies, 95))} | ${mid('readyMark')} / ${percentile(measured.map((t) => t.readyMark).sort((a, b) => a - b), 95).toFixed(0)} |`);
      });
    }
    console.log(`\n${details.join('\n')}`);
    for (const d of drivers) await d.close();
    await viewer.close();
    await baseline?.close();
  } finally {
    await browser.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await benchFirstFrame(Number(process.argv[2] ?? 24));
  process.exit(0);
}
