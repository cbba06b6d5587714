import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capture, sessionInit, sha256, text, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/** Capability `personalBodies`: a session's own bodies are sealed with its key and never shared. */
export function describePersonalBodiesContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (personal bodies): ${name}`, () => {
    const h = useStore(makeStore);

    it('keeps a personal body to its session: other sessions and the shared index never see it', async () => {
      if (!h.store.supports.personalBodies) return;
      const { store } = h;
      await store.createSession(sessionInit('alice', 1));
      await store.createSession(sessionInit('bob', 1));
      const page = text(2_000, 5);
      const digest = await store.putBlob(page, { compress: true, sessionId: 'alice' });
      assert.equal(digest, sha256(page));
      assert.equal(await store.getBlob(digest), undefined, 'not readable as a shared body');
      assert.equal(await store.hasBlob(digest), false);
      assert.equal(await store.hasBlob(digest, 'bob'), false);
      assert.ok(Buffer.from((await store.getBlob(digest, 'alice'))!).equals(Buffer.from(page)));
      const doc = capture('https://bank.example/account', 100, digest, 'alice');
      await store.putCapture(doc);
      const own = await store.findCapture({ url: doc.url, at: 200, sessionId: 'alice' });
      assert.equal(own?.body?.sealed, true);
      assert.equal(await store.findCapture({ url: doc.url, at: 200, sessionId: 'bob' }), undefined);
      assert.equal(await store.latestCapture(doc.url), undefined);
    });

    it('stores the same personal body once per session and refuses one for an unknown session', async () => {
      if (!h.store.supports.personalBodies) return;
      const { store } = h;
      await store.createSession(sessionInit('alice', 1));
      const page = text(500, 6);
      await Promise.all([1, 2, 3].map(() => store.putBlob(page, { sessionId: 'alice' })));
      const bodies = (await h.store.audit().sessionRecords('alice')).filter((r) => r.kind === 'body');
      assert.equal(bodies.length, 1);
      await assert.rejects(store.putBlob(page, { sessionId: 'ghost' }), /no such session/);
    });
  });
}
