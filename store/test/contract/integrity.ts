import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyAudit } from '../../integrity/verify';
import { batch, capture, event, sessionInit, text, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/** Capability `integrity`: every record chained by logical id, signed checkpoints, verify and evidence through the API. */
export function describeIntegrityContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (integrity): ${name}`, () => {
    const h = useStore(makeStore);

    async function sample(): Promise<void> {
      const { store } = h;
      await store.createSession(sessionInit('s1', 1_000));
      await store.appendEvents(batch('s1', 'p1', 0, [event(1_100)]));
      await store.appendEvents(batch('s1', 'p1', 1, [event(1_200)]));
      const d = await store.putBlob(text(500, 1));
      await store.putCapture(capture('https://bank.example/a.css', 1_010, d, 's1'));
      await store.putCapture(capture('https://bank.example/shared.css', 990, d));
    }

    it('chains every record of a session under its logical id, and verify passes', async () => {
      if (!h.store.supports.integrity) return;
      await sample();
      const ids: string[] = [];
      for await (const { link } of h.store.audit().links('s1')) ids.push(link!.id);
      assert.deepEqual(ids, [
        'session/s1', 'events/s1/p1/000000000000000', 'session/s1', 'events/s1/p1/000000000000001', 'session/s1', `capture/s1/${ids[5]!.split('/')[2]}`,
      ]);
      const storeWide: string[] = [];
      for await (const { link } of h.store.audit().links('')) storeWide.push(link!.id);
      assert.equal(storeWide.length, 1);
      assert.ok(await h.store.seal());
      const report = await verifyAudit(h.store.audit(), { keysDir: h.keysDir });
      assert.deepEqual(report.problems, []);
      assert.equal(report.stats.chains, 2);
      assert.equal(report.latestCheckpoint?.size, 2);
    });

    it('seals only when something changed, and proves one session with evidence', async () => {
      if (!h.store.supports.integrity) return;
      await sample();
      const first = await h.store.seal();
      assert.ok(first);
      assert.equal(await h.store.seal(), undefined);
      assert.ok(await h.store.seal(true));
      await h.store.appendEvents(batch('s1', 'p1', 2, [event(1_300)]));
      const proof = await (h.store as unknown as { evidence(id: string): Promise<{ records: unknown[]; links: unknown[]; checkpoint: { count: number } }> }).evidence('s1');
      assert.equal(proof.links.length, 8);
      assert.equal(proof.checkpoint.count, 8, 'evidence seals first, so it proves the current head');
      assert.ok(proof.records.length >= 4);
    });
  });
}
