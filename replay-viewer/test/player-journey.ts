/**
 * A customer journey recorded in real Chromium with rrweb (and Verbatim's error tags), stored as the proxy would,
 * for the player tests: sign in (a name typed, a password masked by rrweb), a transfer page (a field typed in, a
 * field entered and left empty, a button that throws, a button clicked in a rage, a single-page-app route change).
 * Known counts: 2 page loads, 1 route change, 7 clicks, 4 inputs (1 masked, 2 values, 1 none), 1 error. A 20 s idle
 * stretch is put before the sign-in click by moving every later event 20 s on (a real 20 s wait is a slow test).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { buildViewerUi } from './build-ui';

export const JOURNEY = { clicks: 7, inputs: 4, pages: 2, routes: 1, errors: 1 } as const;
export const RECORDED = { width: 1280, height: 800 };
export const IDLE_MS = 20_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const PAGES: Record<string, string> = {
  '/': `<!doctype html><html><head><title>Sign in</title><style>body{font:16px sans-serif;margin:40px}</style></head><body>
    <h1>Online banking</h1>
    <label for="user">Customer number</label> <input id="user" name="user">
    <label for="pass">Password</label> <input id="pass" name="pass" type="password">
    <button id="continue" onclick="document.getElementById('status').textContent='Signing in…'">Continue</button>
    <p id="status"></p></body></html>`,
  '/transfer': `<!doctype html><html><head><title>Transfer</title><style>body{font:16px sans-serif;margin:40px}</style></head><body>
    <h1>New transfer</h1>
    <label for="reference">Reference</label> <input id="reference" name="reference">
    <label for="memo">Memo</label> <input id="memo" name="memo">
    <button id="send" onclick="null.send()">Send</button>
    <button id="help">Help</button>
    <button id="review" onclick="history.pushState({}, '', '/transfer/review'); document.querySelector('h1').textContent='Review'">Review</button>
    </body></html>`,
};

/** rrweb's recorder with Verbatim's error tags (recorder/page-errors.ts names), events kept in the page. */
async function recorderScript(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { record } from '@rrweb/record';
        window.__rrwebEvents = [];
        record({ emit(event) { window.__rrwebEvents.push(event); } });
        addEventListener('error', (e) => record.addCustomEvent('verbatim:uncaught-error', { message: String(e.message) }));`,
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'iife', write: false, target: ['chrome100'], logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

async function startSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const page = PAGES[(req.url ?? '/').split('?')[0]!];
    if (!page) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Journey {
  first: number;
  /** Epoch ms of the sign-in click, after the idle stretch. */
  continueAt: number;
  /** The idle stretch: last activity before it, first after it (epoch ms). */
  idleFrom: number;
  idleTo: number;
}

export async function recordJourney(browser: Browser, store: VerbatimStore, sessionId: string): Promise<Journey> {
  const site = await startSite();
  const script = await recorderScript();
  const page = await browser.newPage({ viewport: RECORDED });
  await page.addInitScript(script);
  const take = async (): Promise<RecordedEvent[]> => page.evaluate(() => (window as unknown as { __rrwebEvents: RecordedEvent[] }).__rrwebEvents.splice(0));
  try {
    await page.goto(`${site.origin}/`);
    await page.waitForTimeout(200);
    await page.fill('#user', '4711');
    await page.fill('#pass', 'hunter2');
    await page.waitForTimeout(1_500);
    const beforeClick = Date.now();
    await page.click('#continue');
    await page.waitForTimeout(200);
    const p1 = await take();
    await page.goto(`${site.origin}/transfer`);
    await page.waitForTimeout(200);
    await page.fill('#reference', 'rent');
    await page.click('#memo');
    await page.click('#send');
    await page.waitForTimeout(300);
    // A rage burst is three clicks inside 1 s: plain mouse clicks at one spot, because page.click's actionability
    // checks can stretch three clicks past 1 s on a loaded machine.
    const help = (await page.locator('#help').boundingBox())!;
    for (let i = 0; i < 3; i++) await page.mouse.click(help.x + help.width / 2, help.y + help.height / 2, { delay: 20 });
    await page.waitForTimeout(1_500);
    const p2a = await take();
    await page.click('#review');
    await page.waitForTimeout(300);
    const p2b = await take();

    // 20 s of nothing before the sign-in click: every event from just before it moves 20 s later.
    const cut = beforeClick - 600;
    for (const e of [...p1, ...p2a, ...p2b]) if (e.timestamp >= cut) e.timestamp += IDLE_MS;
    const first = p1[0]!.timestamp;
    const continueAt = p1.find((e) => e.type === 3 && (e.data as { source?: number; type?: number }).source === 2 && (e.data as { type?: number }).type === 2)!.timestamp;
    const idleFrom = Math.max(...p1.filter((e) => e.timestamp < cut + IDLE_MS).map((e) => e.timestamp));
    const idleTo = Math.min(...p1.filter((e) => e.timestamp >= cut + IDLE_MS).map((e) => e.timestamp));
    assert.ok(idleTo - idleFrom > IDLE_MS, `an idle stretch of ${idleTo - idleFrom} ms`);

    const last = p2b[p2b.length - 1]!.timestamp;
    await store.createSession({ id: sessionId, channel: 'proxy', startedAt: first, browser: 'Chromium', os: 'Linux', deviceType: 'desktop' });
    await store.appendEvents({ sessionId, page: { id: 'p1', url: `${site.origin}/`, title: 'Sign in' }, seq: 0, viewport: RECORDED, events: p1, receivedAt: last });
    await store.appendEvents({ sessionId, page: { id: 'p2', url: `${site.origin}/transfer`, title: 'Transfer' }, seq: 0, viewport: RECORDED, events: p2a, receivedAt: last });
    await store.appendEvents({ sessionId, page: { id: 'p2', url: `${site.origin}/transfer/review`, title: 'Transfer' }, seq: 1, viewport: RECORDED, events: p2b, receivedAt: last });
    // One archived request, for the feed's Requests chip (the replay itself needs none: the pages are inline).
    const body = Buffer.from(PAGES['/transfer']!);
    await store.putCapture({
      id: 'cap-transfer', sessionId, method: 'GET', url: `${site.origin}/transfer`, status: 200, headers: [['content-type', 'text/html']],
      startedAt: p2a[0]!.timestamp - 50, timing: { headersMs: 1, totalMs: 2 }, body: { digest: await store.putBlob(body), size: body.length, encoding: '', truncated: false },
    });
    return { first, continueAt, idleFrom, idleTo };
  } finally {
    await page.close();
    await site.close();
  }
}

export const SID = 'j0urneyp1ayer5ess10n2v3w4x';
const PASSWORD = 'player journey password';

export interface PlayerFixture {
  browser: Browser;
  viewer: Viewer;
  audit: AuditLog;
  store: LevelStore;
  journey: Journey;
  /** A signed-in page showing the journey's player, ready (a paused moment fully shown). */
  player(opts: { viewport: { width: number; height: number }; user?: 'analyst' | 'agent'; query?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** Viewer with accounts (an analyst, an agent), the journey stored, Chromium launched. */
export async function startPlayerFixture(): Promise<PlayerFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-player-'));
  const uiDir = path.join(dir, 'ui');
  const built = buildViewerUi(uiDir);
  const store = await openStore(path.join(dir, 'store'));
  const browser = await launchChromium();
  const journey = await recordJourney(browser, store, SID);
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const role of ['agent', 'analyst'] as const) await accounts.add(role, role, PASSWORD);
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
  await built;
  const viewer = await startViewer({ store, uiDir, access });
  return {
    browser, viewer, audit, store, journey,
    async player({ viewport, user = 'analyst', query = '' }) {
      const page = await browser.newPage({ viewport });
      const res = await page.request.post(`${viewer.url}/auth/login`, { data: { username: user, password: PASSWORD } });
      assert.equal(res.status(), 200, `${user} signs in`);
      await page.goto(`${viewer.url}/sessions/${SID}${query}`);
      await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
      return page;
    },
    async close() {
      await browser.close();
      await viewer.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
