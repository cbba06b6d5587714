/**
 * The player's role-dependent parts in real Chromium, against the real viewer
 * with the access layer: the network log (analyst) lists HTTP requests and
 * WebSocket connections and messages on the replay's clock and seeks to them;
 * the export buttons show for compliance only and download the file; agents see
 * neither.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { sessionExporter } from '../../scripts/export/session-exporter';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { buildViewerUi } from './build-ui';
import { harProblems } from '../../test/helpers/har-check';

const SID = 'n2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.now() - 60_000;
const PASSWORD = 'network log password';
const SOCKET = 'wss://bank.example/live';
const skip = !existsSync(CHROMIUM_PATH);

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let audit: AuditLog;
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-network-'));
  const uiDir = path.join(dir, 'ui');
  const built = buildViewerUi(uiDir);
  store = await openStore(path.join(dir, 'store'));
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0 });
  const doc = { type: 0, id: 1, childNodes: [{ type: 2, id: 2, tagName: 'html', attributes: {}, childNodes: [
    { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [] },
    { type: 2, id: 4, tagName: 'body', attributes: {}, childNodes: [{ type: 2, id: 5, tagName: 'h1', attributes: {}, childNodes: [{ type: 3, id: 6, textContent: 'Live balance' }] }] },
  ] }] };
  await store.appendEvents({
    sessionId: SID, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, receivedAt: T0 + 6000,
    events: [
      { type: 4, timestamp: T0 + 1, data: { href: 'https://bank.example/', width: 800, height: 600 } },
      { type: 2, timestamp: T0 + 2, data: { node: doc, initialOffset: { top: 0, left: 0 } } },
      { type: 3, timestamp: T0 + 5000, data: { source: 1, positions: [{ x: 10, y: 10, id: 5, timeOffset: 0 }] } },
    ],
  });
  const http = async (url: string, at: number, type: string) => {
    const body = Buffer.from(`body of ${url}`);
    await store.putCapture({
      id: `cap-${at}`, sessionId: SID, method: 'GET', url, status: 200, headers: [['content-type', type]], startedAt: at,
      timing: { headersMs: 1, totalMs: 2 }, body: { digest: await store.putBlob(body), size: body.length, encoding: '', truncated: false },
    });
  };
  await http('https://bank.example/', T0, 'text/html; charset=utf-8');
  await http('https://bank.example/api/accounts', T0 + 3500, 'application/json');
  const ws = { sessionId: SID, socketId: 'sock1', url: SOCKET, truncated: false } as const;
  await store.putWebSocketMessages([
    { ...ws, seq: 0, direction: 'sent', at: T0 + 1000, kind: 'text', size: 23, data: '{"subscribe":"balance"}', encoding: 'utf8' },
    { ...ws, seq: 1, direction: 'received', at: T0 + 2000, kind: 'text', size: 500, data: `{"balance":"${'9'.repeat(486)}"}`, encoding: 'utf8' },
    { ...ws, seq: 2, direction: 'received', at: T0 + 3000, kind: 'binary', size: 3072, data: Buffer.alloc(3072).toString('base64'), encoding: 'base64' },
    { ...ws, seq: 3, direction: 'sent', at: T0 + 4000, kind: 'close', size: 5, data: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]).toString('base64'), encoding: 'base64' },
  ]);
  await store.linkCustomer({ sessionId: SID, customerId: 'CUST-7', source: 'test', at: 1 });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const role of ['agent', 'analyst', 'compliance'] as const) await accounts.add(role, role, PASSWORD);
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
  await built;
  viewer = await startViewer({ store, uiDir, access, exporter: sessionExporter(store, path.join(dir, 'keys')) });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A signed-in page showing the session's player. */
async function playerAs(user: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const res = await page.request.post(`${viewer.url}/auth/login`, { data: { username: user, password: PASSWORD } });
  assert.equal(res.status(), 200, `${user} signs in`);
  await page.goto(`${viewer.url}/sessions/${SID}`);
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  return page;
}

