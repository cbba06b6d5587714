/**
 * Canvas replay in real Chromium, with rrweb recording as Verbatim configures it
 * (recorder/record-options.ts) and started after the page drew, as the recorder
 * starts after `load`. The replay frame runs no script (sandbox without
 * allow-scripts), so the player draws canvases itself (ui/canvas-painter.ts):
 *   - a canvas drawn only before recording starts keeps its size and pixels
 *     (without the painter Chromium shows its fallback content: zero size);
 *   - a canvas added after the snapshot, drawn in the task that added it, is drawn
 *     once (rrweb records its image and, one task later, the same commands);
 *   - commands recorded later are drawn on top, in order, also when seeking back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright';
import { PNG } from 'pngjs';
import { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';
import { launchChromium } from '../../scripts/chromium';
import { diffPng } from '../../test/helpers/pixels';
import { startViewer, type Viewer } from '../server';

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 800, height: 500 };
const T = (rgba: string): string => `rgba(${rgba})`;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;font:16px sans-serif;background:#fff} canvas{vertical-align:top} p{margin:4px 0}
</style></head><body>
<p>before the canvas</p>
<canvas id="chart" width="400" height="150"></canvas>
<p id="below">below the canvas</p>
<div id="later"></div>
<script>
  // Drawn while the page loads: before any recorder runs.
  const ctx = document.getElementById('chart').getContext('2d');
  ctx.fillStyle = 'rgb(30,120,200)'; ctx.fillRect(0, 0, 400, 150);
  ctx.fillStyle = '${T('255,0,0,0.5')}'; ctx.fillRect(40, 20, 160, 100);
  ctx.fillStyle = '#fff'; ctx.font = '28px sans-serif'; ctx.fillText('drawn before', 210, 90);
  window.addCanvas = () => {
    const c = document.createElement('canvas'); c.width = 300; c.height = 80;
    const x = c.getContext('2d');
    x.fillStyle = '${T('0,160,0,0.5')}'; x.fillRect(0, 0, 300, 80);
    x.fillStyle = '${T('0,0,0,0.6')}'; x.font = '24px sans-serif'; x.fillText('added later', 20, 50);
    document.getElementById('later').append(c);
  };
  window.drawOnTop = () => { ctx.fillStyle = '${T('0,0,0,0.5')}'; ctx.fillRect(260, 0, 140, 150); };
</script></body></html>`;

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let browser: Browser;
let site: http.Server;
let siteUrl: string;
let recorderJs: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-canvas-'));
  // Verbatim's own rrweb options, collecting events in the page; started when the test says so.
  recorderJs = (await build({
    stdin: {
      contents: `import { record } from '@rrweb/record';
        import { recordOptions } from './recorder/record-options';
        window.__events = [];
        window.__startRecorder = () => record(recordOptions((e) => window.__events.push(e), () => undefined));`,
      resolveDir: root, loader: 'ts',
    },
    bundle: true, format: 'iife', write: false, target: ['chrome100'], logLevel: 'warning',
  })).outputFiles[0]!.text;
  site = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  store = new LevelStore(path.join(dir, 'db'));
  await store.open();
  viewer = await startViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer') });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

interface Moment { at: number; png: Buffer }

/** Loads the page, starts the recorder after load, runs `steps` (each followed by a live screenshot), stores the session. */
async function record(id: string, steps: ((page: Page) => Promise<void>)[], edit = (events: RecordedEvent[]): RecordedEvent[] => events): Promise<Moment[]> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(siteUrl, { waitUntil: 'load' });
  await page.addScriptTag({ content: recorderJs });
  await page.evaluate(() => (window as unknown as { __startRecorder(): void }).__startRecorder());
  await page.waitForTimeout(200);
  const moments: Moment[] = [];
  for (const step of steps) {
    await step(page);
    await page.waitForTimeout(300); // rrweb flushes canvas commands on the next animation frame
    moments.push({ at: Date.now(), png: await page.screenshot() });
    await page.waitForTimeout(100);
  }
  const events = edit(await page.evaluate(() => (window as unknown as { __events: RecordedEvent[] }).__events));
  await page.close();
  await store.createSession({ id, channel: 'proxy', startedAt: events[0]!.timestamp, viewport: VIEWPORT });
  await store.appendEvents({ sessionId: id, page: { id: 'p1', url: siteUrl }, seq: 0, viewport: VIEWPORT, events, receivedAt: Date.now() });
  return moments;
}

async function replay(id: string, at: number, page?: Page): Promise<{ png: Buffer; page: Page }> {
  const player = page ?? await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await player.goto(`${viewer.url}/sessions/${id}?at=${at}&cursor=0`);
  await player.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  const box = (await (await player.waitForSelector('.replayer-wrapper iframe')).boundingBox())!;
  const png = await player.screenshot({ clip: { x: Math.round(box.x), y: Math.round(box.y), width: VIEWPORT.width, height: VIEWPORT.height } });
  return { png, page: player };
}

/** The added canvas's green (it sits under #below): in column 10, five rows into its first green row. */
function greenAt(png: Buffer): number[] {
  const img = PNG.sync.read(png);
  for (let y = 0; y < img.height; y++) {
    const i = ((y + 5) * img.width + 10) * 4;
    const [r, g, b] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
    if (g > r + 40 && g > b + 40) return [r, g, b];
  }
  return [];
}

