/** The recorder goes only into pages a browser renders: never into downloads, byte ranges or HEAD answers. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { startProxy, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const HTML = '<!doctype html><html><head><title>t</title></head><body>x</body></html>';
let dir: string;
let store: VerbatimStore;
let proxy: RunningProxy;
let site: http.Server;
let origin: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-scope-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer((req, res) => {
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(HTML) };
    if (req.url === '/download') headers['content-disposition'] = 'attachment; filename="statement.html"';
    if (req.url === '/range') {
      res.writeHead(206, { ...headers, 'content-range': `bytes 0-${HTML.length - 1}/${HTML.length}` });
      return void res.end(HTML);
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : HTML);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  proxy = await startProxy({ allowedTargets: LOOPBACK, store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0 });
});

after(async () => {
  await proxy.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function get(p: string, method = 'GET'): Promise<{ status: number; text: string; length?: string }> {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port: proxy.port, path: origin + p, method, headers: { 'sec-fetch-dest': 'document' } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, length: res.headers['content-length'] }));
    }).on('error', reject).end();
  });
}

it('injects into a rendered page but not into a download, a byte range or a HEAD answer', async () => {
  assert.match((await get('/page')).text, /__verbatim\/recorder-/);
  assert.equal((await get('/download')).text, HTML);
  const range = await get('/range');
  assert.equal(range.status, 206);
  assert.equal(range.text, HTML);
  const head = await get('/page', 'HEAD');
  assert.equal(head.text, '');
  assert.equal(head.length, String(Buffer.byteLength(HTML)));
});
