/**
 * Two tabs of one browser are one session, and each tab replays on its own:
 * the moment picks the tab in use, and the tab picker (?track=) shows the other.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import type { RunningProxy } from '../../proxy/index';
import type { Viewer } from '../../replay-viewer/server';
import type { VerbatimStore } from '../../store/store';
import { READY_SELECTOR, type SampleBank } from '../../scripts/sample-bank/server';
import { E2eRig } from '../helpers/e2e-rig';
import { diffPng } from '../helpers/pixels';
import { replayMoment } from '../helpers/replay';

const VIEWPORT = { width: 1024, height: 700 };
const MAX_DIFF_RATIO = 0.01;

let rig: E2eRig;
let store: VerbatimStore;
let bank: SampleBank;
let proxy: RunningProxy;
let viewer: Viewer;

before(async () => {
  rig = await E2eRig.open('tabs');
  store = rig.store;
  bank = await rig.bank();
  proxy = await rig.proxy();
  viewer = await rig.viewer();
});

after(() => rig?.close());

async function settledShot(page: Page): Promise<{ png: Buffer; at: number }> {
  await page.waitForSelector(READY_SELECTOR);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(500);
  const png = await page.screenshot({ animations: 'disabled', caret: 'hide' });
  const at = Date.now();
  await page.waitForTimeout(300);
  return { png, at };
}

function replayShot(page: Page, sessionId: string, query: string): Promise<Buffer> {
  return replayMoment(page, viewer.url, sessionId, query, VIEWPORT);
}

it('records two tabs into one session and replays each tab on its own', async () => {
  let browser: Browser = await rig.chromium({ server: proxy.url });
  const context = await browser.newContext({ viewport: VIEWPORT });
  const first = await context.newPage();
  await first.goto(`${bank.url}/`);
  const home = await settledShot(first);
  const second = await context.newPage();
  await second.goto(`${bank.url}/terms`);
  const terms = await settledShot(second);
  await second.goto('about:blank');
  await first.goto('about:blank');
  await context.close();
  await proxy.drain();

  const sessions = await store.listSessions();
  assert.equal(sessions.length, 1, 'both tabs are one session');
  const res = await fetch(`${viewer.url}/api/sessions/${sessions[0].id}/events?at=${terms.at}`);
  const body = await res.json() as { tracks: { pageIds: string[] }[]; track: number };
  assert.equal(body.tracks.length, 2, 'two tabs, two tracks');
  assert.equal(body.track, 1, 'the second tab was in use at that moment');

  // Watching must not happen through the proxy: it would record the viewer itself.
  const sessionId = sessions[0].id;
  await browser.close();
  browser = await rig.chromium();
  const replay = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  for (const [label, shot, query] of [
    ['home tab at its moment', home.png, `at=${home.at}`],
    ['terms tab at its moment', terms.png, `at=${terms.at}`],
    ['home tab picked while terms was in use', home.png, `track=0&at=${terms.at}`],
  ] as const) {
    const diff = diffPng(shot, await replayShot(replay, sessionId, query));
    assert.ok(diff.ratio <= MAX_DIFF_RATIO, `${label}: ${(diff.ratio * 100).toFixed(2)} % of pixels differ`);
  }
});
