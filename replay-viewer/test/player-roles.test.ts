/**
 * The player's role-dependent parts in real Chromium, against the real viewer
 * with the access layer: the network waterfall (analyst) lists HTTP requests and
 * WebSocket connections on the replay's clock and seeks to them, filters 2,400
 * requests with exact counts, draws bars where their times say, stays virtualised;
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
import { headingDocument } from '../../test/helpers/synthetic-session';

const SID = 'n2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.now() - 60_000;
const PASSWORD = 'network log password';
const SOCKET = 'wss://bank.example/live';
/** A busy session for the waterfall: MANY requests over 9.6 s, a fixed mix of types, hosts and failures. */
const BUSY = 'b7hx7k4m5n6p7r8s9t2v3w4x5y';
const MANY = 2_400;
const SPACING = 4;
const BUSY_TYPES = [
  ['text/css', 'style'], ['application/javascript', 'script'], ['image/png', 'image'], ['font/woff2', 'font'],
  ['application/json', 'empty'], ['application/octet-stream', undefined], ['image/webp', 'image'], ['text/css', 'style'],
] as const;
/** The i-th busy capture: every 5th on a third party's CDN, every 50th a 404, every 120th a 503. */
const busy = (i: number) => ({
  url: i === 0 ? 'https://www.bank.example/' : `https://${i % 5 === 0 ? 'cdn.thirdparty.example' : 'static.bank.example'}/asset-${i}`,
  status: i % 120 === 0 && i > 0 ? 503 : i % 50 === 0 && i > 0 ? 404 : 200,
  type: i === 0 ? (['text/html', 'document'] as const) : BUSY_TYPES[i % BUSY_TYPES.length]!,
});
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
  const doc = headingDocument('Live balance');
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
  await store.createSession({ id: BUSY, channel: 'proxy', startedAt: T0 });
  await store.appendEvents({
    sessionId: BUSY, page: { id: 'p1', url: 'https://www.bank.example/' }, seq: 0, receivedAt: T0 + 12_000,
    events: [
      { type: 4, timestamp: T0, data: { href: 'https://www.bank.example/', width: 800, height: 600 } },
      { type: 2, timestamp: T0 + 1, data: { node: doc, initialOffset: { top: 0, left: 0 } } },
      { type: 3, timestamp: T0 + 10_000, data: { source: 1, positions: [{ x: 10, y: 10, id: 5, timeOffset: 0 }] } },
    ],
  });
  const shared = await store.putBlob(Buffer.alloc(1000, 'x'));
  for (let i = 0; i < MANY; i++) {
    const { url, status, type } = busy(i);
    await store.putCapture({
      id: `busy-${i}`, sessionId: BUSY, method: 'GET', url, status, startedAt: T0 + i * SPACING, destination: type[1],
      headers: [['content-type', type[0]], ...(i === 0 ? [['set-cookie', 'sid=••••••••; Secure'] as [string, string]] : [])],
      timing: { headersMs: 10, totalMs: 40 }, body: { digest: shared, size: 1000, encoding: '', truncated: false },
    });
  }
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
async function playerAs(user: string, session = SID): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const res = await page.request.post(`${viewer.url}/auth/login`, { data: { username: user, password: PASSWORD } });
  assert.equal(res.status(), 200, `${user} signs in`);
  await page.goto(`${viewer.url}/sessions/${session}`);
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