it('shows HTTP requests and WebSocket connections in the network waterfall, on the replay clock', { skip }, async () => {
  const page = await playerAs('analyst');
  try {
    assert.equal(await page.$('.export-actions'), null, 'analysts may not export');
    assert.equal(await page.isVisible('#network-panel'), false, 'closed until asked for');
    await page.click('#network-toggle');
    await page.waitForSelector('.network-body .network-row');
    const rows = await page.$$eval('.network-body .network-row', (els) => els.map((el) => ({
      kind: (el as HTMLElement).dataset.kind,
      cells: [...el.querySelectorAll('[role="gridcell"]')].slice(0, 5).map((c) => c.textContent),
    })));
    // The first event is at T0 + 1: the page's capture at T0 starts 1 ms before the replay.
    assert.deepEqual(rows.map((r) => [r.kind, ...r.cells]), [
      ['http', 'GET bank.example', '200', 'Doc', '29 B', '2 ms'],
      ['ws', 'WS bank.example/live', '', 'WS', '3.5 KB', '3.0 s'],
      ['http', 'GET bank.example/api/accounts', '200', 'Fetch/XHR', '41 B', '2 ms'],
    ]);
    assert.equal(await page.textContent('#network-toggle'), 'Network (3)');

    // A connection's details list its messages; a message's time seeks the replay to it.
    await page.click('.network-body .network-row[data-kind="ws"]');
    const messages = await page.$$eval('.network-messages li', (lis) => lis.map((li) => [...li.querySelectorAll('span')].map((s) => s.textContent)));
    assert.deepEqual(messages, [
      ['↑ sent', '{"subscribe":"balance"}'],
      ['↓ received', `{"balance":"${'9'.repeat(188)}…`],
      ['↓ received', 'binary, 3.0 KB'],
      ['↑ sent', 'close 1000 bye'],
    ], 'long text is cut to a preview; binary shows as its size, not its bytes');
    assert.match((await page.textContent('.network-details'))!, /Request headers|Messages/);
    await page.click('.network-messages li:nth-child(3) .network-message-time');
    // replayTime is set once the moment is shown (player.ts).
    await page.waitForFunction((at) => document.documentElement.dataset.replayTime === String(at), T0 + 3000);
    assert.deepEqual(await page.$$eval('.network-body .network-row', (els) => els.map((el) => el.classList.contains('future'))), [false, false, true],
      'rows that start after the moment shown are dimmed');
    assert.ok((await audit.query({ actor: 'analyst', action: 'technical', target: SID })).length === 1, 'opening the log is on record');
  } finally {
    await page.close();
  }
});

it('shows the export buttons to compliance only, and downloads the WACZ and the HAR', { skip }, async () => {
  const page = await playerAs('compliance');
  try {
    assert.deepEqual(await page.$$eval('.export-actions button', (bs) => bs.map((b) => b.textContent)),
      ['Export evidence (HTML)', 'Export captures (WACZ)', 'Export network (HAR)']);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="wacz"]')]);
    assert.equal(download.suggestedFilename(), `verbatim-${SID}.wacz`);
    const exports = await audit.query({ actor: 'compliance', action: 'export', target: SID });
    assert.equal((exports[0]?.details as Record<string, unknown>)?.format, 'wacz');
    const [har] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="har"]')]);
    assert.equal(har.suggestedFilename(), `verbatim-${SID}.har`);
    const parsed = JSON.parse(await readFile((await har.path())!, 'utf8')) as { log: { version: string; entries: unknown[] } };
    assert.equal(parsed.log.version, '1.2');
    assert.deepEqual(harProblems(parsed), []);
    assert.equal((await audit.query({ actor: 'compliance', action: 'export', target: SID })).length, 2, 'both exports are on record');
  } finally {
    await page.close();
  }
  const agent = await playerAs('agent');
  try {
    assert.equal(await agent.$('.export-actions'), null);
    assert.equal(await agent.$('#network-toggle'), null, 'agents have no technical views');
  } finally {
    await agent.close();
  }
});
