import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../../store/index';
import { batch, capture, event, sessionInit, text } from '../../../store/test/contract';
import { buildWacz, surt } from '../wacz';
import { unzip } from '../../zip';

const dir = await mkdtemp(join(tmpdir(), 'verbatim-wacz-'));
after(() => rm(dir, { recursive: true, force: true }));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('WACZ export', () => {
  it('packs a session as WARC + CDXJ + pages + datapackage with the hash of every file', async () => {
    const store = await openStore(join(dir, 'store'));
    await store.createSession(sessionInit('s1', 1_700_000_000_000));
    await store.appendEvents(batch('s1', 'p1', 0, [event(1_700_000_000_100)], { page: { id: 'p1', url: 'https://bank.example/', title: 'Home' } }));
    const body = text(2_000);
    const digest = await store.putBlob(body, { compress: true });
    await store.putCapture({ ...capture('https://www.bank.example/a?z=1&b=2', 1_700_000_000_050, digest, 's1'), headers: [['content-type', 'text/html; charset=utf-8'], ['transfer-encoding', 'chunked']] });
    const wacz = await buildWacz(store, 's1');
    await store.close();

    const files = unzip(wacz);
    assert.deepEqual([...files.keys()].sort(), ['archive/data.warc', 'datapackage-digest.json', 'datapackage.json', 'indexes/index.cdxj', 'pages/pages.jsonl']);
    const pkg = JSON.parse(files.get('datapackage.json')!.toString());
    assert.equal(pkg.wacz_version, '1.1.1');
    for (const r of pkg.resources) assert.equal(r.hash, `sha256:${sha(files.get(r.path)!)}`, r.path);
    assert.equal(JSON.parse(files.get('datapackage-digest.json')!.toString()).hash, `sha256:${sha(files.get('datapackage.json')!)}`);

    const [line] = files.get('indexes/index.cdxj')!.toString().trim().split('\n');
    const [key, ts, json] = [line!.slice(0, line!.indexOf(' ')), line!.split(' ')[1], line!.slice(line!.indexOf('{'))];
    assert.equal(key, 'example,bank)/a?b=2&z=1');
    assert.equal(ts, '20231114221320');
    const entry = JSON.parse(json);
    const warc = files.get('archive/data.warc')!;
    const record = warc.subarray(Number(entry.offset), Number(entry.offset) + Number(entry.length)).toString('latin1');
    assert.match(record, /^WARC\/1\.1\r\nWARC-Type: response\r\n/);
    assert.match(record, /\r\n\r\nHTTP\/1\.1 200 OK\r\ncontent-type: text\/html; charset=utf-8\r\n\r\n/);
    assert.doesNotMatch(record, /transfer-encoding/);
    assert.ok(record.includes(Buffer.from(body).toString('latin1')), 'the body is stored as captured');
    assert.equal(entry.digest, `sha256:${sha(body)}`);
    const pages = files.get('pages/pages.jsonl')!.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(pages[0].format, 'json-pages-1.0');
    assert.equal(pages[1].url, 'https://bank.example/');
  });

  it('builds SURT keys', () => {
    assert.equal(surt('https://Bank.Example:8443/X/y?b=1&a=2'), 'example,bank:8443)/x/y?a=2&b=1');
    assert.equal(surt('http://bank.example:80/'), 'example,bank)/');
  });
});
