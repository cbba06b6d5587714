/**
 * Custom markers (recorder/markers.ts) in real Chromium: a page's performance.mark entries and dataLayer events,
 * before and after the recorder starts and across GTM replacing the array and wrapping push, become
 * `verbatim:marker` events with the name only, masked, rate-limited; the page's own push keeps its `this` and
 * return value and no page error occurs. One browser, one loopback server, one page; the bundle scripts/build.ts
 * built (dist/recorder/recorder.js), as the proxy serves it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright';
import type { RecordedEvent } from '../../store/records';
import { BOOTSTRAP_SCRIPT } from '../bootstrap';
import { markerName } from '../markers';
import { CUSTOM_TAGS, EVENTS_PATH, RECORDER_SRC_ATTRIBUTE, type RecorderUpload } from '../protocol';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT_PATH = '/__verbatim/recorder-markers.js';
const TOKEN = 'tok-markers';

// Before the recorder runs (it is added after load): a mark, the GTM snippet's array with GTM's own event and a site
// event carrying personal fields beside its name.
const PAGE = `<!doctype html><html><head>
<script ${RECORDER_SRC_ATTRIBUTE}="${SCRIPT_PATH}" data-verbatim-token="${TOKEN}" data-verbatim-endpoint="${EVENTS_PATH}">${BOOTSTRAP_SCRIPT}</script>
<meta charset="utf-8"><title>markers</title>
<script>
  performance.mark('early-mark');
  window.dataLayer = window.dataLayer || [];
  dataLayer.push({ 'gtm.start': Date.now(), event: 'gtm.js' });
  dataLayer.push({ event: 'login_done', email: 'jane.doe@example.com', customerId: 'CUST-SECRET-77' });
</script></head><body><p>markers</p></body></html>`;

let bundle = '';
let browser: Browser;
let server: http.Server;
let origin = '';
const uploads: { raw: string; upload: RecorderUpload }[] = [];

before(async () => {
  bundle = await readFile(path.join(root, 'dist', 'recorder', 'recorder.js'), 'utf8');
  server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith(EVENTS_PATH)) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        uploads.push({ raw, upload: JSON.parse(raw) as RecorderUpload });
        res.writeHead(204).end();
      });
    } else if (req.url === SCRIPT_PATH) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else if (req.url === '/markers') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const events = (): RecordedEvent[] => uploads.slice().sort((a, b) => a.upload.seq - b.upload.seq).flatMap((u) => u.upload.events);
const markers = () => events()
  .filter((e) => e.type === 5 && (e.data as { tag: string }).tag === CUSTOM_TAGS.marker)
  .map((e) => (e.data as { payload: { name: string; source: string; time?: number } }).payload);

describe('markers in Chromium', () => {
  it('records marks and dataLayer events, names only, masked, bounded, without changing the page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageErrors: Error[] = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    const t0 = Date.now();
    await page.goto(`${origin}/markers`);
    await waitFor('the first upload (recorder started)', () => uploads.length > 0);
    const seen = await page.evaluate(() => {
      const w = window as unknown as { dataLayer: unknown[] & { push(...x: unknown[]): number }; gtmSaw?: number };
      performance.mark('late-mark');
      const returned = w.dataLayer.push({ event: 'transfer_sent', amount: 1200, iban: 'DE89370400440532013000' });
      // push keeps its `this`: called on another array, it pushes there.
      const other: unknown[] = [];
      const pushedOther = w.dataLayer.push.call(other, { event: 'other_array' });
      // gtag's form: the arguments object.
      (function (..._a: unknown[]) { w.dataLayer.push(arguments); })('event', 'gtag_purchase', { value: 5 });
      // A frozen array cannot be hooked: its items are still read, and the page's assignment does not throw.
      w.dataLayer = Object.freeze([{ event: 'frozen_layer' }]) as unknown as typeof w.dataLayer;
      // GTM replaces the array, then wraps push on it (as gtm.js does) and calls through.
      w.dataLayer = [{ event: 'replaced_first' }] as typeof w.dataLayer;
      const gtmPush = w.dataLayer.push;
      w.dataLayer.push = function (this: unknown, ...items: unknown[]) { w.gtmSaw = (w.gtmSaw ?? 0) + 1; return gtmPush.apply(this, items); };
      const afterGtm = w.dataLayer.push({ event: 'after_gtm' });
      performance.mark('paid 4111 1111 1111 1111 by jane@example.com');
      w.dataLayer.push({ event: 'iban DE89370400440532013000\u0007' });
      w.dataLayer.push({ event: 'x'.repeat(500) });
      w.dataLayer.push({ notAnEvent: true }, { event: 42 });
      return { returned, pushedOther, otherLength: other.length, afterGtm };
    });
    assert.deepEqual(seen, { returned: 3, pushedOther: 1, otherLength: 1, afterGtm: 2 });
    // Marks reach observers in a later task: the page's own observer sees the last one after the recorder's did.
    await page.evaluate(() => new Promise<void>((resolve) => {
      new PerformanceObserver((list, o) => {
        if (list.getEntries().some((e) => e.name.startsWith('paid'))) { o.disconnect(); resolve(); }
      }).observe({ type: 'mark', buffered: true });
    }));
    // A flood: the page's array takes all of it, the stream a bounded few.
    const flooded = await page.evaluate(() => {
      const w = window as unknown as { dataLayer: unknown[]; gtmSaw?: number };
      for (let i = 0; i < 2000; i++) w.dataLayer.push({ event: 'flood' });
      return { gtmSaw: w.gtmSaw, length: w.dataLayer.length };
    });
    const elapsed = Date.now() - t0;
    assert.deepEqual(flooded, { gtmSaw: 2004, length: 2006 });
    await page.goto(`${origin}/blank`); // pagehide: the rest is uploaded
    await waitFor('the marker of the flood', () => markers().some((m) => m.name === 'flood'));
    const got = markers();
    const bySource = (source: string) => got.filter((m) => m.source === source && m.name !== 'flood').map((m) => m.name);
    assert.deepEqual(bySource('mark'), ['early-mark', 'late-mark', `paid **** **** **** **** by ${'*'.repeat(16)}`]);
    assert.deepEqual(bySource('dataLayer'), [
      'login_done', 'transfer_sent', 'other_array', 'gtag_purchase', 'frozen_layer', 'replaced_first', 'after_gtm', `iban DE${'*'.repeat(20)}`, 'x'.repeat(100),
    ]);
    // Burst 30 minus the 12 before it, plus a token per 500 ms since the page loaded.
    const flood = got.filter((m) => m.name === 'flood').length;
    assert.ok(flood >= 18 && flood <= 18 + Math.ceil(elapsed / 500), `flood markers: ${flood} after ${elapsed} ms`);
    // Nothing but the name, where it came from and, for a mark or an item pushed before the recorder ran, its moment.
    assert.deepEqual([...new Set(got.map((m) => Object.keys(m).sort().join()))].sort(), ['name,source', 'name,source,time']);
    assert.deepEqual(got.filter((m) => m.time !== undefined && m.source === 'dataLayer').map((m) => m.name), ['login_done']);
    assert.ok(got.filter((m) => m.source === 'mark').every((m) => typeof m.time === 'number'));
    const raw = uploads.map((u) => u.raw).join('\n');
    for (const secret of ['jane.doe@example.com', 'CUST-SECRET-77', '4111 1111', '370400440532013000', 'gtm.js']) {
      assert.ok(!raw.includes(secret), `${secret} was uploaded`);
    }
    assert.equal(events().filter((e) => e.type === 5 && (e.data as { tag: string }).tag === CUSTOM_TAGS.recorderFailure).length, 0);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  it('masks names as typed text: long digit runs, IBANs, addresses; keeps ordinary names', () => {
    assert.equal(markerName('step2_confirmed'), 'step2_confirmed');
    assert.equal(markerName('step12completedsuccessfully'), 'step12completedsuccessfully');
    assert.equal(markerName('order 1234567'), 'order *******');
    assert.equal(markerName('acct 123456'), 'acct 123456');
    assert.equal(markerName('to:NL91ABNA0417164300'), `to:NL91ABNA${'*'.repeat(10)}`);
    assert.equal(markerName('  \u0000a\u001fb\u007f  '), 'ab');
  });
});
