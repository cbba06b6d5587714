/** Origins on the pass list (Verbatim's own viewer) are forwarded byte for byte: no session, injection or capture. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { startProxy } from '../index';
import { openStore } from '../../store/index';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

it('leaves pass-listed origins alone', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-pass-'));
  const store = await openStore(path.join(dir, 'store'));
  const html = '<!doctype html><html><head><title>viewer</title></head><body></body></html>';
  const site = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const proxy = await startProxy({ allowedTargets: LOOPBACK, store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, passOrigins: [origin] });
  try {
    const body = await new Promise<{ text: string; cookie?: string[] }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: proxy.port, path: `${origin}/`, headers: { 'sec-fetch-dest': 'document' } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ text, cookie: res.headers['set-cookie'] }));
      }).on('error', reject);
    });
    assert.equal(body.text, html);
    assert.equal(body.cookie, undefined);
    await proxy.drain();
    assert.equal(await store.latestCapture(`${origin}/`), undefined);
    assert.deepEqual(await store.listSessions(), []);
  } finally {
    await proxy.close();
    site.closeAllConnections();
    await new Promise((r) => site.close(r));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
