/**
 * The extractor on a real recording: real Chromium → real proxy (recorder injected, responses captured) → real
 * LevelDB store, then the session's records read back in change-feed order and turned into hits. The page has a
 * labelled field, a password field, a button whose click shows new text, logs a console error and makes a fetch
 * that fails with 500; then the customer goes to a second page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import type { RunningProxy } from '../../../proxy/index';
import type { VerbatimStore } from '../../../store/store';
import { createSessionExtractor, type SessionFacts } from '../extract/index';
import type { Hit } from '../types';
import { E2eRig } from '../../../test/helpers/e2e-rig';

const SECRET = 'Hunter2-secret';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Transfer</title><link rel="icon" href="data:,">
<style>body{font:16px sans-serif}</style></head><body>
<h1>Make a transfer</h1>
<form id="transfer" onsubmit="return false">
<label for="amount">Amount</label><input id="amount" name="amount">
<label for="pin">PIN</label><input id="pin" name="pin" type="password">
<button id="send" type="button">Send <b>money</b></button>
</form>
<div id="result"></div>
<script>
document.getElementById('send').addEventListener('click', () => {
  document.getElementById('result').innerHTML = '<p>Transfer of 125 EUR is being processed</p>';
  console.error('Transfer service unavailable');
  fetch('/api/transfer?ref=ref-998877', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    .then(() => { document.body.dataset.done = 'yes'; });
});
</script></body></html>`;
const NEXT = '<!doctype html><html><head><title>Next step</title><link rel="icon" href="data:,"></head><body><p>Done</p></body></html>';

let rig: E2eRig;
let store: VerbatimStore;
let siteUrl: string;
let proxy: RunningProxy;
let browser: Browser;

before(async () => {
  rig = await E2eRig.open('extract');
  store = rig.store;
  siteUrl = await rig.site((req, res) => {
    if (req.url?.startsWith('/api/transfer')) {
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"unavailable"}');
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

/** Every hit of one session, its records fed in change-feed order, as the index will be fed at ingest. */
async function extract(sessionId: string): Promise<{ hits: Hit[]; facts: SessionFacts }> {
  const x = createSessionExtractor();
  const hits: Hit[] = [];
  let websocketsRead = false;
  for (const change of await store.readChanges(0, 100_000)) {
    if (change.sessionId !== sessionId) continue;
    if (change.type === 'events.appended') {
      const batch = await store.getEventBatch(sessionId, change.pageId, change.batchSeq);
      if (batch) hits.push(...x.batch(batch));
    } else if (change.type === 'capture.stored') {
      const capture = await store.getCapture(sessionId, change.captureId);
      if (capture) hits.push(...x.capture(capture));
    } else if (change.type === 'websocket.stored' && !websocketsRead) {
      websocketsRead = true;
      hits.push(...x.websocket(await store.listWebSocketMessages(sessionId)));
    }
  }
  const session = await store.getSession(sessionId);
  assert.ok(session, 'the session is stored');
  return { hits, facts: x.facts(session) };
}

