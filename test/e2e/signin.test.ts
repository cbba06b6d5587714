/**
 * The access layer in a real browser: an agent is sent to the sign-in page, signs
 * in, finds a session by customer id, replays it; the replay is in the audit trail.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess } from '../../replay-viewer/auth/index';
import type { Viewer } from '../../replay-viewer/server';
import type { VerbatimStore } from '../../store/store';
import { E2eRig } from '../helpers/e2e-rig';
import { headingDocument } from '../helpers/synthetic-session';

const SID = 'e2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.now() - 60_000;
let rig: E2eRig;
let store: VerbatimStore;
let viewer: Viewer;
let audit: AuditLog;

before(async () => {
  rig = await E2eRig.open('signin');
  store = rig.store;
  const dir = rig.dir;
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0 });
  const doc = headingDocument('Hello Ann');
  await store.appendEvents({
    sessionId: SID, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, receivedAt: T0 + 2000,
    events: [
      { type: 4, timestamp: T0 + 1, data: { href: 'https://bank.example/', width: 800, height: 600 } },
      { type: 2, timestamp: T0 + 2, data: { node: doc, initialOffset: { top: 0, left: 0 } } },
      { type: 3, timestamp: T0 + 1500, data: { source: 1, positions: [{ x: 10, y: 10, id: 5, timeOffset: 0 }] } },
    ],
  });
  await store.linkCustomer({ sessionId: SID, customerId: 'CUST-9', source: 'test', at: 1 });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  await accounts.add('alice', 'agent', 'agent password 123');
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
  viewer = await rig.viewer({ access });
});

after(() => rig?.close());

it('an agent signs in, finds a session by customer id and replays it, on the record', async () => {
  const browser = await rig.chromium();
  const page = await browser.newPage();
  await page.goto(`${viewer.url}/`);
  assert.match(page.url(), /\/signin\?next=/);
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'agent password 123');
  await Promise.all([page.waitForURL(`${viewer.url}/`), page.click('button[type=submit]')]);
  await page.waitForSelector('.account');
  assert.match(await page.textContent('.account') ?? '', /alice \(agent\)/);
  // The agent's home is the customer lookup (replay-viewer/ui/agent-home.ts).
  assert.equal(await page.textContent('#app h1'), 'Customer lookup');
  await page.fill('#lookup-customer', 'CUST-9');
  await Promise.all([page.waitForURL(/customer=CUST-9/), page.click('.lookup-form button[type=submit]')]);
  await page.waitForSelector(`tr[data-session-id="${SID}"]`);
  await Promise.all([page.waitForURL(new RegExp(`/sessions/${SID}`)), page.click(`tr[data-session-id="${SID}"] a.button`)]);
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  const frame = page.frameLocator('.replayer-wrapper iframe');
  assert.equal(await frame.locator('h1').textContent(), 'Hello Ann');
  const replays = await audit.query({ actor: 'alice', action: 'replay' });
  assert.equal(replays[0]?.target, SID);
  assert.ok((await audit.query({ actor: 'alice', action: 'search' })).some((e) => e.details?.customer === 'CUST-9'));
  assert.ok((await audit.query({ actor: 'alice', action: 'sign-in', outcome: 'ok' })).length === 1);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'verbatim_viewer');
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
});
