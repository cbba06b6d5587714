/**
 * The kiosk extension end to end in real Chromium: the unpacked build records
 * the sample bank through the extension into a collector started here. The
 * collector goes away mid-session and comes back; every event must arrive
 * exactly once. A second session on the same site must upload far fewer blob
 * bytes (digest-first). The replay, after the site changed every asset, must
 * match the live screenshots.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright';
import { TerminalRegistry } from '../../proxy/collector/terminals';
import { startCollectorViewer } from '../../test/helpers/collector-viewer';
import type { Viewer } from '../../replay-viewer/server';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank, type SampleBank } from '../../scripts/sample-bank/server';
import { openStore } from '../../store/index';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { diffPng } from '../../test/helpers/pixels';
import { launchKiosk, type KioskBrowser } from './kiosk-browser';

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };
const MAX_DIFF_RATIO = 0.01;
/** Screenshots (live, replay, diff) for a failing comparison; one folder per run (runs may overlap). */
let artifacts: string;
let keepArtifacts = false;

interface Moment { label: string; at: number; png: Buffer }

let dir: string;
let store: VerbatimStore;
let registry: TerminalRegistry;
let token: string;
let bank: SampleBank;
let viewer: Viewer | undefined;
let port = 0;
let kiosk: KioskBrowser;
const moments: Moment[] = [];
/** Bytes of blob bodies the collector received (PUT /collect/v1/blobs/...). */
let blobBytes = 0;
/** Bytes of every collector request body (events, capture records, digest lists, blobs). */
let requestBytes = 0;

async function startCollector(): Promise<void> {
  viewer = await startCollectorViewer({ store, port, uiDir: path.join(root, 'dist', 'viewer'), terminals: registry });
  port = Number(new URL(viewer.url).port);
  viewer.server.on('request', (req: IncomingMessage) => {
    if (!req.url?.startsWith('/collect/')) return;
    requestBytes += Number(req.headers['content-length'] ?? 0);
    // The header, not the stream: reading here would steal the collector's chunks.
    if (req.method === 'PUT') blobBytes += Number(req.headers['content-length'] ?? 0);
  });
}

async function stopCollector(): Promise<void> {
  await viewer?.close();
  viewer = undefined;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-kiosk-'));
  artifacts = await mkdtemp(path.join(os.tmpdir(), 'verbatim-kiosk-e2e-'));
  store = await openStore(path.join(dir, 'store'));
  registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  token = await registry.add('branch-7-kiosk-2');
  bank = await startSampleBank({ version: 1 });
  await startCollector();
  // The options page's pilot configuration (managed policy needs a root-written file; see the README).
  kiosk = await launchKiosk(path.join(dir, 'profile'), {
    collectorUrl: viewer!.url, terminalId: 'branch-7-kiosk-2', enrolmentToken: token,
    allowUrls: [`${bank.url}/*`], homeUrl: `${bank.url}/?kiosk-home`, idleTimeoutSeconds: 600,
  }, VIEWPORT);
});

after(async () => {
  await kiosk?.close();
  await stopCollector();
  await bank?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
  if (!keepArtifacts) await rm(artifacts, { recursive: true, force: true });
});

async function journey(page: Page, onMoment?: (label: string, p: Page) => Promise<void>): Promise<void> {
  await runJourney(page, bank.url, async (label, p) => {
    await onMoment?.(label, p);
  });
}

