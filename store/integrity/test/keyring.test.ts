import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { isVerbatimError } from '../../errors';
import { LevelStore } from '../../level/level-store';
import { batch, capture, event, sessionInit } from '../../test/contract/index';
import { verifyStore } from '../verify-store';

const root = await mkdtemp(join(tmpdir(), 'verbatim-keyring-'));
after(() => rm(root, { recursive: true, force: true }));

describe('encryption at rest (per-session keys)', () => {
  it('stores events encrypted, reads them back, verifies, and cannot be read without the keyring or after erasure', async () => {
    const keys = join(root, 'keys');
    const keyringDir = join(keys, 'keyring');
    const open = async (ring: string) => {
      const s = new LevelStore(join(root, 'store'), { integrity: { keysDir: keys, keyringDir: ring, sealIntervalMs: 0 } });
      await s.open();
      return s;
    };
    const store = await open(keyringDir);
    await store.createSession(sessionInit('alice', 1_000));
    const b = batch('alice', 'p1', 0, [event(1_000, 3, { text: 'IBAN GB33BUKB20201555555555' })]);
    await store.appendEvents(b);
    assert.deepEqual(await store.readEvents('alice'), [b]);
    await store.close();
    assert.equal((await readdir(keyringDir)).filter((f) => f !== 'customer-index.key').length, 1);

    // The stored chunk is AES-GCM: neither plain nor deflated JSON.
    const db = new Level<string, Uint8Array>(join(root, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const [[, stored]] = await db.iterator({ gte: 'r!events/', lt: 'r!events0' }).all() as [string, Uint8Array][];
    await db.close();
    const value = Buffer.from(stored!).subarray(4 + Buffer.from(stored!).readUInt32BE(0));
    assert.equal(value[0], 2);
    assert.throws(() => inflateRawSync(value.subarray(1)));
    assert.deepEqual((await verifyStore(join(root, 'store'), { keysDir: keys })).problems, []);

    // A copy of the store without the keyring reveals nothing.
    const stranger = await open(join(root, 'empty-keyring'));
    await assert.rejects(stranger.readEvents('alice'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await stranger.close();

    // Erasure destroys the key: even an old backup of the store stays unreadable.
    await cp(join(root, 'store'), join(root, 'backup'), { recursive: true });
    const again = await open(keyringDir);
    await again.eraseSession('alice', { reason: 'request' });
    await again.close();
    assert.deepEqual((await readdir(keyringDir)).filter((f) => f !== 'customer-index.key'), []);
    const backup = new LevelStore(join(root, 'backup'), { integrity: { keysDir: join(root, 'other-keys'), keyringDir, sealIntervalMs: 0 } });
    await backup.open();
    await assert.rejects(backup.readEvents('alice'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await backup.close();
  });

  it('seals personal bodies, session records and WebSocket messages per session; shared assets stay stored once', async () => {
    const dir = join(root, 'personal');
    const keys = join(dir, 'keys');
    const open = async (ring = join(keys, 'keyring')) => {
      const s = new LevelStore(join(dir, 'store'), { integrity: { keysDir: keys, keyringDir: ring, sealIntervalMs: 0 } });
      await s.open();
      return s;
    };
    const store = await open();
    const secrets = ['Statement of Carol Personal-Name', 'balance 98765.43 EUR', 'Carol-Agent/1.0', '203.0.113.77', 'ws-secret-payload'];
    const page = Buffer.from(`<html><body>${secrets[0]}: ${secrets[1]}</body></html>`);
    const css = Buffer.from('body { color: #123456 } /* shared stylesheet */'.repeat(4));
    const pageDigests: string[] = [];
    for (const [n, id] of ['carol', 'dave'].entries()) {
      await store.createSession(sessionInit(id, 1_000 + n, { userAgent: secrets[2], clientIp: secrets[3] }));
      const doc = await store.putBlob(page, { compress: true, sessionId: id });
      pageDigests.push(doc);
      await store.putCapture(capture('https://bank.example/statement', 2_000 + n, doc, id));
      const shared = await store.putBlob(css, { compress: true });
      await store.putCapture({ ...capture('https://bank.example/site.css', 2_000 + n, shared, id), headers: [['content-type', 'text/css']] });
      await store.putWebSocketMessages([{ sessionId: id, socketId: 'w1', seq: 0, url: 'wss://bank.example/live', direction: 'received', at: 3_000, kind: 'text', size: 17, data: secrets[4]!, encoding: 'utf8', truncated: false }]);
    }
    // Read back in plain through the store, within the session only.
    assert.deepEqual(Buffer.from((await store.getBlob(pageDigests[0]!, 'carol'))!), page);
    assert.equal(await store.getBlob(pageDigests[0]!), undefined, 'a personal body is not in the shared blob space');
    const [carolDoc] = (await store.listCaptures('carol')).filter((c) => c.url.endsWith('/statement'));
    assert.equal(carolDoc!.body!.sealed, true);
    assert.equal((await store.findCapture({ url: 'https://bank.example/statement', at: 9_999 }))?.sessionId, undefined, 'another session never gets it');
    assert.equal((await store.findCapture({ url: 'https://bank.example/statement', at: 9_999, sessionId: 'dave' }))?.sessionId, 'dave');
    assert.equal((await store.getSession('carol'))!.clientIp, secrets[3]);
    assert.equal((await store.listWebSocketMessages('carol'))[0]!.data, secrets[4]);
    await store.close();

    // On disk: no secret in any LevelDB file; the stylesheet once in b!, the statement once per session in p!.
    const files = await readdir(join(dir, 'store'));
    for (const f of files) {
      const raw = await readFile(join(dir, 'store', f));
      for (const secret of secrets) assert.ok(!raw.includes(secret), `${secret} in ${f}`);
    }
    const db = new Level<string, Uint8Array>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const keysOf = async (prefix: string) => db.keys({ gte: prefix, lt: prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1) }).all();
    assert.equal((await keysOf('b!')).length, 1);
    assert.equal((await keysOf('r!body/')).length, 2);
    assert.equal((await keysOf('u!')).length, 2, 'only the shared stylesheet captures are in the cross-session index');
    for (const v of await db.values({ gte: 'r!session/', lt: 'r!session0' }).all()) {
      const b = Buffer.from(v);
      assert.equal(b[4 + b.readUInt32BE(0)], 2, 'session records are sealed');
    }
    await db.close();
    assert.deepEqual((await verifyStore(join(dir, 'store'), { keysDir: keys })).problems, []);

    // Without the keyring nothing personal opens.
    const stranger = await open(join(dir, 'no-keyring'));
    await assert.rejects(stranger.getBlob(pageDigests[0]!, 'carol'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await assert.rejects(stranger.getSession('carol'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await stranger.close();

    // Erasing carol deletes her personal bodies; dave's and the shared stylesheet stay; the store still verifies.
    const again = await open();
    const tombstone = await again.eraseSession('carol', { reason: 'request' });
    assert.equal(tombstone.bodies, 1);
    assert.deepEqual(Buffer.from((await again.getBlob(pageDigests[1]!, 'dave'))!), page);
    assert.equal((await again.listCaptures('dave')).length, 2);
    assert.ok(await again.getBlob((await again.listCaptures('dave')).find((c) => c.url.endsWith('.css'))!.body!.digest));
    await again.close();
    assert.deepEqual((await verifyStore(join(dir, 'store'), { keysDir: keys })).problems, []);
  });
});
