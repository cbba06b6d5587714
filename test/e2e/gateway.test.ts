/**
 * Gateway mode end to end: real Chromium talks to the gateway as if it were the
 * bank (no proxy settings) → sample bank behind it → LevelDB store → replay
 * viewer. Every asset then changes and the replay must still match the live
 * screenshots without asking the site for anything.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { parseUpstreams, startGateway, type RunningGateway } from '../../proxy/index';
import { startViewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank, type SampleBank } from '../../scripts/sample-bank/server';
import { assertJourneyRecorded, assertReplaysMatch, type Moment } from '../helpers/bank-journey';
import { replayMoment } from '../helpers/replay';

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };
const artifacts = path.join(os.tmpdir(), 'verbatim-e2e-gateway');


let dir: string;
let store: VerbatimStore;
let bank: SampleBank;
let gateway: RunningGateway;
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
  gateway = await startGateway({
    store, dataDir: dir, port: 0, routes: parseUpstreams([bank.url]),
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
  viewer = await startViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer') });
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await gateway?.close();
  await bank?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('record through the gateway, replay from the store', () => {
  it('records a multi-page journey in Chromium through the gateway', async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await runJourney(page, gateway.url, async (label, p) => {
      const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
      moments.push({ label, at: Date.now(), png });
      await writeFile(path.join(artifacts, `${label}-live.png`), png);
      await p.waitForTimeout(300);
    });
    await context.close();
    await gateway.drain();
    assert.deepEqual(pageErrors, []);

    const sessions = await store.listSessions();
    assert.equal(sessions.length, 1, 'one browser, one session across page loads');
    session = sessions[0];
    assert.equal(session.channel, 'gateway');
    assert.equal(session.clientIp, '127.0.0.1');
    assert.ok(session.pages.every((p) => p.url.startsWith(gateway.url)), 'pages recorded under the public URL');
    // Session context, once per page, as the session API returns it.
    const api = await (await fetch(`${viewer.url}/api/sessions/${session.id}`)).json() as Session;
    const [home, login] = api.pages;
    assert.equal(home.context?.url, `${gateway.url}/`);
    assert.equal(home.context?.source?.kind, 'direct');
    assert.equal(login.context?.source?.kind, 'internal');
    assert.equal(login.context?.referrer, `${gateway.url}/`);
    assert.deepEqual(home.context?.viewport, VIEWPORT);
    assert.ok(home.context?.screen && home.context.screen.width > 0);
    assert.equal(home.context?.devicePixelRatio, 1);
    assert.match(home.context?.language ?? '', /^[a-z]{2}/);
    assert.ok(home.context?.timeZone);
    assert.equal(home.context?.clientIp, '127.0.0.1');
    assert.match(home.context?.browser ?? '', /Chrome/);
    assert.equal(home.context?.deviceType, 'desktop');
    await assertJourneyRecorded(store, session, VIEWPORT);
  });

  it('replays each moment from the store matching the live screenshot, after every asset changed, without asking the site', async () => {
    await assertReplaysMatch({ bank, moments, viewport: VIEWPORT, artifacts, replayShot });
  });
});
