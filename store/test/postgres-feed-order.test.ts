/**
 * Several writers over one PostgreSQL store (postgres-store.ts, "Several writers"): a writer whose view of the change
 * feed or of a session's chain head is behind (another writer appended since) lands its write at the first attempt,
 * rebuilt on the stored heads under the write lock, instead of rolling back, reloading and rebuilding outside it.
 * Under load that retry cost one commit in ten with four instances, and a writer the others kept behind lost all 50
 * of its retries (a capture failed in the instances bench). Seen through the `beforeWrite` hook: a write attempted
 * twice is a retry.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { BackendWrite } from '../base/backend';
import type { Change } from '../change-feed';
import { startPostgres } from '../../test/helpers/postgres-server';
import { PostgresStore } from '../postgres/index';
import { verifyAudit } from '../integrity/verify';
import { capture, sessionInit } from './contract/index';

const server = await startPostgres();
const database = await server.createDatabase('feed_order');
after(() => server.stop());

/** A writer over the shared schema, counting its backend write attempts (the same write object again = a retry). */
function writer(schema: string, keysDir?: string): { store: PostgresStore; retries: () => number; delivered: Change[] } {
  const attempts: BackendWrite[] = [];
  // Small pools: three writers fit the test cluster's 40 connections.
  const store = new PostgresStore({ connection: server.config(database), schema, poolSize: 3, sessionLocks: 4,
    ...(keysDir ? { integrity: { keysDir, sealIntervalMs: 0 } } : {}), beforeWrite: (w) => { attempts.push(w); } });
  const delivered: Change[] = [];
  store.subscribe((c) => delivered.push(c));
  return { store, retries: () => attempts.length - new Set(attempts).size, delivered };
}

describe('PostgresStore: writers behind on the change feed', () => {
  it('a writer whose feed head is stale lands at the first attempt, numbered after the other writer', async () => {
    const a = writer('stale');
    const b = writer('stale');
    await a.store.open();
    await b.store.open();
    try {
      await a.store.createSession(sessionInit('sa', 1_000));
      // b opened before a wrote: it believes the feed is still empty.
      await b.store.createSession(sessionInit('sb', 2_000));
      assert.equal(b.retries(), 0, 'b wrote once, without a rollback and a rebuilt write');
      const feed = await a.store.readChanges(0);
      assert.deepEqual(feed.map((c) => [c.seq, c.type, c.sessionId]), [[1, 'session.created', 'sa'], [2, 'session.created', 'sb']]);
      // What b announced is what landed.
      assert.deepEqual(b.delivered.map((c) => c.seq), [2]);
      // And b's next write follows on without a retry either.
      await b.store.createSession(sessionInit('sc', 3_000));
      assert.equal(b.retries(), 0);
      assert.deepEqual((await b.store.readChanges(2)).map((c) => [c.seq, c.sessionId]), [[3, 'sc']]);
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it('three writers appending at once: every change lands once, seqs 1…N without a gap, no write retried', async () => {
    const writers = [writer('busy'), writer('busy'), writer('busy')];
    for (const w of writers) await w.store.open();
    try {
      // Different sessions per writer: only the feed is shared, so nothing here needs a retry.
      await Promise.all(writers.map((w, k) => Promise.all(Array.from({ length: 40 }, (_, i) =>
        w.store.createSession(sessionInit(`w${k}s${i}`, 10_000 + i))))));
      const feed = await writers[0]!.store.readChanges(0, 1_000);
      assert.deepEqual(feed.map((c) => c.seq), Array.from({ length: 120 }, (_, i) => i + 1));
      assert.equal(new Set(feed.map((c) => c.sessionId)).size, 120);
      assert.deepEqual(writers.map((w) => w.retries()), [0, 0, 0]);
      // Each writer announced exactly the seqs its own changes landed at.
      const landedAt = new Map(feed.map((c) => [c.sessionId, c.seq]));
      for (const w of writers) for (const c of w.delivered) assert.equal(c.seq, landedAt.get(c.sessionId));
    } finally {
      for (const w of writers) await w.store.close();
    }
  });
  it('two writers appending to one session at once (round robin): no write retried, one chain that verifies', async () => {
    const keysDir = await mkdtemp(join(tmpdir(), 'verbatim-pg-rebase-'));
    const [a, b] = [writer('shared', keysDir), writer('shared', keysDir)];
    await a.store.open();
    await b.store.open();
    try {
      await a.store.createSession(sessionInit('one', 1_000));
      await Promise.all([a, b].map((w, k) => Promise.all(Array.from({ length: 30 }, (_, i) =>
        w.store.putCapture(capture(`https://bank.example/${k}/${i}`, 2_000 + i, null, 'one'))))));
      assert.deepEqual([a.retries(), b.retries()], [0, 0]);
      await a.store.seal();
      assert.deepEqual((await verifyAudit(b.store.audit(), { keysDir })).problems, []);
      assert.equal((await b.store.listCaptures('one')).length, 60);
    } finally {
      await a.store.close();
      await b.store.close();
      await rm(keysDir, { recursive: true, force: true });
    }
  });
});