it('draws 2,400 requests as a virtualised waterfall: exact filter counts, bars on the shared axis, keyboard and details', { skip }, async () => {
  const page = await playerAs('analyst', BUSY);
  try {
    await page.click('#network-toggle');
    await page.waitForSelector('.network-body .network-row');
    assert.equal(await page.textContent('#network-toggle'), `Network (${MANY})`);
    const summary = async (): Promise<string> => (await page.textContent('.network-summary'))!;
    assert.equal(await summary(), `${MANY} of ${MANY} requests · 2.3 MB stored`);
    const inDom = await page.$$eval('.network-body .network-row', (els) => els.length);
    assert.ok(inDom > 10 && inDom < 100, `only the rows in view exist: ${inDom}`);
    assert.equal(await page.getAttribute('.network-grid', 'aria-rowcount'), String(MANY + 1));

    // Bars: the axis spans the recording (0 to 10 s: the last request ends at 9.64 s).
    const total = 10_000;
    const bars = await page.$$eval('.network-body .network-row', (els) => els.slice(0, 6).map((el) => {
      const cell = el.querySelector('.nc-track')!;
      const bar = el.querySelector('.network-bar')!.getBoundingClientRect();
      // The bar is placed in the cell's padding box (inside its left border).
      const left = cell.getBoundingClientRect().left + cell.clientLeft;
      return { start: Number((el as HTMLElement).dataset.start), left: bar.left - left, width: bar.width, track: cell.clientWidth };
    }));
    for (const [i, b] of bars.entries()) {
      assert.equal(b.start, i * SPACING);
      assert.ok(Math.abs(b.left - (b.start / total) * b.track) < 1, `bar ${i} starts at its offset: ${JSON.stringify(b)}`);
      assert.ok(Math.abs(b.width - Math.max(2, (40 / total) * b.track)) < 1, `bar ${i} is 40 ms long: ${JSON.stringify(b)}`);
    }

    // Filters, each with its exact count (none of the type buttons pressed: every type).
    const expect = (pick: (i: number) => boolean): number => Array.from({ length: MANY }, (_, i) => i).filter(pick).length;
    const press = async (sel: string): Promise<void> => page.click(sel);
    await press('.network-type-filter[data-type="img"]');
    assert.equal(await summary(), `${expect((i) => i > 0 && (i % 8 === 2 || i % 8 === 6))} of ${MANY} requests · 585.9 KB stored`, "600 × 1,000 bytes");
    await press('.network-type-filter[data-type="css"]');
    const imgOrCss = expect((i) => i > 0 && [0, 2, 6, 7].includes(i % 8));
    assert.match(await summary(), new RegExp(`^${imgOrCss} of `));
    await press('.network-type-filter[data-type="img"]');
    await press('.network-type-filter[data-type="css"]');
    await page.check('.network-errors-only');
    const errors = expect((i) => i > 0 && i % 50 === 0) + expect((i) => i > 0 && i % 120 === 0 && i % 50 !== 0);
    assert.match(await summary(), new RegExp(`^${errors} of `));
    assert.equal(await page.$$eval('.network-body .network-row', (els) => els.every((el) => el.classList.contains('error'))), true);
    await page.uncheck('.network-errors-only');
    await page.selectOption('.network-host-filter', 'third');
    assert.match(await summary(), new RegExp(`^${expect((i) => i > 0 && i % 5 === 0)} of `));
    await page.selectOption('.network-host-filter', 'first');
    assert.match(await summary(), new RegExp(`^${expect((i) => i === 0 || i % 5 !== 0)} of `), 'www. and static. are the same site');
    await page.selectOption('.network-host-filter', 'all');
    await page.fill('.network-filter-text', 'asset-1234');
    assert.match(await summary(), /^1 of /);
    await page.fill('.network-filter-text', '');
    assert.match(await summary(), new RegExp(`^${MANY} of `));

    // Keyboard: the grid takes focus, arrows move, Enter shows the request and seeks the replay to it.
    await page.focus('.network-grid');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('.network-grid', 'aria-activedescendant'), 'network-row-3');
    await page.keyboard.press('Enter');
    await page.waitForFunction((at) => document.documentElement.dataset.replayTime === String(at), T0 + 3 * SPACING);
    assert.match((await page.textContent('.network-facts'))!, /static\.bank\.example\/asset-3/);
    const playhead = await page.evaluate(() => {
      const overlay = document.querySelector('.network-overlay')!.getBoundingClientRect();
      return { left: document.querySelector('.network-playhead')!.getBoundingClientRect().left + 1 - overlay.left, width: overlay.width };
    });
    assert.ok(Math.abs(playhead.left - ((3 * SPACING) / total) * playhead.width) < 1.5, `playhead at the moment: ${JSON.stringify(playhead)}`);
    assert.deepEqual(await page.$$eval('.network-body .network-row', (els) => els.slice(0, 6).map((el) => el.classList.contains('future'))),
      [false, false, false, false, true, true]);
    // End reaches the last row (created on demand), Home the first; the first shows its masked cookie as stored.
    await page.keyboard.press('End');
    await page.waitForSelector(`#network-row-${MANY - 1}`);
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.$$eval('.network-headers tr', (trs) => trs.map((tr) => tr.textContent)),
      ['content-typetext/html', 'set-cookiesid=••••••••; Securemasked']);
    assert.equal(await page.$$eval('.network-body .network-row', (els) => els.length) < 100, true, 'still virtualised');
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
