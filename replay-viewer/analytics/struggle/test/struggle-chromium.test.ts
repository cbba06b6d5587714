/**
 * The detector on a real recording: real Chromium → real forward proxy (recorder injected, responses captured) →
 * LevelDB store → the change feed read back in order → createStruggleDetector. The test clicks a button that does
 * nothing 4 times fast, double-clicks a working button once, and clicks a button whose request gets a 500: rage and
 * dead on the first, nothing on the second, error and failed on the third, each inside the test's own clock window.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright';
import type { RunningProxy } from '../../../../proxy/index';
import type { VerbatimStore } from '../../../../store/store';
import { createStruggleDetector, struggleScore, type Signal } from '../index';
import { openSearch } from '../../../search/index';
import { parseQuery } from '../../../search/query/index';
import { E2eRig } from '../../../../test/helpers/e2e-rig';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Payments</title><link rel="icon" href="data:,"></head>
<body style="font:16px sans-serif">
<p><button id="continue" style="width:160px;height:40px">Continue</button></p>
<p><button id="details" style="width:160px;height:40px">Show details</button></p><p id="more"></p>
<p><button id="pay" style="width:160px;height:40px">Pay now</button></p><p id="out"></p>
<script>
let open = false;
document.getElementById('details').addEventListener('click', () => {
  open = !open;
  document.getElementById('more').textContent = open ? 'Fees: none' : '';
});
document.getElementById('pay').addEventListener('click', async () => {
  const res = await fetch('/api/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  document.body.dataset.paid = String(res.status);
});
</script></body></html>`;
const NEXT = '<!doctype html><html><head><title>Next</title><link rel="icon" href="data:,"></head><body><p>Bye</p></body></html>';

let rig: E2eRig;
let dir: string;
let store: VerbatimStore;
let siteUrl: string;
let proxy: RunningProxy;
let browser: Browser;

before(async () => {
  rig = await E2eRig.open('struggle');
  dir = rig.dir;
  store = rig.store;
  siteUrl = await rig.site((req, res) => {
    if (req.url === '/api/pay') {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"ledger down"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.url?.startsWith('/next') ? NEXT : PAGE);
  });
  proxy = await rig.proxy();
  browser = await rig.chromium({ server: proxy.url });
});

after(() => rig?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The recorded session and the test's clock around each moment, shared by the two tests. */
let sessionId = '';
const t: Record<string, number> = {};

/** The session's signals, its records fed in change-feed order as the follower will feed them. */
async function detect(sessionId: string): Promise<Signal[]> {
  const d = createStruggleDetector();
  for (const change of await store.readChanges(0, 100_000)) {
    if (change.sessionId !== sessionId) continue;
    if (change.type === 'events.appended') {
      const batch = await store.getEventBatch(sessionId, change.pageId, change.batchSeq);
      if (batch) d.batch(batch);
    } else if (change.type === 'capture.stored') {
      const capture = await store.getCapture(sessionId, change.captureId);
      if (capture) d.capture(capture);
    }
  }
  return d.finish();
}

