import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { batch, capture, event, sessionInit, text } from '../../../store/test/contract/index';
import { unzip } from '../../../test/helpers/unzip';
import { checkWacz } from '../../../test/helpers/wacz-check';
import { buildWacz, writeWacz } from '../wacz';

const dir = await mkdtemp(join(tmpdir(), 'verbatim-wacz-'));
const T = 1_700_000_000_000;
let store: LevelStore;
const body = text(2_000);
const image = Buffer.from(Array.from({ length: 5_000 }, (_, i) => (i * 7919) % 251));

before(async () => {
  store = await openStore(join(dir, 'store'));
  await store.createSession(sessionInit('s1', T));
  await store.appendEvents(batch('s1', 'p1', 0, [event(T + 100)], { page: { id: 'p1', url: 'https://bank.example/', title: 'Home' } }));
  const digest = await store.putBlob(body, { compress: true });
  await store.putCapture({ ...capture('https://www.bank.example/a?z=1&b=2', T + 50, digest, 's1'), headers: [
    ['content-type', 'text/html; charset=utf-8'], ['transfer-encoding', 'chunked'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2'],
    [' folded', 'would continue the previous header'], ['x-masked', 'card ••••'],
  ] });
  const imageDigest = await store.putBlob(image);
  await store.putCapture({
    ...capture('https://Static.Bank.example:8443/logo.png', T + 60, imageDigest, 's1'),
    status: 206, statusText: 'Partial\r\nContent', headers: [['content-type', 'image/png']],
    body: { digest: imageDigest, size: image.length, encoding: '', truncated: true },
  });
  await store.putCapture(capture('https://bank.example/empty', T + 70, null, 's1'));
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('WACZ export', () => {
  it('packs a session as WARC + CDXJ + pages + datapackage that warcio reads back with correct digests and offsets', async () => {
    const wacz = await checkWacz(await buildWacz(store, 's1'));
    assert.equal(wacz.pages[1]?.url, 'https://bank.example/');
    assert.deepEqual(wacz.lines.map((l) => l.split(' ').slice(0, 2).join(' ')), [
      'example,bank)/a?b=2&z=1 20231114221320',
      'example,bank)/empty 20231114221320',
      'example,bank,static:8443)/logo.png 20231114221320',
    ], 'SURT keys: host reversed without www, port kept, query sorted');
    const page = wacz.records.get('https://www.bank.example/a?z=1&b=2')!;
    assert.deepEqual(page.payload, Buffer.from(body), 'the body is stored as captured');
    assert.equal(page.httpHead, 'HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-masked: card ••••\r\n',
      'framing and malformed headers dropped, repeated ones kept');
    assert.equal(page.entry.mime, 'text/html');
    const logo = wacz.records.get('https://static.bank.example:8443/logo.png')!;
    assert.equal(logo.warcHeaders['WARC-Truncated'], 'length');
    assert.equal(logo.httpHead, 'HTTP/1.1 206\r\ncontent-type: image/png\r\n', 'a status text with a line break is left out');
    assert.deepEqual(logo.payload, image);
    assert.equal(wacz.records.get('https://bank.example/empty')!.payload.length, 0);
  });

  it('streams into a writer, reports progress per capture, and fails cleanly when the writer fails', async () => {
    const progress: [number, number][] = [];
    const chunks: Buffer[] = [];
    await writeWacz(store, 's1', new Writable({ write(c: Buffer, _e, done) { chunks.push(c); done(); } }), { onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(progress, [[1, 3], [2, 3], [3, 3]]);
    assert.ok(unzip(Buffer.concat(chunks)).get('archive/data.warc'));
    const broken = new Writable({ write(_c, _e, done) { done(new Error('disk full')); } });
    await assert.rejects(writeWacz(store, 's1', broken), /disk full/);
    await assert.rejects(writeWacz(store, 'nope', new Writable({ write(_c, _e, d) { d(); } })), { code: 'SESSION_UNKNOWN' });
  });
});
