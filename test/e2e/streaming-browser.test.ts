/**
 * Streams reach a real browser unbuffered, through both modes: Chromium opens an
 * EventSource and reads a chunked fetch and a large download chunk by chunk; the
 * first event and the first bytes must arrive while the origin is still holding
 * back the rest. proxy/test/streaming.test.ts proves the same with a Node client;
 * this is the customer's view (the browser's own network stack, through a proxy
 * it was configured with, or a gateway it takes for the site).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parseUpstreams, type RunningGateway, type RunningProxy } from '../../proxy/index';
import type { VerbatimStore } from '../../store/store';
import { E2eRig } from '../helpers/e2e-rig';
import { BIG, startStreamOrigin, type StreamOrigin } from '../helpers/stream-origin';

/** The origin holds back the rest of every stream this long. */
const HOLD_MS = 1500;
/** The page's own script times every event and chunk from the moment each stream is opened. */
const OBSERVER = `
window.observeStreams = () => {
  const events = new Promise((resolve, reject) => {
    const seen = [];
    const started = performance.now();
    const source = new EventSource('/events');
    source.onmessage = (e) => {
      seen.push({ data: e.data, ms: performance.now() - started });
      if (seen.length === 2) { source.close(); resolve(seen); }
    };
    source.onerror = () => { source.close(); reject(new Error('EventSource failed after ' + seen.length + ' events')); };
  });
  const read = async (url) => {
    const started = performance.now();
    const reader = (await fetch(url)).body.getReader();
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push({ bytes: value, ms: performance.now() - started });
    }
    return { chunks, totalMs: performance.now() - started };
  };
  const chunked = read('/chunked').then(({ chunks }) => chunks.map((c) => ({ text: new TextDecoder().decode(c.bytes), ms: c.ms })));
  const big = read('/big.bin').then(async ({ chunks, totalMs }) => {
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.bytes.length, 0));
    let at = 0;
    for (const c of chunks) { all.set(c.bytes, at); at += c.bytes.length; }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
    return { firstMs: chunks.length ? chunks[0].ms : -1, totalMs, bytes: all.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
  });
  return Promise.all([events, chunked, big]).then(([e, c, b]) => ({ events: e, chunked: c, big: b }));
};`;
const PAGE = `<!doctype html><html><head><title>streams</title><script>${OBSERVER}</script></head><body><h1>Streams</h1></body></html>`;

let rig: E2eRig;
let store: VerbatimStore;
let site: StreamOrigin;
let origin: string;
let proxy: RunningProxy;
let gateway: RunningGateway;

interface Observed {
  events: { data: string; ms: number }[];
  chunked: { text: string; ms: number }[];
  big: { firstMs: number; totalMs: number; bytes: number; sha256: string };
}

before(async () => {
  rig = await E2eRig.open('e2e-streams');
  store = rig.store;
  site = rig.track(await startStreamOrigin({ holdMs: HOLD_MS, page: PAGE }));
  origin = site.origin;
  const common = { recorderScript: Buffer.from(''), captureMaxBytes: 256 * 1024 };
  proxy = await rig.proxy(common);
  gateway = await rig.gateway({ ...common, routes: parseUpstreams([origin]) });
});

after(() => rig?.close());

for (const mode of ['proxy', 'gateway'] as const) {
  describe(`streams in Chromium through the ${mode}`, () => {
    it('delivers the first event and the first bytes before the origin sends the rest', async () => {
      const browser = await rig.chromium(mode === 'proxy' ? { server: `http://127.0.0.1:${proxy.port}` } : undefined);
      const page = await browser.newPage();
      await page.goto((mode === 'proxy' ? origin : gateway.url) + '/');
      const seen = await page.evaluate(() => (window as unknown as { observeStreams(): Promise<Observed> }).observeStreams());

      assert.deepEqual(seen.events.map((e) => e.data), ['first', 'second']);
      assert.ok(seen.events[0].ms < HOLD_MS / 2, `first server-sent event after ${seen.events[0].ms.toFixed(0)} ms (origin holds the next ${HOLD_MS} ms)`);
      assert.ok(seen.events[1].ms >= HOLD_MS - 100, `second event after ${seen.events[1].ms.toFixed(0)} ms`);

      assert.equal(seen.chunked.map((c) => c.text).join(''), '{"n":1}\n{"n":2}\n');
      assert.equal(seen.chunked[0].text, '{"n":1}\n', 'the first line arrives on its own');
      assert.ok(seen.chunked[0].ms < HOLD_MS / 2, `first chunk after ${seen.chunked[0].ms.toFixed(0)} ms`);

      assert.equal(seen.big.bytes, BIG.length);
      assert.equal(seen.big.sha256, createHash('sha256').update(BIG).digest('hex'));
      assert.ok(seen.big.firstMs < HOLD_MS / 2, `first bytes of the download after ${seen.big.firstMs.toFixed(0)} ms`);
      assert.ok(seen.big.totalMs >= HOLD_MS - 100, `download finished after ${seen.big.totalMs.toFixed(0)} ms`);

      // The events were captured too, in full, once the stream ended.
      await (mode === 'proxy' ? proxy : gateway).drain();
      const capture = await store.latestCapture((mode === 'proxy' ? origin : gateway.url) + '/events');
      assert.ok(capture?.body, 'event stream captured');
      assert.equal(Buffer.from((await store.getBlob(capture.body.digest, capture.sessionId))!).toString(), 'data: first\n\ndata: second\n\n');
    });
  });
}