it('finds rage and dead on the dead button, nothing on the double-click, error and failed on the 500', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  const page = await context.newPage();
  await page.goto(`${siteUrl}/`);
  for (const end = Date.now() + 15_000; !sessionId && Date.now() < end; await sleep(50)) {
    for (const s of await store.listSessions({ limit: 5 })) {
      if ((await store.readEvents(s.id)).some((b) => b.events.some((e) => e.type === 2))) sessionId = s.id;
    }
  }
  assert.ok(sessionId, 'the recorder uploaded a full snapshot');
  const box = (await page.locator('#continue').boundingBox())!;

  t.rage = Date.now();
  for (let i = 0; i < 4; i++) {
    await page.mouse.click(box.x + 60 + i * 3, box.y + 20);
    await sleep(80);
  }
  t.raged = Date.now();
  await sleep(1_600);
  t.dbl = Date.now();
  await page.locator('#details').dblclick();
  t.dbled = Date.now();
  await sleep(1_600);
  t.pay = Date.now();
  await page.locator('#pay').click();
  await page.waitForSelector('body[data-paid="500"]');
  t.paid = Date.now();
  await sleep(1_800);
  await page.goto(`${siteUrl}/next`);

  let signals: Signal[] = [];
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(250)) {
    signals = await detect(sessionId);
    const batches = await store.readEvents(sessionId);
    const hidden = batches.some((b) => b.events.some((e) => e.type === 5 && (e.data as { tag?: string }).tag === 'verbatim:page-hidden'));
    if (hidden && signals.some((s) => s.name === 'failed')) break;
  }
  await context.close();

  const summary = signals.map((s) => `${s.name} ${s.element?.selector ?? s.url} +${s.at - t.rage!}ms`);
  const on = (name: string, selector: string) => signals.filter((s) => s.name === name && s.element?.selector === selector);
  const within = (s: Signal | undefined, from: number, to: number, what: string) => {
    assert.ok(s, `${what} found in ${JSON.stringify(summary)}`);
    assert.ok(s.at >= from && s.at <= to, `${what}: +${s.at - t.rage!} ms not within +${from - t.rage!}..+${to - t.rage!} ms`);
  };
  assert.equal(on('rage', '#continue').length, 1, JSON.stringify(summary));
  within(on('rage', '#continue')[0], t.rage!, t.raged!, 'rage');
  assert.deepEqual(on('rage', '#continue')[0]!.detail?.clicks, 4);
  assert.equal(on('dead', '#continue').length, 1, JSON.stringify(summary));
  within(on('dead', '#continue')[0], t.rage!, t.raged!, 'dead');
  assert.deepEqual(signals.filter((s) => s.element?.selector === '#details'), [], 'the double-click is not struggle');
  within(on('error', '#pay')[0], t.pay!, t.paid!, 'error');
  assert.match(String(on('error', '#pay')[0]!.detail?.cause), /^status 500 POST 127\.0\.0\.1:\d+$/);
  const failed = signals.filter((s) => s.name === 'failed');
  assert.equal(failed.length, 1, JSON.stringify(summary));
  within(failed[0], t.pay!, t.paid!, 'failed');
  assert.equal(failed[0]!.url, `${siteUrl}/api/pay`);
  assert.deepEqual(signals.map((s) => s.name).sort(), ['dead', 'error', 'failed', 'rage'], JSON.stringify(summary));
  console.log(`struggle on Chromium: ${JSON.stringify(summary)}`);
});

it('the search index holds the same signals as struggle: hits at their moments', async () => {
  assert.ok(sessionId, 'the first test recorded a session');
  const search = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, log: () => undefined });
  try {
    await search.follower.catchUp();
    const first = async (q: string) => {
      const r = await search.index.search(parseQuery(q), { limit: 10 });
      assert.deepEqual(r.results.map((x) => x.session.id), [sessionId], q);
      return r.results[0]!.firstMatch!;
    };
    const rage = await first('struggle:rage');
    assert.equal(rage.kind, 'struggle');
    assert.ok(rage.at >= t.rage! && rage.at <= t.raged!, `rage at +${rage.at - t.rage!} ms`);
    const failed = await first('struggle:failed');
    assert.ok(failed.at >= t.pay! && failed.at <= t.paid!, `failed at +${failed.at - t.rage!} ms`);
    await first('struggle:dead THEN struggle:error');
    await first('clicked:pay THEN struggle:failed');
    assert.equal((await search.index.search(parseQuery('struggle:abandon OR struggle:thrash'), { limit: 10 })).results.length, 0);
    assert.equal((await search.index.search(parseQuery('struggle:error THEN struggle:rage'), { limit: 10 })).results.length, 0);
    const matches = await search.index.matches(sessionId, parseQuery('struggle:rage OR struggle:dead OR struggle:error OR struggle:failed'));
    assert.equal(matches.length, 4, JSON.stringify(matches));
    // The session's score, from those four signals (docs/STRUGGLE.md's weights), and the filter on it.
    const scored = (await search.index.search(parseQuery('score:>0'), { limit: 10 })).results;
    assert.deepEqual(scored.map((r) => [r.session.id, r.session.struggleScore]), [[sessionId, struggleScore([{ name: 'rage' }, { name: 'dead' }, { name: 'error' }, { name: 'failed' }])]]);
    assert.ok(scored[0]!.session.struggleScore >= 60, `score ${scored[0]!.session.struggleScore}`);
    assert.equal((await search.index.search(parseQuery(`score:>${scored[0]!.session.struggleScore}`), { limit: 10 })).results.length, 0);
  } finally {
    await search.close();
  }
});
