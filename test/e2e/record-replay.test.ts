/**
 * The spine, end to end: real Chromium → real proxy → real LevelDB store →
 * replay viewer. The sample bank then changes every asset and the replay must
 * still match the live screenshots, without asking the site for anything;
 * finally the site goes away and the replay still works.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { startViewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank, type SampleBank } from '../../scripts/sample-bank/server';
import { diffPng } from '../helpers/pixels';
import { replayMoment } from '../helpers/replay';

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };
/** Share of pixels allowed to differ between a live screenshot and its replay (anti-aliasing, caret). */
const MAX_DIFF_RATIO = 0.01;
const artifacts = path.join(os.tmpdir(), 'verbatim-e2e');

interface Moment { label: string; at: number; png: Buffer }

let dir: string;
let store: VerbatimStore;
let bank: SampleBank;
let proxy: RunningProxy;
let viewer: Awaited<ReturnType<typeof startViewer>>;
let browser: Browser;
const moments: Moment[] = [];
let session: Session;

function replayShot(page: Page, at: number): Promise<Buffer> {
  return replayMoment(page, viewer.url, session.id, `at=${at}`, VIEWPORT);
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-e2e-'));
  await rm(artifacts, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(artifacts, { recursive: true }));
  store = await openStore(path.join(dir, 'store'));
  bank = await startSampleBank({ version: 1 });
  proxy = await startProxy({
    store, dataDir: dir, port: 0,
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
  viewer = await startViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer') });
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await proxy?.close();
  await bank?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('record through the proxy, replay from the store', () => {
  it('records a multi-page journey in Chromium through the proxy', async () => {
    browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    // The bank is on loopback: send it through the proxy anyway ('<-loopback>' is set by launchChromium).
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await runJourney(page, bank.url, async (label, p) => {
      const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
      moments.push({ label, at: Date.now(), png });
      await writeFile(path.join(artifacts, `${label}-live.png`), png);
      await p.waitForTimeout(300);
    });
    await context.close();
    await proxy.drain();
    assert.deepEqual(pageErrors, []);

    const sessions = await store.listSessions();
    assert.equal(sessions.length, 1, 'one browser, one session across page loads');
    session = sessions[0];
    assert.deepEqual(session.pages.map((p) => new URL(p.url).pathname), ['/', '/login', '/accounts', '/terms']);
    assert.deepEqual(session.viewport, VIEWPORT);
    assert.match(session.browser ?? '', /Chrome/);
    const captures = await store.listCaptures(session.id);
    const paths = new Set(captures.map((c) => new URL(c.url).pathname));
    for (const p of ['/css/site.css', '/css/theme.css', '/fonts/bank-text.ttf', '/img/bg.png', '/widgets/rates.html', '/api/offers', '/api/accounts']) {
      assert.ok(paths.has(p), `captured ${p}`);
    }
  });

  it('replays each moment from the store matching the live screenshot, after every asset changed, without asking the site', async () => {
    assert.equal(moments.length, 4);
    // A v2 live screenshot shows the comparison can tell the versions apart.
    bank.setVersion(2);
    const control = await launchChromium();
    const livePage = await control.newPage({ viewport: VIEWPORT });
    await livePage.goto(`${bank.url}/`);
    await livePage.waitForSelector('body[data-ready="true"]');
    await livePage.evaluate(() => document.fonts.ready.then(() => undefined));
    const changed = diffPng(moments[0].png, await livePage.screenshot());
    await control.close();
    assert.ok(changed.ratio > 0.2, `v2 differs from v1 by ${(changed.ratio * 100).toFixed(1)} %`);

    const before = bank.requestCount();
    const replayBrowser = await launchChromium();
    try {
      const page = await replayBrowser.newPage({ viewport: { width: 1600, height: 1200 } });
      for (const moment of moments) {
        const shot = await replayShot(page, moment.at);
        await writeFile(path.join(artifacts, `${moment.label}-replay.png`), shot);
        const diff = diffPng(moment.png, shot);
        await writeFile(path.join(artifacts, `${moment.label}-diff.png`), diff.diffPng);
        assert.ok(diff.ratio <= MAX_DIFF_RATIO,
          `${moment.label}: ${diff.diffPixels} of ${diff.totalPixels} pixels differ (${(diff.ratio * 100).toFixed(2)} %, limit ${MAX_DIFF_RATIO * 100} %); see ${artifacts}`);
      }
      assert.equal(bank.requestCount() - before, 0, 'the replay sent no request to the live site');

      // The site disappears altogether: the replay does not care.
      await bank.close();
      const shot = await replayShot(page, moments[2].at);
      assert.ok(diffPng(moments[2].png, shot).ratio <= MAX_DIFF_RATIO);
    } finally {
      await replayBrowser.close();
    }
  });
});
