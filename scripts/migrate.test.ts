/** `verbatim migrate` on a store written by the first format (test/fixtures/store-v1): everything moves, verify passes. */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { isVerbatimError } from '../store/errors';
import { verifyStore } from '../store/integrity/verify-store';
import { LevelStore } from '../store/level/level-store';
import { migrateStore } from './migrate';

const fixture = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'store-v1');
const root = await mkdtemp(path.join(tmpdir(), 'verbatim-migrate-'));
after(() => rm(root, { recursive: true, force: true }));

it('refuses to open a first-format store, then migrates it whole and verifiably', async () => {
  await cp(fixture, root, { recursive: true });
  const keysDir = path.join(root, 'keys');
  const integrity = { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 };
  const early = new LevelStore(path.join(root, 'store'), { integrity });
  await assert.rejects(early.open(), (err) => isVerbatimError(err, 'STORE_NOT_OPEN') && /verbatim migrate/.test((err as Error).message));

  const progress: number[] = [];
  const result = await migrateStore(root, keysDir, (done) => progress.push(done));
  assert.deepEqual({ ...result, fromCheckpoint: typeof result.fromCheckpoint }, {
    sessions: 2, batches: 4, captures: 5, messages: 2, bodies: 2, holds: 1, erased: 1, fromCheckpoint: 'string',
  });
  assert.deepEqual(progress, [1, 2]);
  assert.equal(JSON.parse(await readFile(path.join(root, 'store.v1', 'MIGRATED.json'), 'utf8')).sessions, 2);

  const store = new LevelStore(path.join(root, 'store'), { integrity });
  await store.open();
  try {
    const alice = await store.getSession('v1alice00000000000000000a');
    assert.equal(alice?.eventCount, 3);
    assert.equal(alice?.pages[0]?.title, 'Home');
    assert.equal(alice?.clientIp, '192.0.2.7');
    const captures = await store.listCaptures('v1alice00000000000000000a');
    assert.deepEqual(captures.map((c) => c.url).sort(), ['https://bank.example/site.css', 'https://bank.example/statement']);
    const doc = captures.find((c) => c.url.endsWith('/statement'))!;
    assert.equal(doc.body?.sealed, true);
    assert.equal(Buffer.from((await store.getBlob(doc.body!.digest, 'v1alice00000000000000000a'))!).toString(), '<p>Statement of v1alice00000000000000000a</p>');
    assert.equal((await store.listWebSocketMessages('v1bob0000000000000000000a'))[0]?.data, 'ping');
    assert.equal((await store.latestCapture('https://bank.example/logo.svg'))?.id, 'shared-logo');
    assert.equal((await store.getHold({ sessionId: 'v1bob0000000000000000000a' }))?.reason, 'complaint 7');
    assert.equal(await store.getSession('v1erased000000000000000a'), undefined);
  } finally {
    await store.close();
  }
  const report = await verifyStore(path.join(root, 'store'), { keysDir });
  assert.deepEqual(report.problems, []);
  await assert.rejects(migrateStore(root, keysDir), /store.v1 exists already/);
});
