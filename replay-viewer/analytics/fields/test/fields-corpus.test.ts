/**
 * Field analytics and click maps on a labelled corpus: real Chromium → real forward proxy (recorder injected,
 * captures stored) → LevelDB store → the change feed → the analytics tables of the SQLite index and of a PostgreSQL
 * index, which must agree. 8 sessions open a transfer form; sessions 1, 4, 6 leave at the IBAN field; 2 and 5
 * correct the amount; the others send it. Sessions 0–3 get build v1 (a dead "Help" button), 4–7 build v2 (a dead
 * "Support" button instead; session 7 rage-clicks it). Then the click map page is drawn in Chromium over the
 * replayed page and each hotspot's pixel position is checked against its element's box in the replay; erasure
 * removes a session's rows.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright';
import type { RunningProxy } from '../../../../proxy/index';
import { launchChromium } from '../../../../scripts/chromium';
import type { LevelStore } from '../../../../store/level/level-store';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import { openSearch, type OpenedSearch } from '../../../search/index';
import { startViewer, type Viewer } from '../../../server';
import { FieldAnalyticsRoutes } from '../fields-routes';
import { clickMap, clickMapPages, fieldsReport, query } from '../queries';
import { E2eRig, sealedStoreOptions } from '../../../../test/helpers/e2e-rig';

const root = path.resolve(import.meta.dirname, '../../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let build: 'v1' | 'v2' = 'v1';

function transferPage(): string {
  const help = build === 'v1' ? '<button type="button" id="help">Help</button>' : '<p class="top"><button type="button" id="support">Support</button></p>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>Transfer</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css"><script src="/static/app.js" defer></script></head>
<body><h1>Transfer</h1>${help}
<form id="transfer" onsubmit="return false"><p><label for="amount">Amount</label> <input id="amount" name="amount" type="text"></p>
<p><label for="iban">IBAN</label> <input id="iban" name="iban" type="text"></p>
<p><button type="button" id="send">Send</button></p></form><div class="tall"></div></body></html>`;
}
const CSS = {
  v1: 'body{font:16px sans-serif;margin:20px} button{width:160px;height:40px} .tall{height:1000px}',
  v2: 'body{font:16px sans-serif;margin:20px} button{width:200px;height:48px} .top{margin-left:300px} .tall{height:1000px}',
};
const JS = `document.getElementById('send').addEventListener('click', async () => {
  await fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  location.href = '/done';
}); /* BUILD */`;
const plain = (title: string) => `<!doctype html><html><head><title>${title}</title><link rel="icon" href="data:,"></head><body><p>${title}</p></body></html>`;

let rig: E2eRig;
let dir: string;
let store: LevelStore;
let siteUrl: string;
let proxy: RunningProxy;
let browser: Browser;
let pgServer: PostgresServer | undefined;
const sessions: string[] = [];

before(async () => {
  rig = await E2eRig.open('fields', sealedStoreOptions);
  dir = rig.dir;
  store = rig.store;
  siteUrl = await rig.site((req, res) => {
    const url = req.url ?? '/';
    req.resume();
    if (url === '/api/transfer') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    if (url === '/static/app.css') return void res.writeHead(200, { 'content-type': 'text/css', 'cache-control': 'no-cache' }).end(CSS[build]);
    if (url === '/static/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' }).end(JS.replace('BUILD', build));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(url.startsWith('/transfer') ? transferPage() : plain(url.startsWith('/done') ? 'Done' : 'Elsewhere'));
  });
  proxy = await rig.proxy();
  browser = await rig.chromium({ server: proxy.url });
});

after(async () => {
  await rig?.close();
  await pgServer?.stop();
});

async function sessionOf(known: Set<string>): Promise<string> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
    for (const s of await store.listSessions({ limit: 50 })) if (!known.has(s.id)) return s.id;
  }
  throw new Error('no new session recorded');
}

async function transferHidden(id: string): Promise<boolean> {
  const batches = await store.readEvents(id);
  const pages = new Set(batches.filter((b) => b.page.url.includes('/transfer')).map((b) => b.page.id));
  return [...pages].every((p) => batches.some((b) => b.page.id === p && b.events.some((e) => e.type === 5 && (e.data as { tag?: string }).tag === 'verbatim:page-hidden')));
}

/** Click at a quarter of the element's width, half its height: the hotspot must sit there. */
async function clickAt(page: import('playwright').Page, selector: string): Promise<void> {
  const b = (await page.locator(selector).boundingBox())!;
  await page.mouse.click(b.x + b.width * 0.25, b.y + b.height * 0.5);
}

it('records 8 sessions with known field and click behaviour through the proxy', async () => {
  for (let i = 0; i < 8; i++) {
    build = i < 4 ? 'v1' : 'v2';
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    await page.goto(`${siteUrl}/transfer`);
    const id = await sessionOf(new Set(sessions));
    sessions.push(id);
    await page.waitForFunction(() => !!document.querySelector('#send'));
    await sleep(300);
    if (i === 0) {
      await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
      await sleep(300);
      await page.evaluate(() => scrollTo(0, 0));
      await sleep(300);
    }
    const dead = build === 'v1' ? '#help' : '#support';
    await clickAt(page, dead);
    await sleep(1_500); // nothing answers: a dead click once its window closed
    await page.fill('#amount', '100');
    await page.fill('#iban', i === 1 || i === 4 || i === 6 ? 'DE89 3704' : 'DE89370400440532013000');
    if (i === 1 || i === 4 || i === 6) {
      await sleep(300);
      await page.goto(`${siteUrl}/elsewhere`);
    } else {
      if (i === 2 || i === 5) await page.fill('#amount', '150');
      if (i === 7) {
        // Leaving the field first: the recorder sends the field's last input when it loses focus, and an input
        // right after a click answers it (not dead); here the burst must find nothing answering.
        await page.locator('#iban').blur();
        await sleep(300);
        for (let k = 0; k < 4; k++) {
          await clickAt(page, dead);
          await sleep(90);
        }
        await sleep(1_500);
      }
      await clickAt(page, '#send');
      await page.waitForURL(/\/done$/);
    }
    await sleep(300);
    for (const end = Date.now() + 10_000; !(await transferHidden(id)) && Date.now() < end;) await sleep(100);
    assert.ok(await transferHidden(id), `session ${i}: the transfer page's end was uploaded`);
    await context.close();
  }
  assert.equal(new Set(sessions).size, 8);
});

