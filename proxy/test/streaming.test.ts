/**
 * Streams through both modes (forward proxy and gateway): server-sent events and
 * chunked bodies arrive unbuffered, a large download streams whole while its
 * capture stops at the cap (and says so), redirects and Set-Cookie pass unchanged.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { BIG, COOKIES, startStreamOrigin, type StreamOrigin } from '../../test/helpers/stream-origin';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const CAP = 256 * 1024;
/** The origin holds back the rest of every stream this long. */
const HOLD_MS = 1500;

let dir: string;
let store: VerbatimStore;
let site: StreamOrigin;
let origin: string;
let proxy: RunningProxy;
let gateway: RunningGateway;

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
  site = await startStreamOrigin({ holdMs: HOLD_MS });
  origin = site.origin;
  const common = { store, dataDir: dir, recorderScript: Buffer.from(''), port: 0, captureMaxBytes: CAP };
  proxy = await startProxy({ ...common, allowedTargets: LOOPBACK });
  gateway = await startGateway({ ...common, routes: parseUpstreams([origin]) });
});

after(async () => {
  await proxy?.close();
  await gateway?.close();
  await site?.close();
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
        assert.ok(r.firstChunkMs < 500, `${p}: first event after ${r.firstChunkMs.toFixed(0)} ms (origin sends the next at ${HOLD_MS} ms)`);
        assert.ok(r.totalMs >= HOLD_MS - 100, `${p}: stream stayed open for the second event`);
      }
    });

    it('streams a large download whole and records the capture cap', async () => {
      const r = await timedGet(mode, '/big.bin');
      assert.equal(r.body.length, BIG.length);
      assert.equal(createHash('sha256').update(r.body).digest('hex'), createHash('sha256').update(BIG).digest('hex'));
      assert.ok(r.firstChunkMs < HOLD_MS / 2, `first bytes after ${r.firstChunkMs.toFixed(0)} ms (origin finishes at ${HOLD_MS} ms)`);
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
