import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyAudit } from '../../integrity/verify';
import { batch, capture, event, rejectsWith, sessionInit, sha256, text, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/** Capabilities `holds` and `erasure`: legal holds, erasure with signed tombstones, expiry. */
export function describeErasureContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (holds and erasure): ${name}`, () => {
    const h = useStore(makeStore);

    async function twoSessionsSharingAStylesheet(): Promise<{ css: string; own: string; page: string }> {
      const { store } = h;
      for (const id of ['alice', 'bob']) {
        await store.createSession(sessionInit(id, 1_000, { channel: 'gateway' }));
        await store.appendEvents(batch(id, 'p1', 0, [event(1_100), event(1_200)]));
      }
      const css = await store.putBlob(text(1_000, 1));
      const own = await store.putBlob(text(1_000, 2));
      const page = await store.putBlob(text(1_000, 3), { sessionId: 'alice' });
      await store.putCapture(capture('https://bank.example/app.css', 1_010, css, 'alice'));
      await store.putCapture(capture('https://bank.example/app.css', 1_020, css, 'bob'));
      await store.putCapture(capture('https://bank.example/logo-alice.png', 1_030, own, 'alice'));
      await store.putCapture(capture('https://bank.example/account', 1_040, page, 'alice'));
      await store.linkCustomer({ sessionId: 'alice', customerId: 'CUST-A', source: 'form:user', at: 1_050 });
      await store.putWebSocketMessages([{ sessionId: 'alice', socketId: 'w', seq: 0, url: 'wss://bank.example/live', direction: 'sent', at: 1_060, kind: 'text', size: 2, data: 'hi', encoding: 'utf8', truncated: false }]);
      return { css, own, page };
    }

    it('erases every record of a session, keeps what other sessions use, and leaves a signed tombstone', async () => {
      if (!h.store.supports.erasure) return;
      const { store } = h;
      const { css, own } = await twoSessionsSharingAStylesheet();
      const tombstone = await store.eraseSession('alice', { reason: 'customer request' });
      assert.equal(tombstone.sessionId, 'alice');
      assert.ok(tombstone.records >= 6, `records ${tombstone.records}`);
      assert.equal(tombstone.bodies, store.supports.personalBodies ? 1 : 0);
      assert.ok(tombstone.customerKey && !tombstone.customerKey.includes('CUST-A'), 'the tombstone keeps a blind index, not the id');
      assert.equal(await store.getSession('alice'), undefined);
      await rejectsWith(store.readEvents('alice'), 'SESSION_UNKNOWN');
      assert.deepEqual(await store.listCaptures('alice'), []);
      assert.deepEqual(await store.listWebSocketMessages('alice'), []);
      assert.equal(await store.customerOf('alice'), undefined);
      assert.deepEqual(await store.sessionsOfCustomer('CUST-A'), []);
      assert.equal(await store.hasBlob(css), true, 'the stylesheet bob also got stays');
      assert.equal(await store.hasBlob(own), false, 'a body only alice named is gone');
      assert.equal((await store.findCapture({ url: 'https://bank.example/app.css', at: 1_015 }))?.sessionId, 'bob');
      assert.deepEqual((await store.listSessions()).map((s) => s.id), ['bob']);
      assert.deepEqual(await store.getTombstone('alice'), tombstone);
      assert.deepEqual(await store.eraseSession('alice', { reason: 'again' }), tombstone, 'idempotent');
      await rejectsWith(store.createSession(sessionInit('alice', 5_000)), 'BAD_REQUEST');
      await rejectsWith(store.putCapture(capture('https://bank.example/late', 5_000, null, 'alice')), 'SESSION_UNKNOWN');
      const report = await verifyAudit(store.audit(), { keysDir: h.keysDir });
      assert.deepEqual(report.problems, []);
      assert.ok(report.notes.some((n) => n.includes('session alice was erased')));
    });

    it('stores a body again after an erasure deleted it (no stale "already stored")', async () => {
      if (!h.store.supports.erasure) return;
      const { store } = h;
      await store.createSession(sessionInit('alice', 1_000));
      await store.createSession(sessionInit('carol', 2_000));
      const bytes = text(3_000, 42);
      const digest = await store.putBlob(bytes, { compress: true });
      await store.putCapture(capture('https://bank.example/only-alice.js', 1_010, digest, 'alice'));
      await store.eraseSession('alice', { reason: 'test' });
      assert.equal(await store.hasBlob(digest), false);
      assert.equal(await store.putBlob(bytes, { compress: true }), digest);
      await store.putCapture(capture('https://bank.example/only-alice.js', 2_010, digest, 'carol'));
      assert.ok(Buffer.from((await store.getBlob(digest))!).equals(Buffer.from(bytes)), 'the body carol names exists');
      assert.deepEqual((await verifyAudit(store.audit(), { keysDir: h.keysDir })).problems, []);
    });

    it('never deletes a body a capture is naming while the erasure runs', async () => {
      if (!h.store.supports.erasure) return;
      const { store } = h;
      await store.createSession(sessionInit('alice', 1_000));
      await store.createSession(sessionInit('dave', 2_000));
      const bytes = text(2_000, 77);
      const digest = await store.putBlob(bytes);
      await store.putCapture(capture('https://bank.example/race.js', 1_010, digest, 'alice'));
      await Promise.all([
        store.eraseSession('alice', { reason: 'race' }),
        store.putBlob(bytes).then(() => store.putCapture(capture('https://bank.example/race.js', 2_010, digest, 'dave'))),
      ]);
      const dave = await store.findCapture({ url: 'https://bank.example/race.js', at: 3_000, sessionId: 'dave' });
      assert.equal(dave?.body?.digest, sha256(bytes));
      assert.ok(await store.getBlob(digest), 'dave\'s capture names a body that exists');
    });

    it('refuses to erase a held session or a held customer\'s, until the hold is released', async () => {
      if (!h.store.supports.erasure || !h.store.supports.holds) return;
      const { store } = h;
      await twoSessionsSharingAStylesheet();
      await store.setHold({ sessionId: 'bob' }, 'complaint 17');
      assert.equal((await store.getHold({ sessionId: 'bob' }))?.reason, 'complaint 17');
      await rejectsWith(store.eraseSession('bob', { reason: 'r' }), 'LEGAL_HOLD');
      await store.releaseHold({ sessionId: 'bob' });
      assert.equal(await store.getHold({ sessionId: 'bob' }), undefined);
      await store.setHold({ customerId: 'CUST-A' }, 'litigation');
      await rejectsWith(store.eraseSession('alice', { reason: 'r' }), 'LEGAL_HOLD');
      assert.ok(await store.getSession('alice'));
      await store.releaseHold({ customerId: 'CUST-A' });
      await store.eraseSession('alice', { reason: 'r' });
      await store.eraseSession('bob', { reason: 'r' });
      assert.deepEqual(await store.listSessions(), []);
    });

    it('expires sessions past their channel\'s retention, keeping held ones', async () => {
      if (!h.store.supports.erasure) return;
      const { store } = h;
      const day = 86_400_000;
      const now = 100 * day;
      await store.createSession(sessionInit('old-proxy', now - 40 * day, { channel: 'proxy' }));
      await store.createSession(sessionInit('old-kiosk', now - 40 * day, { channel: 'kiosk' }));
      await store.createSession(sessionInit('old-held', now - 40 * day, { channel: 'proxy' }));
      await store.createSession(sessionInit('recent', now - 5 * day, { channel: 'proxy' }));
      await store.setHold({ sessionId: 'old-held' }, 'audit');
      const progress: number[] = [];
      const result = await store.expire({ proxy: 30 }, { now, onProgress: (done) => progress.push(done) });
      assert.deepEqual(result, { erased: ['old-proxy'], held: ['old-held'] });
      assert.deepEqual((await store.listSessions()).map((s) => s.id).sort(), ['old-held', 'old-kiosk', 'recent']);
      assert.ok(progress.length > 0);
      assert.deepEqual(await store.expire({}, { now }), { erased: [], held: [] });
    });
  });
}
