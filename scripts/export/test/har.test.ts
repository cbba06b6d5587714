import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { batch, capture, event, sessionInit } from '../../../store/test/contract/index';
import { harProblems } from '../../../test/helpers/har-check';
import { buildHar } from '../har';

const dir = await mkdtemp(join(tmpdir(), 'verbatim-har-'));
const T = 1_700_000_000_000;
let store: LevelStore;
const html = '<!doctype html><title>Konto</title><p>Kontostand 1.234,56 €</p>';
const image = Buffer.from(Array.from({ length: 3_000 }, (_, i) => (i * 7919) % 251));

before(async () => {
  store = await openStore(join(dir, 'store'));
  await store.createSession(sessionInit('s1', T));
  await store.appendEvents(batch('s1', 'p1', 0, [event(T + 100)], { page: { id: 'p1', url: 'https://bank.example/konto?tab=1', title: 'Konto' } }));
  await store.appendEvents(batch('s1', 'p2', 0, [event(T + 900)], { page: { id: 'p2', url: 'https://bank.example/transfer', title: 'Transfer' } }));
  const gz = gzipSync(Buffer.from(html));
  const doc = await store.putBlob(gz);
  await store.putCapture({
    ...capture('https://bank.example/konto?tab=1', T + 50, doc, 's1'), destination: 'document',
    headers: [['content-type', 'text/html; charset=utf-8'], ['content-encoding', 'gzip']],
    body: { digest: doc, size: gz.length, encoding: 'gzip', truncated: false },
    timing: { headersMs: 40, totalMs: 55 },
  });
  const img = await store.putBlob(image);
  await store.putCapture({
    ...capture('https://static.bank.example/logo.png', T + 120, img, 's1'), destination: 'image',
    headers: [['content-type', 'image/png']], body: { digest: img, size: image.length, encoding: '', truncated: true },
  });
  const form = await store.putBlob(Buffer.from('iban=DE•••&amount=10'));
  await store.putCapture({
    ...capture('https://bank.example/api/transfer', T + 950, null, 's1'), method: 'POST', status: 303, destination: 'empty',
    headers: [['location', '/done']], requestBody: { digest: form, size: 20, encoding: '', truncated: false, contentType: 'application/x-www-form-urlencoded' },
  });
  await store.putWebSocketMessages([
    { sessionId: 's1', socketId: 'w1', seq: 0, url: 'wss://bank.example/live', direction: 'sent', at: T + 960, kind: 'text', size: 5, data: 'hello', encoding: 'utf8', truncated: false },
    { sessionId: 's1', socketId: 'w1', seq: 1, url: 'wss://bank.example/live', direction: 'received', at: T + 970, kind: 'binary', size: 2, data: 'AAE=', encoding: 'base64', truncated: false },
  ]);
});
after(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('HAR export', () => {
  it('writes valid HAR 1.2: decoded bodies, base64 binaries, pages, timings, posts and WebSocket messages', async () => {
    const progress: [number, number][] = [];
    const har = await buildHar(store, 's1', { onProgress: (d, t) => progress.push([d, t]) });
    assert.deepEqual(harProblems(har), []);
    assert.deepEqual(progress, [[1, 3], [2, 3], [3, 3]]);
    const { pages, entries } = har.log;
    assert.deepEqual(pages.map((p) => [p.id, p.title, p.startedDateTime]), [
      ['p1', 'Konto', new Date(T + 50).toISOString()], // begins at its document's request, not the recorder's start
      ['p2', 'Transfer', new Date(T + 900).toISOString()],
    ]);
    assert.deepEqual(entries.map((e) => [e.request.method, e.request.url, e.pageref]), [
      ['GET', 'https://bank.example/konto?tab=1', 'p1'],
      ['GET', 'https://static.bank.example/logo.png', 'p1'],
      ['POST', 'https://bank.example/api/transfer', 'p2'],
      ['GET', 'wss://bank.example/live', 'p2'],
    ]);
    const [doc, logo, post, socket] = entries;
    assert.equal(doc!.response.content.text, html, 'gzip undone: the text the browser saw');
    assert.equal(doc!.response.content.size, Buffer.byteLength(html));
    assert.equal(doc!.response.content.compression, doc!.response.bodySize - Buffer.byteLength(html));
    assert.deepEqual(doc!.request.queryString, [{ name: 'tab', value: '1' }]);
    assert.deepEqual([doc!.time, doc!.timings.wait, doc!.timings.receive], [55, 40, 15]);
    assert.equal(doc!._resourceType, 'document');
    assert.equal(logo!.response.content.encoding, 'base64');
    assert.deepEqual(Buffer.from(logo!.response.content.text!, 'base64'), image);
    assert.match(logo!.response.comment!, /truncated/);
    assert.equal(post!.request.postData!.text, 'iban=DE•••&amount=10', 'the posted form as stored (masked)');
    assert.equal(post!.response.redirectURL, '/done');
    assert.equal(socket!.response.status, 101);
    assert.deepEqual(socket!._webSocketMessages, [
      { type: 'send', time: (T + 960) / 1000, opcode: 1, data: 'hello' },
      { type: 'receive', time: (T + 970) / 1000, opcode: 2, data: 'AAE=' },
    ]);
  });

  it('the schema check can fail, and an unknown session is a coded error', async () => {
    const har = await buildHar(store, 's1');
    (har.log.entries[0] as { time?: unknown }).time = 'soon';
    delete (har.log.entries[1] as { timings?: unknown }).timings;
    assert.equal(harProblems(har).length, 2);
    await assert.rejects(buildHar(store, 'nope'), { code: 'SESSION_UNKNOWN' });
  });
});