const transfer = () => ({ host: new URL(siteUrl).host, url: '/transfer', form: '#transfer' });

async function answers(s: OpenedSearch) {
  const db = s.index.analyticsDb();
  const pages = await clickMapPages(db, {});
  const maps = await Promise.all(pages.map((p) => clickMap(db, p, {})));
  return { fields: await fieldsReport(db, transfer(), {}), pages, maps };
}

let sqliteAnswers: Awaited<ReturnType<typeof answers>>;

it('field analytics: 8 views, 5 sent, 3 left at the IBAN field, 2 corrected the amount; the same on PostgreSQL', async () => {
  const s = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, gatherMs: 0, log: () => undefined });
  try {
    await s.follower.catchUp();
    sqliteAnswers = await answers(s);
  } finally {
    await s.close();
  }
  const { fields } = sqliteAnswers;
  assert.deepEqual(fields.form, { ...transfer(), views: 8, submitted: 5 });
  const by = new Map(fields.fields.map((f) => [f.field, f]));
  assert.deepEqual([...by.keys()], ['#amount', '#iban']);
  const amount = by.get('#amount')!;
  const iban = by.get('#iban')!;
  assert.deepEqual([amount.label, amount.touched, amount.corrections, amount.correctionRate, amount.dropOffs, amount.errorRate], ['amount', 8, 2, 0.25, 0, 0]);
  assert.deepEqual([iban.label, iban.touched, iban.corrections, iban.dropOffs, iban.dropOffRate], ['iban', 8, 0, 3, 0.375]);
  assert.ok(amount.medianFillMs !== null && iban.medianFillMs !== null);
  assert.equal(fields.leaves.length, 1);
  assert.equal(fields.leaves[0]!.field, '#iban');
  assert.deepEqual(fields.leaves[0]!.sessions.map((x) => x.sessionId).sort(), [sessions[1], sessions[4], sessions[6]].sort());
  for (const l of fields.leaves[0]!.sessions) {
    const batches = await store.readEvents(l.sessionId);
    assert.ok(batches.some((b) => b.events.some((e) => e.timestamp === l.at)), 'the drop-off moment is a recorded moment (the page leaving)');
  }
  assert.ok(!JSON.stringify(sqliteAnswers).includes('DE89'), 'no typed value in any answer');

  pgServer = await startPostgres();
  const searchUrl = pgServer.url(await pgServer.createDatabase('fields'));
  const pg = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, searchUrl, gatherMs: 0, log: () => undefined });
  try {
    await pg.follower.catchUp();
    const pgAnswers = await answers(pg);
    assert.deepEqual(JSON.parse(JSON.stringify(pgAnswers)), JSON.parse(JSON.stringify(sqliteAnswers)), `PostgreSQL answers as SQLite does: ${JSON.stringify(pgAnswers)} vs ${JSON.stringify(sqliteAnswers)}`);
  } finally {
    await pg.close();
  }
});

it('click maps: one per site version, never mixed; dead and rage counted exactly', async () => {
  const { pages, maps } = sqliteAnswers;
  assert.equal(pages.length, 2, JSON.stringify(pages));
  assert.ok(pages.every((p) => p.url === '/transfer' && /^[0-9a-f]{12}$/.test(p.version)));
  assert.notEqual(pages[0]!.version, pages[1]!.version);
  const spots = maps.map((m) => m.hotspots.map((h) => [h.selector, h.clicks, h.dead, h.rage]));
  assert.deepEqual(spots, [[['#help', 4, 4, 0], ['#send', 3, 0, 0]], [['#support', 8, 8, 4], ['#send', 2, 0, 0]]], JSON.stringify(spots));
  for (const m of maps) for (const h of m.hotspots) assert.ok(Math.abs(h.fx! - 0.25) < 0.02 && Math.abs(h.fy! - 0.5) < 0.03, `${h.selector} at ${h.fx},${h.fy}`);
  // Session 0 scrolled to the bottom; the others saw the top 640 px of the page.
  assert.equal(maps[0]!.scroll.views, 4);
  assert.equal(maps[0]!.scroll.reached[10], 0.25);
  assert.equal(maps[0]!.scroll.reached[0], 1);
  assert.equal(maps[1]!.scroll.reached[10], 0);
});

