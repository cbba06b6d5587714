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
import { assertJourneyRecorded, assertReplaysMatch, type Moment } from '../helpers/bank-journey';
import { replayMoment } from '../helpers/replay';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };
const artifacts = path.join(os.tmpdir(), 'verbatim-e2e');


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
    allowedTargets: LOOPBACK,
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
    await assertJourneyRecorded(store, session, VIEWPORT);
  });

  it('replays each moment from the store matching the live screenshot, after every asset changed, without asking the site', async () => {
    await assertReplaysMatch({ bank, moments, viewport: VIEWPORT, artifacts, replayShot });
  });
});
