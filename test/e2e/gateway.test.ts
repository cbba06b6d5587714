/**
 * Gateway mode end to end: real Chromium talks to the gateway as if it were the
 * bank (no proxy settings) → sample bank behind it → LevelDB store → replay
 * viewer. Every asset then changes and the replay must still match the live
 * screenshots without asking the site for anything.
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright';
import { parseUpstreams, type RunningGateway } from '../../proxy/index';
import type { Viewer } from '../../replay-viewer/server';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import type { SampleBank } from '../../scripts/sample-bank/server';
import { assertJourneyRecorded, assertReplaysMatch, recordJourney, type Moment } from '../helpers/bank-journey';
import { E2eRig } from '../helpers/e2e-rig';
import { replayMoment } from '../helpers/replay';

const VIEWPORT = { width: 1280, height: 800 };
const artifacts = path.join(os.tmpdir(), 'verbatim-e2e-gateway');

let rig: E2eRig;
let store: VerbatimStore;
let bank: SampleBank;
let gateway: RunningGateway;
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
  gateway = await rig.gateway({ routes: parseUpstreams([bank.url]) });
  viewer = await rig.viewer();
});

after(() => rig?.close());

describe('record through the gateway, replay from the store', () => {
  it('records a multi-page journey in Chromium through the gateway', async () => {
    const browser = await rig.chromium();
    moments = await recordJourney(browser, gateway.url, VIEWPORT, artifacts);
    await gateway.drain();

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
