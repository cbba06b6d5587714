/**
 * Streams through both modes (forward proxy and gateway): server-sent events and
 * chunked bodies arrive unbuffered, a large download streams whole while its
 * capture stops at the cap (and says so), redirects and Set-Cookie pass unchanged.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

const CAP = 256 * 1024;
const BIG = Buffer.alloc(6 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 12)) & 0xff;
const COOKIES = ['sid=abc; Path=/; HttpOnly; Secure; SameSite=Strict', 'pref=dark; Max-Age=3600; Path=/', 'gone=; Max-Age=0'];

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let origin: string;
let proxy: RunningProxy;
let gateway: RunningGateway;

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: first\n\n');
    const t = setTimeout(() => res.end('data: second\n\n'), 1500);
    res.on('close', () => clearTimeout(t));
    return;
  }
  if (req.url === '/chunked') {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write('{"n":1}\n');
    const t = setTimeout(() => res.end('{"n":2}\n'), 1500);
    res.on('close', () => clearTimeout(t));
    return;
  }
  if (req.url === '/big.bin') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length });
    // Half now, half later: the first half must reach the client before the origin finishes.
    res.write(BIG.subarray(0, BIG.length / 2));
    const t = setTimeout(() => res.end(BIG.subarray(BIG.length / 2)), 800);
    res.on('close', () => clearTimeout(t));
    return;
  }
  if (req.url === '/login') {
    res.writeHead(302, { location: '/accounts?x=1', 'set-cookie': COOKIES });
    return void res.end();
  }
  res.writeHead(404).end();
}

interface Timed { status: number; headers: http.IncomingHttpHeaders; firstChunkMs: number; totalMs: number; body: Buffer; firstChunk: string }

function timedGet(mode: 'proxy' | 'gateway', pathname: string): Promise<Timed> {
  const started = performance.now();
  const options: http.RequestOptions = mode === 'proxy'
    ? { host: '127.0.0.1', port: proxy.port, path: origin + pathname }
    : { host: '127.0.0.1', port: gateway.port, path: pathname };
  return new Promise((resolve, reject) => {
    http.get({ ...options, headers: { 'sec-fetch-dest': 'empty' } }, (res) => {
      const chunks: Buffer[] = [];
      let firstChunkMs = -1;
      res.on('data', (c: Buffer) => {
        if (firstChunkMs < 0) firstChunkMs = performance.now() - started;
        chunks.push(c);
      });
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, firstChunkMs, totalMs: performance.now() - started,
        body: Buffer.concat(chunks), firstChunk: chunks[0]?.toString('latin1') ?? '',
      }));
    }).on('error', reject);
  });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-stream-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer(route);
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const common = { store, dataDir: dir, recorderScript: Buffer.from(''), port: 0, captureMaxBytes: CAP };
  proxy = await startProxy(common);
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

for (const mode of ['proxy', 'gateway'] as const) {
  describe(`streaming through the ${mode}`, () => {
    it('delivers server-sent events and chunked bodies unbuffered', async () => {
      for (const [p, first] of [['/events', 'data: first'], ['/chunked', '{"n":1}']] as const) {
        const r = await timedGet(mode, p);
        assert.equal(r.status, 200);
        assert.ok(r.firstChunk.startsWith(first), `${p}: first chunk holds the first event`);
        assert.ok(r.firstChunkMs < 500, `${p}: first event after ${r.firstChunkMs.toFixed(0)} ms (origin sends the next at 1500 ms)`);
        assert.ok(r.totalMs >= 1400, `${p}: stream stayed open for the second event`);
      }
    });

    it('streams a large download whole and records the capture cap', async () => {
      const r = await timedGet(mode, '/big.bin');
      assert.equal(r.body.length, BIG.length);
      assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(BIG).digest('hex'));
      assert.ok(r.firstChunkMs < 400, `first bytes after ${r.firstChunkMs.toFixed(0)} ms (origin finishes at 800 ms)`);
      await (mode === 'proxy' ? proxy : gateway).drain();
      const url = (mode === 'proxy' ? origin : gateway.url) + '/big.bin';
      const capture = await store.latestCapture(url);
      assert.ok(capture?.body, 'captured');
      assert.equal(capture.body.truncated, true);
      assert.equal(capture.body.size, CAP);
      assert.deepEqual(Buffer.from((await store.getBlob(capture.body.digest))!), BIG.subarray(0, CAP));
    });

    it('passes redirects and Set-Cookie unchanged', async () => {
      const r = await timedGet(mode, '/login');
      assert.equal(r.status, 302);
      assert.equal(r.headers.location, '/accounts?x=1');
      assert.deepEqual(r.headers['set-cookie'], COOKIES);
    });
  });
}
