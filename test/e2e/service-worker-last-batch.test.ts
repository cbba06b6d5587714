/**
 * A page a service worker controls keeps its last batch: real Chromium → real proxy → LevelDB. The customer clicks
 * and leaves at once; the click and the pagehide marker, both in the upload sent at pagehide, must be stored.
 *
 * Chromium hands a keepalive upload to the worker's fetch handler. One worker answers everything with
 * `respondWith(fetch(e.request))`; the other looks at each request and answers none (the request goes back to the
 * network from the page, which is gone). Each page is left once with its worker running and once with it stopped, as
 * Chromium stops an idle worker: before recorder/deferred-send.ts a stopped worker lost the last batch every time with
 * either handler, a running one that answers nothing most times. The second page comes through the worker that passes
 * everything on (`Sec-Fetch-Dest: empty`): the proxy must still give it the recorder. A fetch handler with an empty
 * body is not here: Chromium skips it, and the upload never meets the worker.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import type { EventBatch, RecordedEvent } from '../../store/records';
import { CUSTOM_TAGS } from '../../recorder/protocol';
import { launchChromium } from '../../scripts/chromium';

const root = path.resolve(import.meta.dirname, '../..');

const LIFECYCLE = `self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));`;
const WORKERS: Record<string, string> = {
  'passes-through': `${LIFECYCLE}
self.addEventListener('fetch', (e) => e.respondWith(fetch(e.request)));`,
  'answers-nothing': `${LIFECYCLE}
self.addEventListener('fetch', (e) => { if (new URL(e.request.url).pathname === '/offline') e.respondWith(new Response('offline')); });`,
};

const page = (worker: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>Pay</title></head><body>
<button id="pay">Pay</button><p id="state">starting</p>
<script>
(async () => {
  await navigator.serviceWorker.register('/sw.js?w=${worker}', { scope: '/' });
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  document.getElementById('state').textContent = 'controlled';
})();
</script></body></html>`;

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let siteUrl: string;
let proxy: RunningProxy;
let browser: Browser;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-sw-batch-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const worker = url.searchParams.get('w') ?? '';
    if (url.pathname === '/sw.js' && WORKERS[worker]) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(WORKERS[worker]);
    } else if (url.pathname === '/pay' && WORKERS[worker]) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(worker));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  proxy = await startProxy({
    allowedTargets: ['127.0.0.1'], store, dataDir: dir, port: 0,
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
  browser = await launchChromium({ server: proxy.url });
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await new Promise((resolve) => site?.close(resolve));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 25))) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
  }
}

const isClick = (e: RecordedEvent): boolean => {
  const data = e.data as { source?: number; type?: number } | undefined;
  return e.type === 3 && data?.source === 2 && data.type === 2; // IncrementalSnapshot, MouseInteraction, Click
};
const isPageHidden = (e: RecordedEvent): boolean => e.type === 5 && (e.data as { tag?: string } | undefined)?.tag === CUSTOM_TAGS.pageHidden;

/** The batches of the page opened with `visit` in its URL. */
async function pageBatches(visit: string): Promise<EventBatch[]> {
  const sessions = (await store.listSessions({ limit: 50 })).filter((s) => s.pages.some((p) => p.url.includes(`visit=${visit}`)));
  const batches = (await Promise.all(sessions.map((s) => store.readEvents(s.id)))).flat();
  return batches.filter((b) => b.page.url.includes(`visit=${visit}`));
}

/**
 * Opens the page in `context` (its worker installed there or not yet), clicks once the recorder's first upload is
 * stored (so the click waits for the upload at pagehide), leaves at once, and returns the page's stored events.
 * `stopWorker`: stop the worker first, as Chromium does after 30 s without events (a customer who read the page).
 */
async function clickAndLeave(context: BrowserContext, worker: string, visit: string, stopWorker: boolean): Promise<{ events: RecordedEvent[]; batches: number }> {
  const tab = await context.newPage();
  await tab.goto(`${siteUrl}/pay?w=${worker}&visit=${visit}`);
  await tab.waitForFunction(() => document.getElementById('state')?.textContent === 'controlled');
  await until('the recorder\'s first upload', 10_000, async () => ((await pageBatches(visit)).length ? true : undefined));
  if (stopWorker) {
    const cdp = await context.newCDPSession(tab);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
  }
  await tab.click('#pay');
  await tab.goto('about:blank');
  const events = async () => (await pageBatches(visit)).flatMap((b) => b.events);
  await until(`${visit}: the pagehide marker and the click stored`, 5_000, async () => {
    const all = await events();
    return all.some(isPageHidden) && all.some(isClick) ? true : undefined;
  });
  const batches = await pageBatches(visit);
  await tab.close();
  return { events: batches.flatMap((b) => b.events), batches: batches.length };
}

// The two workers side by side, each in its own browser context (its own worker storage): most of a visit is
// waiting (the worker's install, the recorder's first upload), so this halves the file's time.
describe('a page a service worker controls keeps its last batch (pagehide)', { concurrency: true }, () => {
  const cases = [
    { worker: 'passes-through', does: 'answers every request with respondWith(fetch(e.request))' },
    { worker: 'answers-nothing', does: 'answers none of them (the network gets them)' },
  ];
  for (const { worker, does } of cases) {
    it(`a worker that ${does}, running or stopped: the click before leaving and the pagehide marker are stored`, async () => {
      const context = await browser.newContext();
      try {
        for (const stopped of [false, true]) {
          const { events, batches } = await clickAndLeave(context, worker, `${worker}-${stopped ? 'stopped' : 'running'}`, stopped);
          assert.equal(events.filter(isClick).length, 1, 'one click');
          assert.equal(events.filter(isPageHidden).length, 1, 'one pagehide marker');
          assert.ok(batches >= 2, `the snapshot's upload and the last one (${batches} batches)`);
        }
      } finally {
        await context.close();
      }
    });
  }
});
