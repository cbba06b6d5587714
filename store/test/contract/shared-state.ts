import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoreBase } from '../../base/store-base';
import { updateDocument, type SharedState } from '../../shared-state';
import { rejectsWith, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/**
 * Capability `sharedState`: versioned documents changed by compare-and-swap, and logs whose seqs the backend assigns.
 * With `multiWriter`, two instances over one backend (two viewers) append and change documents at once.
 */
export function describeSharedStateContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (shared state): ${name}`, () => {
    const h = useStore(makeStore);

    it('refuses a document write on a stale version; concurrent read-modify-writes (two instances) all land once', async () => {
      if (!h.store.supports.sharedState) return;
      const s = h.store.sharedState();
      assert.equal(await s.getDocument('accounts'), undefined);
      const v1 = await s.putDocument('accounts', { users: ['a'] }, undefined);
      await rejectsWith(s.putDocument('accounts', { users: ['x'] }, undefined), 'VERSION_STALE');
      const v2 = await s.putDocument('accounts', { users: ['a', 'b'] }, v1);
      assert.notEqual(v2, v1);
      await rejectsWith(s.putDocument('accounts', { users: ['lost'] }, v1), 'VERSION_STALE');
      assert.deepEqual(await s.getDocument('accounts'), { value: { users: ['a', 'b'] }, version: v2 });
      assert.equal(await s.getDocument('terminals'), undefined, 'documents are apart by name');
      await rejectsWith(s.getDocument('../etc/passwd'), 'BAD_REQUEST');

      const other = await second(h);
      try {
        const writers = [s, (other ?? h.store).sharedState()];
        const add = (w: SharedState, item: string) => updateDocument(w, 'list', (cur) => {
          const items = (cur as { items?: string[] } | undefined)?.items ?? [];
          return { value: { items: [...items, item] }, result: undefined };
        });
        await Promise.all(Array.from({ length: 12 }, (_, i) => add(writers[i % 2]!, `item-${i}`)));
        const items = ((await writers[1]!.getDocument('list'))?.value as { items: string[] }).items;
        assert.equal(items.length, 12);
        assert.deepEqual([...items].sort(), Array.from({ length: 12 }, (_, i) => `item-${i}`).sort());
      } finally {
        await other?.close();
      }
    });

    it('appends get dense unique seqs, each built on the entry before it, also from two instances at once', async () => {
      if (!h.store.supports.sharedState) return;
      const other = await second(h);
      try {
        const logs = [h.store.sharedState(), (other ?? h.store).sharedState()];
        // Each entry names its predecessor, as the audit trail's hash chain does.
        const appended = await Promise.all(Array.from({ length: 40 }, (_, i) => logs[i % 2]!.appendLog('audit', (seq, last) =>
          JSON.stringify({ seq, prev: last ? (JSON.parse(last.entry) as { seq: number }).seq : 0, writer: i % 2 }))));
        assert.deepEqual(appended.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1));
        const read = await logs[0]!.readLog('audit', 1, 1000);
        assert.deepEqual(read.map((e) => e.seq), Array.from({ length: 40 }, (_, i) => i + 1));
        for (const e of read) assert.deepEqual(JSON.parse(e.entry), { ...JSON.parse(e.entry), seq: e.seq, prev: e.seq - 1 });
        assert.deepEqual(new Set(read.map((e) => JSON.parse(e.entry).writer as number)), new Set([0, 1]));
        assert.deepEqual((await logs[1]!.readLog('audit', 39, 10)).map((e) => e.seq), [39, 40], 'from a seq, limited');
        assert.deepEqual(await logs[1]!.readLog('other', 1, 10), []);
        await rejectsWith(logs[0]!.appendLog('audit', () => 'two\nlines'), 'BAD_REQUEST');
        assert.equal((await logs[0]!.readLog('audit', 1, 1000)).length, 40, 'a refused entry takes no seq');
      } finally {
        await other?.close();
      }
    });
  });
}

/** A second instance over the same data when the backend allows several writers (else the one store plays both). */
async function second(h: { store: StoreBase; reopen?: (o?: object) => StoreBase; options: object }): Promise<StoreBase | undefined> {
  if (!h.store.supports.multiWriter || !h.reopen) return undefined;
  const other = h.reopen(h.options);
  await other.open();
  return other;
}
