/**
 * Faults on the upstream side, forward proxy and gateway: a body cut off by the
 * site, or a site that goes silent mid-body, reaches the browser as a cut-off
 * response at once (not after the browser's own timeout), and the capture keeps
 * what passed, marked truncated with the reason; a body that does not decode
 * (bad gzip) is kept with the reason; header blocks far over Node's 16 KB default
 * pass both ways.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCACertificate } from 'mockttp';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

const UPSTREAM_MS = 1000;
const HALF = Buffer.alloc(50_000, 'a');
const BIG_HEADER = 'v'.repeat(100_000);

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let origin: string;
let proxy: RunningProxy;
let gateway: RunningGateway;
const requestHeaderSizes: number[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-faults-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer({ maxHeaderSize: 512 * 1024 }, (req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    if (p === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<!doctype html><html><head></head><body>page</body></html>');
    }
    if (p === '/cut.bin' || p === '/cut.html') {
      // Headers and half the promised body, then the connection is dropped.
      res.writeHead(200, { 'content-type': p.endsWith('.html') ? 'text/html' : 'application/octet-stream', 'content-length': HALF.length * 2 });
      res.write(HALF);
      return void setTimeout(() => res.socket?.destroy(), 100);
    }
    if (p === '/stall.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': HALF.length * 2 });
      return void res.write(HALF); // and nothing more
    }
    if (p === '/bad-gzip.txt') {
      const body = Buffer.from('this is not gzip at all');
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': body.length });
      return void res.end(body);
    }
    if (p === '/big-headers') {
      requestHeaderSizes.push(String(req.headers['x-big'] ?? '').length);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-big': BIG_HEADER, 'set-cookie': Array.from({ length: 300 }, (_, i) => `c${i}=${i}`) });
      return void res.end('ok');
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const common = { store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, upstreamTimeoutMs: UPSTREAM_MS };
  proxy = await startProxy({ ...common, allowedTargets: ['127.0.0.1'] });
  gateway = await startGateway({ ...common, routes: parseUpstreams([origin]) });
});

after(async () => {
  await proxy?.close();
  await gateway?.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Outcome { status: number; bytes: number; complete: boolean; ms: number; headers: http.IncomingHttpHeaders; cookie?: string }

/** A GET that reports how it ended: complete, or cut (and after how long); gives up after 4 s. */
function get(mode: 'proxy' | 'gateway', p: string, headers: http.OutgoingHttpHeaders = {}): Promise<Outcome> {
  const started = Date.now();
  const target = mode === 'proxy' ? { port: proxy.port, path: origin + p } : { port: gateway.port, path: p };
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', ...target, headers, maxHeaderSize: 512 * 1024 }, (res) => {
      let bytes = 0;
      const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__verbatim_s='))?.split(';')[0];
      const finish = (complete: boolean) => {
        clearTimeout(giveUp);
        resolve({ status: res.statusCode ?? 0, bytes, complete, ms: Date.now() - started, headers: res.headers, cookie });
      };
      const giveUp = setTimeout(() => { req.destroy(); finish(false); }, 4000);
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => finish(res.complete));
      res.on('aborted', () => finish(false));
      res.on('error', () => finish(false));
    });
    // A cut before any response head (a document whose head never came) shows as an error here.
    req.on('error', () => resolve({ status: 0, bytes: 0, complete: false, ms: Date.now() - started, headers: {} }));
  });
}

async function captureOf(mode: 'proxy' | 'gateway', p: string) {
  // The client may see the cut a moment before the proxy's own socket reports it.
  await new Promise((r) => setTimeout(r, 100));
  await (mode === 'proxy' ? proxy : gateway).drain();
  return store.latestCapture((mode === 'proxy' ? origin : gateway.url) + p);
}