describe('kiosk extension (Chromium)', () => {
  let first: Session;

  it('records a journey through the extension, across a collector outage, every event exactly once', async () => {
    const page = await kiosk.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    let outage = { stoppedAt: 0, restartedAt: 0 };
    await journey(page, async (label, p) => {
      const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
      moments.push({ label, at: Date.now(), png });
      await writeFile(path.join(artifacts, `${label}-live.png`), png);
      await p.waitForTimeout(300);
      if (label === 'home') {
        await stopCollector();
        outage.stoppedAt = Date.now();
      }
      if (label === 'accounts') {
        await startCollector();
        outage.restartedAt = Date.now();
      }
    });
    assert.deepEqual(pageErrors, []);
    assert.ok(outage.restartedAt - outage.stoppedAt > 2000, 'the collector was down for a while');
    const s = await kiosk.drained();
    assert.equal(s.droppedItems, 0);
    assert.equal(s.rejected, 0, s.lastRefusal);

    const sessions = await store.listSessions();
    assert.equal(sessions.length, 1);
    first = sessions[0]!;
    assert.equal(first.channel, 'kiosk');
    assert.equal(first.terminalId, 'branch-7-kiosk-2');
    assert.deepEqual(first.pages.map((p) => new URL(p.url).pathname), ['/', '/login', '/accounts', '/terms']);

    // Exactly once: per page, the store holds every seq the extension was handed, once, and the same events.
    const batches = await store.readEvents(first.id);
    const stored: Record<string, { seqs: number[]; events: number }> = {};
    for (const b of batches) {
      const r = (stored[b.page.id] ??= { seqs: [], events: 0 });
      r.seqs.push(b.seq);
      r.events += b.events.length;
    }
    const sent = s.received;
    let lost = 0;
    for (const [pageId, r] of Object.entries(sent)) {
      const got = stored[pageId] ?? { seqs: [], events: 0 };
      lost += r.events - got.events;
      assert.deepEqual([...got.seqs].sort((a, b) => a - b), [...new Set(r.seqs)].sort((a, b) => a - b), `page ${pageId} seqs`);
      assert.deepEqual([...got.seqs].sort((a, b) => a - b), got.seqs.map((_, i) => i), `page ${pageId} seqs are 0..n-1`);
    }
    assert.deepEqual(Object.keys(stored).sort(), Object.keys(sent).sort());
    const total = Object.values(sent).reduce((n, r) => n + r.events, 0);
    assert.equal(first.eventCount, total);
    console.log(`# outage ${outage.restartedAt - outage.stoppedAt} ms; events handed to the extension: ${total}, stored: ${first.eventCount}, lost: ${lost}`);
    assert.equal(lost, 0);

    const captures = await store.listCaptures(first.id);
    const paths = new Set(captures.map((c) => new URL(c.url).pathname));
    for (const p of ['/css/site.css', '/fonts/bank-text.ttf', '/img/bg.png']) assert.ok(paths.has(p), `captured ${p}: ${[...paths].join(' ')}`);
    await page.close();
  });

  it('a second session on the same site uploads far fewer blob bytes', async () => {
    const firstBytes = blobBytes;
    const firstRequestBytes = requestBytes;
    const page = await kiosk.context.newPage();
    // The kiosk returns home: that ends the first session.
    await page.goto(`${bank.url}/?kiosk-home`);
    await page.waitForTimeout(300);
    blobBytes = 0;
    requestBytes = 0;
    await journey(page);
    // On a loaded machine the background may still be catching up: wait for the new session itself.
    for (const until = Date.now() + 20_000; (await store.listSessions()).length < 2 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await kiosk.drained();
    const sessions = await store.listSessions();
    assert.equal(sessions.length, 2, 'going home started a new session');
    const second = sessions.find((x) => x.id !== first.id)!;
    assert.ok(second.eventCount > 0);
    assert.ok((await store.listCaptures(second.id)).length > 0, 'the second session has its captures too');
    const ratio = blobBytes / firstBytes;
    console.log(`# blob bytes uploaded: first session ${firstBytes}, second ${blobBytes} (ratio ${ratio.toFixed(3)}); ` +
      `all collector request bytes: first ${firstRequestBytes}, second ${requestBytes} (ratio ${(requestBytes / firstRequestBytes).toFixed(3)})`);
    assert.ok(firstBytes > 10_000);
    assert.ok(ratio < 0.2, `second session uploaded ${ratio}`);
    await page.close();
  });

  it('bounds the offline queue: drops oldest first, counts it, and recovers', async () => {
    const before = await kiosk.status();
    await stopCollector();
    const pilot = await kiosk.pilot();
    await kiosk.configure({ ...pilot, maxQueueBytes: 64 * 1024 });
    const page = await kiosk.context.newPage();
    await page.goto(`${bank.url}/?kiosk-home`); // a fresh session
    await page.goto(`${bank.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.goto(`${bank.url}/terms`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.goto('about:blank');
    let s = await kiosk.status();
    for (const until = Date.now() + 10_000; s.droppedItems === before.droppedItems && Date.now() < until; s = await kiosk.status()) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const q = s;
    console.log(`# bounded queue (64 KiB) while offline: dropped ${q.droppedItems} items (${q.droppedBytes} bytes, ${q.droppedEvents} events), ${q.queuedBytes} bytes queued`);
    assert.ok(q.droppedItems > before.droppedItems, 'something was dropped');
    assert.ok(q.queuedBytes <= 64 * 1024);
    await kiosk.configure(pilot);
    await startCollector();
    await kiosk.kick();
    await kiosk.drained();
    await page.close();
  });

  it('replays the first session matching the live screenshots after every asset changed', async () => {
    bank.setVersion(2);
    const before = bank.requestCount();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      for (const moment of moments) {
        await page.goto(`${viewer!.url}/sessions/${first.id}?at=${moment.at}&cursor=0`);
        await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
        const frame = await page.waitForSelector('.replayer-wrapper iframe');
        const box = (await frame.boundingBox())!;
        const shot = await page.screenshot({
          animations: 'disabled', caret: 'hide',
          clip: { x: Math.round(box.x), y: Math.round(box.y), width: VIEWPORT.width, height: VIEWPORT.height },
        });
        await writeFile(path.join(artifacts, `${moment.label}-replay.png`), shot);
        const diff = diffPng(moment.png, shot);
        await writeFile(path.join(artifacts, `${moment.label}-diff.png`), diff.diffPng);
        if (diff.ratio > MAX_DIFF_RATIO) keepArtifacts = true;
        assert.ok(diff.ratio <= MAX_DIFF_RATIO,
          `${moment.label}: ${(diff.ratio * 100).toFixed(2)} % of pixels differ; see ${artifacts}`);
      }
      assert.equal(bank.requestCount() - before, 0, 'the replay sent no request to the live site');
    } finally {
      await browser.close();
    }
  });
});
