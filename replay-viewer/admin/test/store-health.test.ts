/**
 * Store health over a real LevelDB store with integrity keys: the search index's lag behind the change feed (count
 * and age of the oldest change not indexed), the last checkpoint, one verify run at a time with its result kept
 * across a restart, and a store without keys (no checkpoint, no verify).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { isVerbatimError } from '../../../store/errors';
import { openStore } from '../../../store/index';
import type { LevelStore } from '../../../store/level/level-store';
import { lastSeq } from '../../search/reindex';
import { StoreHealthMonitor } from '../store-health';

let dir: string;
let store: LevelStore;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-store-health-'));
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), sealIntervalMs: 0 } });
  for (const id of ['b2hx7k4m5n6p7r8s9t2v3w4x5y', 'c2hx7k4m5n6p7r8s9t2v3w4x5y', 'd2hx7k4m5n6p7r8s9t2v3w4x5y']) {
    await store.createSession({ id, channel: 'proxy', startedAt: 1_700_000_000_000 });
  }
  await store.seal(true);
});

after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('reports size, the last checkpoint and how far search trails the change feed', async () => {
  const head = await lastSeq(store);
  assert.ok(head >= 3, `feed head ${head}`);
  const oldest = (await store.readChanges(1, 1))[0]!;
  const monitor = new StoreHealthMonitor({ store, keysDir: path.join(dir, 'keys'), searchCursor: async () => 1, now: () => 1_800_000_000_000 });
  const s = await monitor.snapshot();
  assert.equal(s.state.state, 'open');
  assert.ok(s.sizeBytes > 0);
  assert.deepEqual(s.feed, { lastSeq: head });
  assert.deepEqual(s.search, { cursor: 1, lagChanges: head - 1, oldestUnindexedAt: oldest.at });
  assert.equal(s.lastCheckpoint?.signatureValid, true);
  assert.equal(s.lastCheckpoint?.records, 3);
  assert.deepEqual(s.verify, { state: 'never' });

  const caughtUp = new StoreHealthMonitor({ store, searchCursor: async () => head });
  const c = await caughtUp.snapshot();
  assert.deepEqual(c.search, { cursor: head, lagChanges: 0, oldestUnindexedAt: null });
  assert.equal(c.lastCheckpoint, null, 'no keys: no checkpoint read');
  assert.equal(c.verify, null);
  assert.throws(() => caughtUp.startVerify('root'), (err) => isVerbatimError(err, 'UNSUPPORTED'));
});

it('runs one verify at a time and keeps its result across a restart', async () => {
  const file = path.join(dir, 'verify-last.json');
  const monitor = new StoreHealthMonitor({ store, keysDir: path.join(dir, 'keys'), verifyResultFile: file });
  const started = monitor.startVerify('root');
  assert.equal(started.state, 'running');
  assert.throws(() => monitor.startVerify('other'), (err) => isVerbatimError(err, 'BAD_REQUEST'));
  await monitor.verify!.settled();
  const done = await monitor.verify!.state();
  assert.equal(done.state, 'done');
  assert.equal(done.by, 'root');
  assert.equal(done.result?.ok, true);
  assert.equal(done.result?.problems, 0);
  assert.equal(done.result?.stats.chains, 3, 'one chain per session (no captures: no store-wide chain)');

  const restarted = new StoreHealthMonitor({ store, keysDir: path.join(dir, 'keys'), verifyResultFile: file });
  assert.deepEqual(await restarted.verify!.state(), done);
});