for (const mode of ['proxy', 'gateway'] as const) {
  describe(`upstream faults through the ${mode}`, () => {
    it('passes a body the site cuts off on to the browser at once, and records the part that passed', async () => {
      for (const [p, dest] of [['/cut.bin', 'image'], ['/cut.html', 'document']] as const) {
        const got = await get(mode, `${p}?m=${mode}`, { 'sec-fetch-dest': dest });
        assert.equal(got.complete, false, p);
        assert.ok(got.ms < 1500, `${p}: the browser learnt of the cut after ${got.ms} ms`);
        const capture = await captureOf(mode, `${p}?m=${mode}`);
        assert.ok(capture, `${p} is recorded`);
        assert.deepEqual(capture.incomplete, { reason: 'upstream-aborted' });
        assert.equal(capture.body?.truncated, true);
        assert.equal(capture.body?.size, HALF.length, `${p}: what passed is kept`);
      }
    });

    it('cuts a body whose site goes silent after the upstream timeout, and records it as timed out', async () => {
      const got = await get(mode, `/stall.bin?m=${mode}`);
      assert.equal(got.complete, false);
      assert.equal(got.bytes, HALF.length);
      assert.ok(got.ms >= UPSTREAM_MS - 100 && got.ms < UPSTREAM_MS + 1500, `cut after ${got.ms} ms`);
      const capture = await captureOf(mode, `/stall.bin?m=${mode}`);
      assert.deepEqual(capture?.incomplete, { reason: 'upstream-timeout' });
      assert.equal(capture?.body?.size, HALF.length);
    });

    it('keeps a body that does not decode, with the reason', async () => {
      const page = await get(mode, '/page', { 'sec-fetch-dest': 'document' });
      assert.ok(page.cookie);
      const got = await get(mode, `/bad-gzip.txt?m=${mode}`, { cookie: page.cookie });
      assert.equal(got.complete, true);
      const capture = await captureOf(mode, `/bad-gzip.txt?m=${mode}`);
      assert.equal(capture?.incomplete?.reason, 'undecodable');
      assert.match(capture?.incomplete?.detail ?? '', /gzip could not be undone/);
      assert.ok(capture?.body, 'the bytes are kept');
      const stored = await store.getBlob(capture.body.digest, capture.sessionId);
      assert.equal(Buffer.from(stored!).toString(), 'this is not gzip at all');
    });

    it('passes header blocks far over 16 KB both ways', async () => {
      requestHeaderSizes.length = 0;
      const got = await get(mode, '/big-headers', { 'x-big': 'r'.repeat(60_000) });
      assert.equal(got.status, 200);
      assert.equal(got.headers['x-big'], BIG_HEADER);
      assert.equal(got.headers['set-cookie']?.length, 300);
      assert.deepEqual(requestHeaderSizes, [60_000]);
    });
  });
}

describe('large headers from an HTTP/2 upstream', () => {
  // nghttp2 caps one field at 64 KB whatever the settings, so the block is split over two fields here.
  it('passes an 80 KB header block of two fields and 300 Set-Cookie fields (Node defaults: 64 KB, 128 fields)', async () => {
    const half = BIG_HEADER.slice(0, 40_000);
    const ca = await generateCACertificate();
    const h2origin = http2.createSecureServer({ cert: ca.cert, key: ca.key, allowHTTP1: false, maxHeaderListPairs: 4000, maxSendHeaderBlockLength: 512 * 1024 }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-big-a': half, 'x-big-b': half, 'set-cookie': Array.from({ length: 300 }, (_, i) => `c${i}=${i}`) });
      res.end('over h2');
    });
    await new Promise<void>((r) => h2origin.listen(0, '127.0.0.1', r));
    const h2gateway = await startGateway({
      store, dataDir: dir, port: 0, recorderScript: Buffer.from(''), insecureUpstream: true, http2Upstream: true,
      routes: parseUpstreams([`https://127.0.0.1:${(h2origin.address() as AddressInfo).port}`]),
    });
    try {
      const got = await new Promise<{ status: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: h2gateway.port, path: '/', maxHeaderSize: 512 * 1024 }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        }).on('error', reject);
      });
      assert.equal(got.status, 200);
      assert.equal(got.headers['x-big-a'], half);
      assert.equal(got.headers['x-big-b'], half);
      assert.equal(got.headers['set-cookie']?.length, 300);
    } finally {
      await h2gateway.close();
      await new Promise((r) => h2origin.close(r));
    }
  });
});
