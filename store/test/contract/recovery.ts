import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVerbatimError } from '../../errors';
import { verifyAudit } from '../../integrity/verify';
import { batch, capture, event, rejectsWith, sessionInit, text, type StoreFactory } from './fixtures';
import { useStore } from './setup';

let failures = 0;
const faults = { beforeWrite: (): void => { if (failures > 0) { failures -= 1; throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); } }, recoveryIntervalMs: 20 };

/** A failed write (full disk, I/O error): refused, nothing acknowledged lost, the store recovers by itself. */
export function describeRecoveryContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (recovery from failed writes): ${name}`, () => {
    const h = useStore(makeStore, faults);

    it('refuses the failed write, recovers, and loses nothing that was acknowledged', async () => {
      const { store } = h;
      failures = 0;
      await store.createSession(sessionInit('s', 1_000));
      await store.appendEvents(batch('s', 'p', 0, [event(1_100)]));
      failures = 1;
      const b = batch('s', 'p', 1, [event(1_200), event(1_300)]);
      await assert.rejects(store.appendEvents(b), (err: unknown) => isVerbatimError(err, 'STORE_WRITE_FAILED'));
      assert.equal((await store.getSession('s'))?.eventCount, 1);
      assert.equal((await store.appendEvents(b)).eventCount, 3, 'the retry is stored, not taken for a resend');
      assert.equal(store.health().state, 'open');
      assert.equal((await store.readEvents('s')).length, 2);
      if (store.supports.integrity) assert.deepEqual((await verifyAudit(store.audit(), { keysDir: h.keysDir })).problems, []);
    });

    it('refuses writes fast while the disk stays full, serves reads, and resumes once it is back', async () => {
      const { store } = h;
      failures = 0;
      await store.createSession(sessionInit('s', 1_000));
      const kept = await store.putBlob(text(300, 1));
      failures = 1_000_000;
      await rejectsWith(store.putBlob(text(300, 2)), 'STORE_WRITE_FAILED');
      const health = store.health();
      assert.equal(health.state, 'degraded');
      await rejectsWith(store.putCapture(capture('https://bank.example/x', 1_010, kept, 's')), 'STORE_WRITE_FAILED');
      assert.ok(await store.getSession('s'), 'reads still work');
      failures = 0;
      for (const until = Date.now() + 5_000; store.health().state !== 'open' && Date.now() < until;) await new Promise((r) => setTimeout(r, 20));
      assert.equal(store.health().state, 'open');
      await store.putCapture(capture('https://bank.example/x', 1_010, kept, 's'));
      assert.equal((await store.listCaptures('s')).length, 1);
    });
  });
}
