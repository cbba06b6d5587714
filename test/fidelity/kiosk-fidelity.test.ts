/**
 * The fidelity suite on the kiosk path: every case of cases.ts recorded through
 * the kiosk extension (unpacked Chromium build, no proxy) into a collector, then
 * compared with the live page exactly as the proxy runs do (fidelity.test.ts):
 * change or delete every asset, replay the moment, compare pixels, count the
 * site's requests during the replay (0). That version 2 of each case differs
 * enough from version 1 to show a leak is a property of the site, checked once
 * by the forward-mode run, not again here.
 *
 * Results: $TMPDIR/verbatim-fidelity-kiosk/results.md, with every live, replay and diff shot.
 *
 * @test-lane quiet: pixels and request counts only, no timing (scripts/test-lanes.ts).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { launchKiosk, type KioskBrowser } from '../../extension/test/kiosk-browser';
import { TerminalRegistry } from '../../proxy/collector/terminals';
import { startCollectorViewer } from '../helpers/collector-viewer';
import type { Viewer } from '../../replay-viewer/server';
import { launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { diffPng } from '../helpers/pixels';
import { replayMoment } from '../helpers/replay';
import { CASES, type Case, MAX_DIFF, pct, settle, VIEWPORT } from './cases';
import { failureNotes } from './failure-notes';
import { WEB_COMPONENT_CASES } from './web-components';
import { startFidelitySite, type FidelitySite } from './site';

const root = path.resolve(import.meta.dirname, '../..');
const artifacts = path.join(os.tmpdir(), 'verbatim-fidelity-kiosk');
/** The kiosk's home screen: visiting it ends the kiosk session, so each case is a session of its own. */
const HOME = '/kiosk-home';

let dir: string;
let store: VerbatimStore;
let site: FidelitySite;
let viewer: Viewer;
let kiosk: KioskBrowser;
let replayBrowser: Browser;
let replayPage: Page;
/** Bytes of every blob body the collector received. */
let blobBytes = 0;
const seenSessions = new Set<string>();
const rows: string[] = [];

async function recorderStarted(pathname: string): Promise<void> {
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const sessions = await store.listSessions({ limit: 20 });
    if (sessions.some((s) => !seenSessions.has(s.id) && s.pages.some((p) => new URL(p.url).pathname.startsWith(pathname)))) return;
  }
  assert.fail(`no recording of ${pathname} arrived within 15 s`);
}

async function record(c: Case): Promise<{ png: Buffer; at: number; sessionId: string; errors: string[] }> {
  const page = await kiosk.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.url}${HOME}`);
  await page.goto(`${site.url}${c.path}`);
  await settle(page);
  await recorderStarted(c.path);
  await c.act?.(page);
  await page.waitForTimeout(200);
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  const at = Date.now();
  await page.waitForTimeout(200);
  await page.close();
  await kiosk.drained();
  const fresh = (await store.listSessions()).filter((s) => !seenSessions.has(s.id));
  for (const s of fresh) seenSessions.add(s.id);
  const session = fresh.find((s) => s.pages.some((p) => new URL(p.url).pathname.startsWith(c.path)));
  assert.ok(session, `a session recorded ${c.path} (new sessions: ${JSON.stringify(fresh.map((s) => s.pages.map((p) => p.url)))})`);
  assert.equal(fresh.length, 1, `the page and its frames are one kiosk session; new sessions: ${JSON.stringify(fresh.map((s) => ({ id: s.id, startedAt: s.startedAt - at, channel: s.channel, pages: s.pages.map((p) => p.url) })))}`);
  assert.equal(session.channel, 'kiosk');
  return { png, at, sessionId: session.id, errors };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-kiosk-fidelity-'));
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  store = await openStore(path.join(dir, 'store'));
  site = await startFidelitySite();
  const registry = new TerminalRegistry(path.join(dir, 'terminals.json'));
  const token = await registry.add('fidelity-kiosk');
  viewer = await startCollectorViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer'), terminals: registry });
  viewer.server.on('request', (req) => {
    if (req.method === 'PUT' && req.url?.startsWith('/collect/')) blobBytes += Number(req.headers['content-length'] ?? 0);
  });
  kiosk = await launchKiosk(path.join(dir, 'profile'), {
    collectorUrl: viewer.url, terminalId: 'fidelity-kiosk', enrolmentToken: token,
    // Only the first-party site: third-party stylesheets, images and frames are captured as part of its pages.
    allowUrls: [`${site.url}/*`], homeUrl: `${site.url}${HOME}`, idleTimeoutSeconds: 600,
  }, VIEWPORT);
  replayBrowser = await launchChromium();
  replayPage = await replayBrowser.newPage({ viewport: { width: 1600, height: 1200 } });
});

after(async () => {
  if (rows.length) {
    const table = ['| Case | Replay vs live | Limit | blob bytes uploaded |', '|---|---|---|---|', ...rows].join('\n');
    await writeFile(path.join(artifacts, 'results.md'), `${table}\n`);
    console.log(`\nFidelity (kiosk)\n${table}\n`);
  }
  await kiosk?.close();
  await replayBrowser?.close();
  await viewer?.close();
  await site?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fidelity (kiosk extension): record, change the site, replay, compare pixels', () => {
  // Every case the proxy runners check, the web-component ones included.
  for (const c of [...CASES, ...WEB_COMPONENT_CASES]) {
    it(c.name, async () => {
      site.setVersion(1);
      site.setPublicCrossUrl(undefined);
      const bytesBefore = blobBytes;
      const rec = await record(c);
      const uploaded = blobBytes - bytesBefore;
      assert.deepEqual(rec.errors, [], 'no page errors while recording');
      const slug = `kiosk${c.path.replace(/\W+/g, '_')}`;
      await writeFile(path.join(artifacts, `${slug}-live.png`), rec.png);

      site.setVersion(2);
      if (c.after === 'delete') site.deleteAssets();
      const before = site.requestCount();
      const shot = await replayMoment(replayPage, viewer.url, rec.sessionId, `at=${rec.at}`, VIEWPORT);
      const leaked = site.requestsSince(before);
      const diff = diffPng(rec.png, shot);
      await writeFile(path.join(artifacts, `${slug}-replay.png`), shot);
      await writeFile(path.join(artifacts, `${slug}-diff.png`), diff.diffPng);
      const limit = c.maxDiff ?? MAX_DIFF;
      if (diff.ratio > limit) console.log(`${c.path}: ${await failureNotes(store, rec.sessionId, rec.at, replayPage)}`);
      rows.push(`| ${c.name} | ${pct(diff.ratio)} (${diff.diffPixels} px) | ${pct(limit)}${c.why ? ` (${c.why})` : ''} | ${uploaded} |`);

      assert.deepEqual(leaked, [], 'the replay sent no request to the live site');
      assert.ok(diff.ratio <= limit, `${diff.diffPixels} of ${diff.totalPixels} pixels differ (${pct(diff.ratio)}, limit ${pct(limit)}); see ${artifacts}/${slug}-*.png`);
    });
  }
});