describe('extracting a real recording', () => {
  it('gives the exact hits of the journey', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${siteUrl}/`);
    // The recorder starts after load: wait for its full snapshot before acting.
    let sessionId = '';
    for (const end = Date.now() + 15_000; !sessionId && Date.now() < end; await sleep(50)) {
      for (const s of await store.listSessions({ limit: 5 })) {
        if ((await store.readEvents(s.id)).some((b) => b.events.some((e) => e.type === 2))) sessionId = s.id;
      }
    }
    assert.ok(sessionId, 'the recorder uploaded a full snapshot');
    const t1 = Date.now();
    await page.locator('#amount').pressSequentially('125', { delay: 20 });
    await page.locator('#pin').pressSequentially(SECRET, { delay: 5 });
    const t2 = Date.now();
    await page.locator('#send b').click();
    await page.waitForSelector('body[data-done="yes"]');
    const t3 = Date.now();
    await page.goto(`${siteUrl}/next?from=transfer`);
    const t4 = Date.now();

    // Everything lands: the first page's last upload (pagehide) and the second page's snapshot.
    let got = await extract(sessionId);
    for (const end = Date.now() + 15_000; Date.now() < end; await sleep(200)) {
      got = await extract(sessionId);
      if (got.hits.some((h) => h.text === 'Done') && got.hits.some((h) => h.kind === 'request' && h.status === 500)) break;
    }
    await context.close();
    const { hits, facts } = got;
    const pages = [...new Set(hits.filter((h) => h.pageId).map((h) => h.pageId))];
    assert.equal(pages.length, 2, 'two recorded pages');
    const [first, second] = pages;
    const origin = siteUrl.replace('http://', '');

    const byKind = (kind: string) => hits.filter((h) => h.kind === kind);
    const shape = (h: Hit) => ({ ...h, at: undefined });
    assert.deepEqual(byKind('url').map(shape), [
      { kind: 'url', at: undefined, pageId: first, text: `${siteUrl}/`, host: origin, path: '/' },
      { kind: 'url', at: undefined, pageId: second, text: `${siteUrl}/next`, host: origin, path: '/next' },
    ]);
    assert.deepEqual(byKind('title').map((h) => [h.pageId, h.text]), [[first, 'Transfer'], [second, 'Next step']]);
    assert.deepEqual(byKind('text').map((h) => [h.pageId, h.text]), [
      [first, 'Make a transfer'], [first, 'Amount'], [first, 'PIN'], [first, 'Send money'],
      [first, 'Transfer of 125 EUR is being processed'], [second, 'Done'],
    ]);
    // The password as stored: the recorder's '*' per character, replaced by the proxy's masker with '•'.
    assert.deepEqual(byKind('typed').map(shape), [
      { kind: 'typed', at: undefined, pageId: first, text: '125', field: 'amount' },
      { kind: 'typed', at: undefined, pageId: first, text: '\u2022'.repeat(SECRET.length), field: 'pin' },
    ]);
    assert.deepEqual(byKind('clicked').map(shape), [{ kind: 'clicked', at: undefined, pageId: first, text: 'Send money', field: '#send' }]);
    assert.deepEqual(byKind('error').map(shape), [
      { kind: 'error', at: undefined, pageId: first, text: 'Transfer service unavailable', field: 'console.error' },
    ]);
    assert.deepEqual(byKind('request').map((h) => ({ ...h, at: undefined, durationMs: typeof h.durationMs })), [
      { kind: 'request', at: undefined, text: `GET ${origin}/ 200 OK`, field: `GET ${origin}/`, host: origin, path: '/', method: 'GET', status: 200, durationMs: 'number' },
      { kind: 'request', at: undefined, text: `POST ${origin}/api/transfer 500 Internal Server Error`, field: `POST ${origin}/api/transfer`, host: origin, path: '/api/transfer', method: 'POST', status: 500, durationMs: 'number' },
      { kind: 'request', at: undefined, text: `GET ${origin}/next 200 OK`, field: `GET ${origin}/next`, host: origin, path: '/next', method: 'GET', status: 200, durationMs: 'number' },
    ]);
    assert.deepEqual(byKind('websocket'), []);
    assert.equal(hits.length, 2 + 2 + 6 + 2 + 1 + 1 + 3);

    // The moments: each within the stretch of the journey where it happened.
    const at = (kind: string, text: string) => hits.find((h) => h.kind === kind && h.text === text)!.at;
    const within = (value: number, from: number, to: number, what: string) => assert.ok(value >= from && value <= to, `${what}: ${value} not in [${from}, ${to}]`);
    within(at('typed', '125'), t1, t2, 'typed amount');
    within(at('clicked', 'Send money'), t2, t3, 'click');
    within(at('text', 'Transfer of 125 EUR is being processed'), t2, t3, 'text after the click');
    within(at('error', 'Transfer service unavailable'), t2, t3, 'console error');
    within(at('request', `POST ${origin}/api/transfer 500 Internal Server Error`), t2, t3, 'failing fetch');
    within(at('url', `${siteUrl}/`), t0, t1, 'first page');
    within(at('url', `${siteUrl}/next`), t3, t4 + 5_000, 'second page');
    assert.ok(at('clicked', 'Send money') <= at('text', 'Transfer of 125 EUR is being processed'));

    // Nothing personal leaks: the password and the query strings are in no hit.
    const all = JSON.stringify(hits);
    for (const secret of [SECRET, 'ref-998877', 'from=transfer']) assert.ok(!all.includes(secret), `${secret} is in no hit`);

    assert.equal(facts.channel, 'proxy');
    assert.equal(facts.entryUrl, `${siteUrl}/`);
    assert.equal(facts.exitUrl, `${siteUrl}/next`);
    assert.equal(facts.pageCount, 2);
    assert.equal(facts.device, 'desktop');
    assert.match(facts.browser ?? '', /^Chrom/);
    assert.ok(facts.activeMs > 0 && facts.activeMs <= facts.durationMs + 1_000, `activeMs ${facts.activeMs} of ${facts.durationMs}`);
  });
});