function pixel(png: Buffer, x: number, y: number): number[] {
  const img = PNG.sync.read(png);
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

test('a canvas drawn only before recording starts replays with its size and pixels', async () => {
  const [live] = await record('canvasbefore0000000000001', [async () => undefined]);
  const { png, page } = await replay('canvasbefore0000000000001', live!.at);
  const sandbox = await page.$eval('.replayer-wrapper iframe', (f) => f.getAttribute('sandbox'));
  const box = await page.frames()[1]!.$eval('#chart', (c) => [c.getBoundingClientRect().width, c.getBoundingClientRect().height]);
  await page.close();
  assert.equal(sandbox, 'allow-same-origin', 'no scripts in the replay frame');
  assert.deepEqual(box, [400, 150], 'the canvas keeps its size (the fallback would have none)');
  const diff = diffPng(live!.png, png);
  assert.ok(diff.ratio <= 0.001, `${(diff.ratio * 100).toFixed(3)} % of pixels differ`);
  assert.deepEqual(pixel(png, 100, 60 + 26), pixel(live!.png, 100, 60 + 26));
});

test('a canvas added after the snapshot is drawn once; later commands draw on top, also after seeking back', async () => {
  const [added, onTop] = await record('canvasadded00000000000001', [
    (p) => p.evaluate(() => (window as unknown as { addCanvas(): void }).addCanvas()),
    (p) => p.evaluate(() => (window as unknown as { drawOnTop(): void }).drawOnTop()),
  ]);
  // The added canvas's half-transparent green over white: drawn twice it would be darker.
  const later = await replay('canvasadded00000000000001', onTop!.at);
  const diffTop = diffPng(onTop!.png, later.png);
  // Seek back within the same page load: the added canvas is drawn once there too.
  const earlier = await replay('canvasadded00000000000001', added!.at, later.page);
  await earlier.page.close();
  const diffAdded = diffPng(added!.png, earlier.png);
  assert.deepEqual(greenAt(earlier.png), greenAt(added!.png), 'the added canvas is drawn once');
  assert.ok(diffAdded.ratio <= 0.001, `after adding: ${(diffAdded.ratio * 100).toFixed(3)} % of pixels differ`);
  assert.ok(diffTop.ratio <= 0.001, `after drawing on top: ${(diffTop.ratio * 100).toFixed(3)} % of pixels differ`);
});

test('a canvas added after the snapshot whose commands arrive in two batches (a busy page) is drawn once', async () => {
  // Seen in CI: rrweb sends each command one task later and flushes them on the next frame, so on a busy page the
  // commands issued in the task that added the canvas come in two batches, and the first alone is not the picture.
  const split = (events: RecordedEvent[]): RecordedEvent[] => events.flatMap((e) => {
    const data = e.data as { source?: number; commands?: unknown[] };
    if (e.type !== 3 || data.source !== 9 || !data.commands || data.commands.length < 4) return [e];
    const half = Math.floor(data.commands.length / 2);
    return [{ ...e, data: { ...data, commands: data.commands.slice(0, half) } }, { ...e, timestamp: e.timestamp + 10, data: { ...data, commands: data.commands.slice(half) } }];
  });
  let batches = 0;
  const [added] = await record('canvassplit00000000000001', [
    (p) => p.evaluate(() => (window as unknown as { addCanvas(): void }).addCanvas()),
  ], (events) => {
    const edited = split(events);
    batches = edited.length - events.length;
    return edited;
  });
  assert.equal(batches, 1, 'one batch split in two');
  const { png, page } = await replay('canvassplit00000000000001', added!.at);
  await page.close();
  const diff = diffPng(added!.png, png);
  assert.deepEqual(greenAt(png), greenAt(added!.png), 'the added canvas is drawn once');
  assert.ok(diff.ratio <= 0.001, `${(diff.ratio * 100).toFixed(3)} % of pixels differ`);
});

test('a forward seek after the mouse moved draws a canvas command once (rrweb casts events again after a mouse move)', async () => {
  // rrweb's forward play skips what it cast up to its last event, but dates a mouse-move batch at its first position:
  // the events between that position and the batch are cast a second time. A half-transparent fill drawn twice is darker.
  const [drawn] = await record('canvasmouse00000000000001', [
    async (p) => {
      // The first move is emitted at once; the next ones are batched (200 ms), the fill between the batch's first
      // position and the batch itself.
      await p.mouse.move(20, 300);
      await p.waitForTimeout(50);
      await p.mouse.move(40, 300);
      await p.evaluate(() => {
        const x = (document.getElementById('chart') as HTMLCanvasElement).getContext('2d')!;
        x.fillStyle = 'rgba(255,255,0,0.5)';
        x.fillRect(100, 30, 120, 90);
      });
      await p.mouse.move(60, 300);
    },
    async (p) => {
      await p.waitForTimeout(5_500);
      await p.evaluate(() => { document.getElementById('later')!.textContent = 'five seconds later'; });
    },
  ]);
  const at = await replay('canvasmouse00000000000001', drawn!.at);
  const shownAt = await at.page.evaluate(() => Number(document.documentElement.dataset.replayTime));
  const inside = { x: 160, y: 60 + 26 }; // within the yellow fill, over the blue the page drew first
  const live = pixel(drawn!.png, inside.x, inside.y);
  assert.deepEqual(pixel(at.png, inside.x, inside.y), live, 'drawn once at the moment opened');
  // Five seconds on (the shortcut), from the paused moment whose last event is the mouse-move batch.
  await at.page.keyboard.press('ArrowRight');
  await at.page.waitForFunction((before) => document.documentElement.dataset.replayReady === 'true'
    && Number(document.documentElement.dataset.replayTime) > before, shownAt, { timeout: 30_000 });
  const box = (await (await at.page.waitForSelector('.replayer-wrapper iframe')).boundingBox())!;
  const png = await at.page.screenshot({ clip: { x: Math.round(box.x), y: Math.round(box.y), width: VIEWPORT.width, height: VIEWPORT.height } });
  await at.page.close();
  assert.deepEqual(pixel(png, inside.x, inside.y), live, 'drawn once after seeking forward');
});
