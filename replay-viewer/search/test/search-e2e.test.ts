/**
 * Search end to end: real Chromium → real forward proxy → LevelDB store → change feed → follower → SQLite index →
 * GET /api/search. A journey (home page, a transfer page, an IBAN typed, Send clicked, the bank answers 503, the page
 * shows a message and throws) is found by url:, text:, typed:, clicked:, error:, status:, host:, channel:, duration:,
 * customer:, device:, browser:, os:, a time range, free text and a then-sequence, and each result's first match lies
 * within the moment of the journey it names; the viewer opens the replay at that moment; once the session is erased,
 * nothing finds it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import type { RunningProxy } from '../../../proxy/index';
import { launchChromium } from '../../../scripts/chromium';
import type { LevelStore } from '../../../store/level/level-store';
import type { Viewer } from '../../server';
import { openSearch, SearchRoutes, type OpenedSearch } from '../index';
import type { SearchResponse } from '../types';
import { E2eRig, sealedStoreOptions } from '../../../test/helpers/e2e-rig';

const TYPED = 'Morvanek Trust';

const HOME = `<!doctype html><html><head><meta charset="utf-8"><title>Zentral Home</title></head><body>
<p>Welcome to Zentral Bank</p><a id="go" href="/payments/transfer">Make a transfer</a></body></html>`;
const TRANSFER = `<!doctype html><html><head><meta charset="utf-8"><title>Transfer</title></head><body>
<form onsubmit="return false"><label for="iban">IBAN</label><input id="iban" name="iban">
<button id="send" type="button">Send money</button></form><p id="out"></p>
<script>
document.getElementById('send').addEventListener('click', async () => {
  await fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  document.getElementById('out').textContent = 'Transfer declined by Quillon gateway';
  setTimeout(() => { throw new TypeError('Quillon widget crashed'); }, 0);
});
</script></body></html>`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('search end to end (Chromium through the proxy)', () => {
  let rig: E2eRig;
  let dir: string;
  let store: LevelStore;
  let siteUrl: string;
  let proxy: RunningProxy;
  let viewer: Viewer;
  let search: OpenedSearch;
  let browser: Browser;
  const t: Record<string, number> = {};

  before(async () => {
    rig = await E2eRig.open('search-e2e', sealedStoreOptions);
    dir = rig.dir;
    store = rig.store;
    siteUrl = await rig.site((req, res) => {
      if (req.url === '/api/transfer') {
        req.resume();
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":"unavailable"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.url === '/payments/transfer' ? TRANSFER : HOME);
    });
    const keysDir = path.join(dir, 'keys');
    // As `verbatim start` runs it: extraction and index writes on the search worker thread.
    search = rig.track(await openSearch({ dataDir: dir, keysDir, store, gatherMs: 50, worker: true, log: () => undefined }));
    search.follower.start();
    proxy = await rig.proxy();
    viewer = await rig.viewer({ search: new SearchRoutes(search.index, store, search.key) });
    browser = await rig.chromium({ server: proxy.url });

    // The journey, with the test's clock around each moment (the page's event times come from the same clock).
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    t.start = Date.now();
    await page.goto(`${siteUrl}/`);
    await sleep(1_200);
    t.navigate = Date.now();
    await Promise.all([page.waitForURL('**/payments/transfer'), page.click('#go')]);
    await page.waitForSelector('#iban');
    t.navigated = Date.now();
    await sleep(800);
    t.type = Date.now();
    await page.type('#iban', TYPED, { delay: 40 });
    t.typed = Date.now();
    await sleep(900);
    t.click = Date.now();
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('out')?.textContent?.includes('declined'));
    t.clicked = Date.now();
    await sleep(1_500);
    await page.goto(`${siteUrl}/`);
    await sleep(500);
    await context.close();
    t.end = Date.now();
  });

  after(() => rig?.close());

  const query = async (q: string): Promise<SearchResponse> => {
    const res = await fetch(`${viewer.url}/api/search?q=${encodeURIComponent(q)}`);
    assert.equal(res.status, 200, `${q}: ${await res.clone().text()}`);
    return (await res.json()) as SearchResponse;
  };
  /** The one recorded session's first match for `q`, once the follower has it (the feed is followed live). */
  const firstMatch = async (q: string): Promise<NonNullable<SearchResponse['results'][number]['firstMatch']>> => {
    let r = await query(q);
    for (const end = Date.now() + 20_000; !r.results.length && Date.now() < end; await sleep(200)) r = await query(q);
    assert.equal(r.results.length, 1, `${q} finds the journey`);
    assert.ok(r.results[0]!.firstMatch, `${q} has a first match`);
    return r.results[0]!.firstMatch!;
  };
  const firstResult = async (q: string) => {
    const r = await query(q);
    assert.equal(r.results.length, 1, `${q} finds the journey`);
    return r.results[0]!;
  };
  const within = (at: number, from: number, to: number, what: string) =>
    assert.ok(at >= from && at <= to, `${what}: ${at - t.start!} ms not within ${from - t.start!}..${to - t.start!} ms`);

  it('finds the typed value at the moment it was typed', async () => {
    const m = await firstMatch(`typed:${TYPED.split(' ')[0]!.toLowerCase()}`);
    assert.equal(m.kind, 'typed');
    // The recorder sends a field's value up to 400 ms after the last key.
    within(m.at, t.type!, t.typed! + 600, 'typed');
    assert.match(m.snippet, /Morvanek Trust/);
  });

  it('finds the page by url: prefix, when it loaded', async () => {
    const m = await firstMatch('url:/payments/tr*');
    assert.equal(m.kind, 'url');
    within(m.at, t.navigate!, t.navigated!, 'url');
  });

  it('finds the click, the 503, the page error and the text it showed, after the click', async () => {
    const clicked = await firstMatch('clicked:send');
    assert.equal(clicked.kind, 'clicked');
    within(clicked.at, t.click!, t.clicked!, 'clicked');
    const status = await firstMatch('status:>=500');
    assert.equal(status.kind, 'request');
    within(status.at, t.click!, t.clicked!, 'status');
    const error = await firstMatch('error:quillon');
    assert.equal(error.kind, 'error');
    within(error.at, t.click!, t.clicked! + 1_000, 'error');
    const text = await firstMatch('text:"declined by quillon"');
    assert.equal(text.kind, 'text');
    within(text.at, t.click!, t.clicked! + 1_000, 'text');
  });

  it('sequences: typed then a server error, and not the other way round', async () => {
    const m = await firstMatch('typed:morvanek THEN status:>=500');
    assert.equal(m.kind, 'typed');
    within(m.at, t.type!, t.typed! + 600, 'then');
    assert.equal((await query('status:>=500 THEN typed:morvanek')).results.length, 0);
    assert.equal((await query('typed:morvanek THEN url:/payments*')).results.length, 0);
  });

  it('filters by host, channel and duration', async () => {
    const host = await query('host:127.0.0.1 channel:proxy duration:>3s');
    assert.equal(host.results.length, 1);
    const s = host.results[0]!.session;
    assert.equal(s.channel, 'proxy');
    assert.ok(s.durationMs > 3_000 && s.durationMs <= t.end! - t.start!, `duration ${s.durationMs}`);
    assert.ok(s.pageCount >= 2, `pages ${s.pageCount}`);
    assert.equal((await query('channel:kiosk')).results.length, 0);
    assert.equal((await query('duration:>5m')).results.length, 0);
    assert.equal((await query('host:elsewhere.example')).results.length, 0);
  });
  it('filters by customer, device, browser, os and time range, and finds free text; facets count it', async () => {
    const session = (await firstResult('zentral')).session;
    await store.linkCustomer({ sessionId: session.id, customerId: 'CUST-4711', source: 'test', at: Date.now() });
    const day = new Date(t.start!).toISOString().slice(0, 10);
    let linked = await query('customer:CUST-4711');
    for (const end = Date.now() + 20_000; !linked.results.length && Date.now() < end; await sleep(200)) linked = await query('customer:CUST-4711');
    assert.deepEqual(linked.results.map((r) => r.session.id), [session.id]);
    for (const q of ['device:desktop', 'browser:chrome', 'os:linux', `on:${day}`, `after:${day}`, 'zentral', '"welcome to zentral bank"']) {
      assert.equal((await query(q)).results.length, 1, q);
    }
    for (const q of ['customer:CUST-0000', 'customer:cust-4711', 'device:mobile', `before:${day}`, 'after:-1m browser:firefox']) {
      assert.equal((await query(q)).results.length, 0, q);
    }
    const res = await fetch(`${viewer.url}/api/search?q=zentral&facets=channel,device`);
    const faceted = (await res.json()) as SearchResponse;
    assert.deepEqual(faceted.facets?.channel, [{ value: 'proxy', count: 1 }]);
    assert.deepEqual(faceted.facets?.device, [{ value: 'desktop', count: 1 }]);
  });

  it('opens the replay at the first matching moment from the viewer\'s search, in Chromium', async () => {
    const m = await firstMatch('clicked:send');
    // A browser of its own: the customer's goes through the proxy, which would record the viewer as a session.
    const staff = await launchChromium();
    const page = await staff.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await page.goto(`${viewer.url}/?q=${encodeURIComponent('clicked:send')}`);
      await page.click('.search-result-link');
      await page.waitForFunction((at) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(at), m.at);
      assert.match(await page.textContent('.match-count') ?? '', /^match 1 of 1/);
      // The replay shows the transfer page as it was when Send was clicked (before the answer came).
      const frame = page.frameLocator('.replayer-wrapper iframe');
      assert.equal(await frame.locator('#send').textContent(), 'Send money');
      assert.equal(await frame.locator('#iban').inputValue(), TYPED);
    } finally {
      await staff.close();
    }
  });

  it('finds nothing of an erased session', async () => {
    const session = (await firstResult('zentral')).session;
    assert.equal((await query('zentral')).results.length, 1);
    await store.eraseSession(session.id, { reason: 'test: right to erasure' });
    let left = await query('zentral');
    for (const end = Date.now() + 20_000; left.results.length && Date.now() < end; await sleep(200)) left = await query('zentral');
    assert.equal(left.results.length, 0);
    for (const q of ['typed:morvanek', 'clicked:send', 'status:>=500', 'customer:CUST-4711', 'channel:proxy']) assert.equal((await query(q)).results.length, 0, q);
    assert.deepEqual(await search.index.counts(), { sessions: 0, hits: 0 });
  });

  it('indexed everything on the search worker thread (it never fell back in-process)', () => {
    assert.ok(search.worker?.thread, 'the worker still runs');
  });
});
