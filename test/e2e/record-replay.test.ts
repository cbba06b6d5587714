/**
 * The spine, end to end: real Chromium → real proxy → real LevelDB store →
 * replay viewer. The sample bank then changes every asset and the replay must
 * still match the live screenshots, without asking the site for anything;
 * finally the site goes away and the replay still works.
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright';
import type { RunningProxy } from '../../proxy/index';
import type { Viewer } from '../../replay-viewer/server';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import type { SampleBank } from '../../scripts/sample-bank/server';
import { assertJourneyRecorded, assertReplaysMatch, recordJourney, type Moment } from '../helpers/bank-journey';
import { E2eRig } from '../helpers/e2e-rig';
import { replayMoment } from '../helpers/replay';

const VIEWPORT = { width: 1280, height: 800 };
const artifacts = path.join(os.tmpdir(), 'verbatim-e2e');

let rig: E2eRig;
let store: VerbatimStore;
let bank: SampleBank;
let proxy: RunningProxy;
let viewer: Viewer;
let moments: Moment[] = [];
let session: Session;

function replayShot(page: Page, at: number): Promise<Buffer> {
  return replayMoment(page, viewer.url, session.id, `at=${at}`, VIEWPORT);
}

before(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  rig = await E2eRig.open('e2e');
  store = rig.store;
  bank = await rig.bank({ version: 1 });
  proxy = await rig.proxy();
  viewer = await rig.viewer();
});

after(() => rig?.close());

describe('record through the proxy, replay from the store', () => {
  it('records a multi-page journey in Chromium through the proxy', async () => {
    const browser = await rig.chromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    // The bank is on loopback: send it through the proxy anyway ('<-loopback>' is set by launchChromium).
    moments = await recordJourney(browser, bank.url, VIEWPORT, artifacts);
    await proxy.drain();

    const sessions = await store.listSessions();
    assert.equal(sessions.length, 1, 'one browser, one session across page loads');
    session = sessions[0];
    await assertJourneyRecorded(store, session, VIEWPORT);
  });

  it('replays each moment from the store matching the live screenshot, after every asset changed, without asking the site', async () => {
    await assertReplaysMatch({ bank, moments, viewport: VIEWPORT, artifacts, replayShot });
  });
});
