import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { StoreBase } from '../../base/store-base';
import { verifyAudit } from '../../integrity/verify';
import { batch, event, rejectsWith, sessionInit, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/**
 * Capability `multiWriter`: two instances over one backend (as two gateway processes would be) write at once. One
 * chain per session without forks, a change feed without gaps, session counts that add up, one checkpoint log.
 */
export function describeMultiWriterContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (several writers): ${name}`, () => {
    const h = useStore(makeStore);

    /** A second writer over the same data, same keys; closed by the test. */
    async function second(): Promise<StoreBase> {
      const other = h.reopen!(h.options);
      await other.open();
      return other;
    }

    it('two writers appending to one session concurrently make one chain, a contiguous feed and the right counts', async () => {
      if (!h.store.supports.multiWriter || !h.reopen) return;
      const a = h.store;
      const b = await second();
      try {
        await a.createSession(sessionInit('s', 1_000));
        const rounds = 15;
        await Promise.all(Array.from({ length: rounds }, (_, i) => [
          a.appendEvents(batch('s', 'pa', i, [event(1_100 + i), event(1_101 + i)])),
          b.appendEvents(batch('s', 'pb', i, [event(1_100 + i)])),
          (i % 5 === 0 ? b : a).createSession(sessionInit(`other-${i}`, 2_000 + i)),
        ]).flat());
        const session = await b.getSession('s');
        assert.equal(session?.eventCount, rounds * 3, 'no append lost its count to the other writer');
        assert.deepEqual(session?.pages.map((p) => p.id).sort(), ['pa', 'pb']);
        assert.equal((await a.readEvents('s')).length, rounds * 2);

        // One link per record written: the session record (1 + one rewrite per append) and each batch.
        const indexes: number[] = [];
        for await (const l of a.audit().links('s')) indexes.push(l.index);
        assert.deepEqual(indexes, Array.from({ length: 1 + rounds * 4 }, (_, i) => i));
        const head = await b.audit().head('s');
        assert.equal(head !== undefined && head !== 'unreadable' ? head.count : -1, 1 + rounds * 4);

        const feed = await b.readChanges(0, 10_000);
        assert.deepEqual(feed.map((c) => c.seq), Array.from({ length: 1 + rounds * 3 }, (_, i) => i + 1), 'feed seqs 1..N without gaps or repeats');
        assert.equal(feed.filter((c) => c.type === 'events.appended').length, rounds * 2);

        assert.ok(await a.seal(true));
        assert.ok(await b.seal(true));
        const report = await verifyAudit(a.audit(), { keysDir: h.keysDir });
        assert.deepEqual(report.problems, []);
        assert.equal(report.stats.checkpoints, 2);
      } finally {
        await b.close();
      }
    });

    it('checkpoints sealed by either writer form one verifiable log', async () => {
      if (!h.store.supports.multiWriter || !h.reopen || !h.store.supports.integrity) return;
      const a = h.store;
      const b = await second();
      try {
        await a.createSession(sessionInit('s', 1_000));
        assert.equal((await a.seal())?.seq, 1);
        await b.appendEvents(batch('s', 'p', 0, [event(1_100)]));
        assert.equal((await b.seal())?.seq, 2, 'the second writer continues the log the first one started');
        await a.appendEvents(batch('s', 'p', 1, [event(1_200)]));
        assert.equal((await a.seal())?.seq, 3, 'and the first sees the second one\'s checkpoint');
        assert.equal(await a.seal(), undefined, 'nothing new: no checkpoint');
        const report = await verifyAudit(b.audit(), { keysDir: h.keysDir });
        assert.deepEqual(report.problems, []);
        assert.equal(report.stats.checkpoints, 3);
        assert.equal(report.stats.links, 5);
      } finally {
        await b.close();
      }
    });

    it('refuses a writer whose signing key is not the one the checkpoints were signed with', async () => {
      if (!h.store.supports.multiWriter || !h.reopen || !h.store.supports.integrity) return;
      await h.store.createSession(sessionInit('s', 1_000));
      await h.store.seal();
      const otherKeys = await mkdtemp(join(tmpdir(), 'verbatim-other-keys-'));
      try {
        const stranger = h.reopen({ integrity: { keysDir: otherKeys, sealIntervalMs: 0 } });
        await rejectsWith(stranger.open(), 'SIGNING_KEY_MISMATCH');
        await stranger.close();
      } finally {
        await rm(otherKeys, { recursive: true, force: true });
      }
    });
  });
}
