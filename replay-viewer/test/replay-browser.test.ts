/**
 * End to end in real Chromium: record a tiny site with rrweb, archive its
 * responses the way the capture proxy would, take the site down, then replay
 * from the viewer and check what the agent sees, and that the site got no request.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright';
import { PNG } from 'pngjs';
import { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';
import { startViewer, type Viewer } from '../server';
import { buildTestRecorder, buildViewerUi } from './build-ui';

const SID = 'r3cordedsess10nf0rbr0wser1';
const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const BODY_RGB = [12, 90, 160] as const;
const TILE_RGB = [200, 30, 40] as const;
const CDN_TILE_RGB = [20, 160, 60] as const;
const RECORDED = { width: 800, height: 600 };

interface Served {
  url: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  at: number;
  destination?: string;
}

/** A small HTTP site that logs every request and every response it sends. */
class Site {
  server!: http.Server;
  origin = '';
  port = 0;
  requests: string[] = [];
  served: Served[] = [];
  constructor(private readonly routes: Record<string, () => { type: string; body: Buffer; headers?: [string, string][] }>) {}

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      const at = Date.now();
      this.requests.push(req.url ?? '');
      const route = this.routes[(req.url ?? '/').split('?')[0]!];
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      const { type, body, headers = [] } = route();
      const all: [string, string][] = [['content-type', type], ...headers];
      res.writeHead(200, Object.fromEntries(all));
      res.end(body);
      this.served.push({ url: `${this.origin}${req.url}`, status: 200, headers: all, body, at, destination: req.headers['sec-fetch-dest'] as string | undefined });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function png(rgb: readonly [number, number, number], size = 8): Buffer {
  const img = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) img.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(img);
}

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let browser: Browser;
let site: Site;
let cdn: Site;
let tripwires: Site[] = [];
let afterMutationAt = 0;
let beforeMutationAt = 0;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-replay-'));
  const uiDir = path.join(dir, 'ui');
  const [recorderJs, font] = await Promise.all([buildTestRecorder(), readFile(FONT_FILE), buildViewerUi(uiDir)]);

  // The "CDN": a cross-origin stylesheet, so rrweb cannot inline it and the replay loads it by URL.
  cdn = new Site({
    '/lib/widgets.css': () => ({ type: 'text/css', body: Buffer.from('.cdn-box { width: 160px; height: 80px; background: url("../img/tile.png"); }') }),
    '/img/tile.png': () => ({ type: 'image/png', body: png(CDN_TILE_RGB) }),
  });
  await cdn.start();

  site = new Site({
    '/': () => ({ type: 'text/html; charset=utf-8', headers: [['content-security-policy', "default-src 'self' 'unsafe-inline' " + cdn.origin]], body: Buffer.from(`<!doctype html>
<html><head><meta charset="utf-8"><title>Online banking</title>
<link rel="stylesheet" href="css/site.css">
<link rel="stylesheet" href="${cdn.origin}/lib/widgets.css">
<script src="rec.js"></script>
</head><body>
<h1 id="headline">Welcome back</h1>
<div class="box"></div>
<div class="cdn-box"></div>
<img id="photo" src="img/photo.png" width="40" height="40" alt="">
</body></html>`) }),
    '/rec.js': () => ({ type: 'text/javascript', body: Buffer.from(recorderJs) }),
    '/css/site.css': () => ({
      type: 'text/css',
      headers: [['content-encoding', 'gzip'], ['strict-transport-security', 'max-age=31536000'], ['set-cookie', 'sid=abc; HttpOnly']],
      body: gzipSync(`@font-face { font-family: "Verbatim Test"; src: url(../fonts/test.ttf) format("truetype"); }
body { margin: 0; background: rgb(${BODY_RGB.join(', ')}); font-family: "Verbatim Test", monospace; }
h1 { margin: 0; height: 60px; color: white; font-size: 24px; }
.box { width: 200px; height: 120px; background: url(../img/tile.png); }`),
    }),
    '/fonts/test.ttf': () => ({ type: 'font/ttf', body: font }),
    '/img/tile.png': () => ({ type: 'image/png', body: png(TILE_RGB) }),
    '/img/photo.png': () => ({ type: 'image/png', body: png([250, 250, 250]) }),
  });
  await site.start();

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  // 1. Record.
  const recording = await browser.newPage({ viewport: RECORDED });
  await recording.goto(`${site.origin}/`, { waitUntil: 'load' });
  await recording.evaluate(() => document.fonts.ready);
  await recording.waitForTimeout(300);
  beforeMutationAt = Date.now();
  await recording.evaluate(() => {
    document.getElementById('headline')!.textContent = 'Balance: 1,234.56';
  });
  await recording.waitForTimeout(300);
  const events = (await recording.evaluate(() => (window as unknown as { __rrwebEvents: RecordedEvent[] }).__rrwebEvents)) as RecordedEvent[];
  await recording.close();
  afterMutationAt = events[events.length - 1]!.timestamp;
  assert.ok(events.some((e) => e.type === 2), 'rrweb produced a full snapshot');
  assert.ok(afterMutationAt > beforeMutationAt, 'the mutation was recorded after the marker');

  // 2. Archive what the browser received, as the capture proxy would.
  store = new LevelStore(path.join(dir, 'db'));
  await store.open();
  await store.createSession({ id: SID, channel: 'proxy', startedAt: events[0]!.timestamp, browser: 'Chromium', os: 'Linux', deviceType: 'desktop' });
  await store.appendEvents({ sessionId: SID, page: { id: 'p1', url: `${site.origin}/`, title: 'Online banking' }, seq: 0, viewport: RECORDED, events, receivedAt: Date.now() });
  for (const s of [...site.served, ...cdn.served]) {
    const encoding = s.headers.find(([k]) => k === 'content-encoding')?.[1] ?? '';
    const digest = await store.putBlob(s.body);
    await store.putCapture({
      id: randomUUID(), sessionId: SID, method: 'GET', url: s.url, status: s.status, headers: s.headers, destination: s.destination,
      startedAt: s.at, timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: s.body.length, encoding, truncated: false },
    });
  }

  // 3. The site vanishes. Tripwires on its ports count anything that still tries to reach it.
  await site.stop();
  await cdn.stop();
  for (const port of [site.port, cdn.port]) {
    const wire = new Site({});
    try {
      await wire.start(port);
      tripwires.push(wire);
    } catch {
      // port taken by someone else meanwhile: the page-level request log still covers it
    }
  }

  viewer = await startViewer({ store, uiDir });
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  for (const w of tripwires) await w.stop();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function openPlayer(at: number): Promise<{ page: Page; requests: string[]; failed: Map<string, string>; violations: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests: string[] = [];
  const failed = new Map<string, string>();
  const violations: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('requestfailed', (r) => failed.set(r.url(), r.failure()?.errorText ?? ''));
  page.on('console', (m) => {
    if (/Refused to|Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.goto(`${viewer.url}/sessions/${SID}?at=${at}&cursor=0`);
  await page.waitForFunction(() => document.documentElement.dataset.replayReady === 'true', undefined, { timeout: 30_000 });
  return { page, requests, failed, violations };
}

function pixel(shot: Buffer, x: number, y: number): number[] {
  const img = PNG.sync.read(shot);
  const i = (Math.round(y) * img.width + Math.round(x)) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

function assertColour(actual: number[], expected: readonly number[], what: string): void {
  const close = actual.every((v, i) => Math.abs(v - expected[i]!) <= 3);
  assert.ok(close, `${what}: expected rgb(${expected.join(',')}), got rgb(${actual.join(',')})`);
}

test('a deep link replays the archived moment in Chromium without touching the dead site', { skip: !existsSync('/usr/bin/chromium') || !existsSync(FONT_FILE), timeout: 60_000 }, async () => {
  const { page, requests, failed, violations } = await openPlayer(afterMutationAt);
  try {
    const handle = await page.$('.replayer-wrapper > iframe');
    assert.ok(handle, 'the replay iframe is exposed');
    const frame = await handle.contentFrame();
    assert.ok(frame);

    const state = await frame.evaluate(() => {
      const box = document.querySelector('.box')!;
      const cdnBox = document.querySelector('.cdn-box')!;
      const photo = document.querySelector<HTMLImageElement>('#photo')!;
      return {
        headline: document.getElementById('headline')?.textContent,
        bodyBackground: getComputedStyle(document.body).backgroundColor,
        boxBackground: getComputedStyle(box).backgroundImage,
        cdnBackground: getComputedStyle(cdnBox).backgroundImage,
        fontLoaded: document.fonts.check('16px "Verbatim Test"') && Array.from(document.fonts).some((f) => f.family.includes('Verbatim Test') && f.status === 'loaded'),
        photoWidth: photo.naturalWidth,
        photoSrc: photo.getAttribute('src'),
      };
    });
    assert.equal(state.headline, 'Balance: 1,234.56', 'the moment after the mutation is shown');
    assert.equal(state.bodyBackground, `rgb(${BODY_RGB.join(', ')})`);
    assert.match(state.boxBackground, /\/archive\/.+\/img\/tile\.png/);
    assert.match(state.cdnBackground, /\/archive\/.+\/img\/tile\.png/);
    assert.ok(state.fontLoaded, 'the archived web font loaded');
    assert.equal(state.photoWidth, 8);
    assert.match(String(state.photoSrc), new RegExp(`^/archive/${SID}/\\d+/${site.origin}/img/photo\\.png$`));

    // Not scaled: the window is large enough for the recorded 800×600.
    const box = (await handle.boundingBox())!;
    assert.equal(Math.round(box.width), RECORDED.width);
    assert.equal(Math.round(box.height), RECORDED.height);
    assert.equal(await page.$eval('.replay-root', (el) => (el as HTMLElement).style.transform), 'none');
    assert.equal(await page.$eval('.replayer-mouse', (el) => getComputedStyle(el).display), 'none', '?cursor=0 hides the cursor');

    // Pixels: body colour, the stylesheet's tiled background, and the cross-origin stylesheet's.
    const shot = await page.screenshot();
    const boxEl = (await frame.$('.box'))!;
    const cdnEl = (await frame.$('.cdn-box'))!;
    const b = (await boxEl.boundingBox())!;
    const c = (await cdnEl.boundingBox())!;
    assertColour(pixel(shot, box.x + box.width - 20, box.y + box.height - 20), BODY_RGB, 'body background');
    assertColour(pixel(shot, b.x + b.width / 2, b.y + b.height / 2), TILE_RGB, 'site.css background image');
    assertColour(pixel(shot, c.x + c.width / 2, c.y + c.height / 2), CDN_TILE_RGB, 'cross-origin stylesheet background image');

    const dead = [site.origin, cdn.origin];
    assert.deepEqual(requests.filter((u) => dead.some((o) => u.startsWith(o))), [], 'the page asked the dead site for nothing');
    assert.ok(requests.every((u) => u.startsWith(viewer.url) || u.startsWith('data:')), `only the viewer was asked: ${requests.filter((u) => !u.startsWith(viewer.url)).join(', ')}`);
    assert.ok(requests.some((u) => u.includes('/fonts/test.ttf')), 'the font came from the archive');
    assert.deepEqual(violations, [], 'nothing had to be blocked by the CSP');
    for (const w of tripwires) assert.deepEqual(w.requests, [], 'the tripwire on the dead site saw nothing');

    // Defence in depth: a live URL that escaped rewriting is blocked by the CSP the replay iframe
    // inherits. (The iframe runs no scripts, so the violation is observed through the console.)
    const probe = `${site.origin}/probe.png`;
    const refused = page.waitForEvent('console', { predicate: (m) => m.text().includes(probe) && /Content Security Policy/i.test(m.text()), timeout: 10_000 });
    await frame.evaluate((url) => {
      const img = document.createElement('img');
      img.src = url;
      document.body.append(img);
    }, probe);
    await refused;
    await page.waitForTimeout(200);
    assert.match(failed.get(probe) ?? 'not failed', /csp/i, 'the probe was blocked, not sent');
    for (const w of tripwires) assert.deepEqual(w.requests, []);
  } finally {
    await page.close();
  }
});

test('seeking re-renders an earlier moment and toggles replayReady', { skip: !existsSync('/usr/bin/chromium') || !existsSync(FONT_FILE), timeout: 60_000 }, async () => {
  const { page } = await openPlayer(beforeMutationAt);
  try {
    const frame = (await (await page.$('.replayer-wrapper > iframe'))!.contentFrame())!;
    assert.equal(await frame.$eval('#headline', (el) => el.textContent), 'Welcome back');

    // Seek to the end with the keyboard on the timeline: not ready while seeking, ready after.
    await page.focus('.timeline');
    const sawNotReady = page.waitForFunction(() => document.documentElement.dataset.replayReady === 'false');
    await page.keyboard.press('End');
    await sawNotReady;
    await page.waitForFunction(() => document.documentElement.dataset.replayReady === 'true');
    const after = (await (await page.$('.replayer-wrapper > iframe'))!.contentFrame())!;
    assert.equal(await after.$eval('#headline', (el) => el.textContent), 'Balance: 1,234.56');
    assert.equal(await page.$eval('.page-list li', (li) => li.classList.contains('current')), true);
    assert.match(await page.$eval('.timeline-marker.page', (m) => (m as HTMLElement).title), new RegExp(site.origin));
  } finally {
    await page.close();
  }
});

test('play runs to the end, a click on the timeline seeks back, speeds switch', { skip: !existsSync('/usr/bin/chromium') || !existsSync(FONT_FILE), timeout: 60_000 }, async () => {
  const { page } = await openPlayer(beforeMutationAt);
  try {
    await page.click('.speed[data-speed="4"]');
    assert.equal(await page.getAttribute('.speed[data-speed="4"]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('.speed[data-speed="1"]', 'aria-pressed'), 'false');

    await page.click('button.play');
    // Playing to the end finishes, pauses, and settles on the last moment.
    await page.waitForFunction(() => document.documentElement.dataset.replayReady === 'true' && document.querySelector('button.play')?.getAttribute('aria-label') === 'Play', undefined, { timeout: 15_000 });
    let frame = (await (await page.$('.replayer-wrapper > iframe'))!.contentFrame())!;
    assert.equal(await frame.$eval('#headline', (el) => el.textContent), 'Balance: 1,234.56');
    const [shown, total] = (await page.textContent('.time'))!.split(' / ');
    assert.equal(shown, total);

    const bar = (await (await page.$('.timeline'))!.boundingBox())!;
    await page.mouse.click(bar.x + 1, bar.y + bar.height / 2);
    await page.waitForFunction(() => document.documentElement.dataset.replayReady === 'true');
    frame = (await (await page.$('.replayer-wrapper > iframe'))!.contentFrame())!;
    assert.equal(await frame.$eval('#headline', (el) => el.textContent), 'Welcome back');
    assert.match((await page.textContent('.time'))!, /^0:00 \//);
  } finally {
    await page.close();
  }
});