let viewer: Viewer | undefined;

it('draws each map over the replayed page: hotspots at the clicked spot of each element box', async () => {
  const s = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, gatherMs: 0, log: () => undefined });
  viewer = await startViewer({ store, uiDir: path.join(root, 'dist', 'viewer'), fieldAnalytics: new FieldAnalyticsRoutes(s.index) });
  const plainBrowser = await launchChromium();
  try {
    const page = await plainBrowser.newPage({ viewport: { width: 1400, height: 900 } });
    for (const p of sqliteAnswers.pages) {
      await page.goto(`${viewer.url}/analytics/clickmap?host=${encodeURIComponent(p.host)}&url=${encodeURIComponent(p.url)}&version=${p.version}`);
      await page.waitForSelector('html[data-clickmap-ready="true"]', { timeout: 30_000 });
      const frame = page.frameLocator('.clickmap-replay iframe');
      const iframeBox = (await page.locator('.clickmap-replay iframe').boundingBox())!;
      const drawn = await page.locator('.hotspot').evaluateAll((els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { selector: (e as HTMLElement).dataset.selector!, x: r.left + r.width / 2, y: r.top + r.height / 2, kind: e.className };
      }));
      const expected = p.version === sqliteAnswers.pages[0]!.version ? ['#help', '#send'] : ['#support', '#send'];
      assert.deepEqual(drawn.map((d) => d.selector), expected, 'only this version\'s elements are drawn');
      for (const d of drawn) {
        const b = (await frame.locator(d.selector).boundingBox())!;
        assert.ok(b, `${d.selector} is in the replayed page`);
        assert.ok(b.x >= iframeBox.x - 1 && b.y >= iframeBox.y - 1, 'inside the replay frame');
        const spot = sqliteAnswers.maps.flatMap((m) => m.hotspots).find((h) => h.selector === d.selector && drawn.length)!;
        assert.ok(Math.abs(d.x - (b.x + b.width * 0.25)) <= 2, `${d.selector}: hotspot x ${d.x} vs box ${b.x}+${b.width}/4`);
        assert.ok(Math.abs(d.y - (b.y + b.height * 0.5)) <= 2, `${d.selector}: hotspot y ${d.y} vs box ${b.y}+${b.height}/2`);
        assert.ok(spot);
      }
      const kinds = Object.fromEntries(drawn.map((d) => [d.selector, d.kind]));
      if (expected[0] === '#help') assert.deepEqual(kinds, { '#help': 'hotspot dead', '#send': 'hotspot click' });
      else assert.deepEqual(kinds, { '#support': 'hotspot rage', '#send': 'hotspot click' });
    }
    // The fields page shows the report and links each drop-off to the replay at its moment.
    const host = encodeURIComponent(transfer().host);
    await page.goto(`${viewer.url}/analytics/fields?host=${host}&url=%2Ftransfer&form=%23transfer`);
    await page.waitForSelector('.analytics-leaves a');
    const links = await page.locator('.analytics-leaves a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links.map((l) => decodeURIComponent(/^\/sessions\/([^?]+)\?at=\d+$/.exec(l!)![1]!)).sort(), [sessions[1], sessions[4], sessions[6]].sort());
    assert.equal(await page.locator('tr[data-field="#iban"] td').last().textContent(), '3 (37.5 %)');
  } finally {
    await plainBrowser.close();
    await viewer.close();
    await s.close();
  }
});

it('erasing a session removes its rows from every field-analytics table', async () => {
  const s = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, gatherMs: 0, log: () => undefined });
  try {
    await s.follower.catchUp();
    const db = s.index.analyticsDb();
    const count = async (t: string) => Number((await query(db, `SELECT COUNT(*) AS n FROM ${t} t JOIN sessions s ON s.sid = t.sid WHERE s.id = ? AND t.url = '/transfer'`, [sessions[7]]))[0]!.n);
    assert.deepEqual([await count('form_fields'), await count('click_points'), await count('scroll_depths')], [2, 6, 1]);
    await store.eraseSession(sessions[7]!, { reason: 'test' });
    await s.follower.catchUp();
    const orphans = async (t: string) => Number((await query(db, `SELECT COUNT(*) AS n FROM ${t} WHERE sid NOT IN (SELECT sid FROM sessions)`, []))[0]!.n);
    assert.deepEqual([await orphans('form_fields'), await orphans('click_points'), await orphans('scroll_depths')], [0, 0, 0]);
    const spots = (await clickMap(db, sqliteAnswers.pages[1]!, {})).hotspots.map((h) => [h.selector, h.clicks, h.dead, h.rage]);
    assert.deepEqual(spots, [['#support', 3, 3, 0], ['#send', 1, 0, 0]]);
  } finally {
    await s.close();
  }
});
