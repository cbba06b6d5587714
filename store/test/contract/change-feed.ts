import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Change } from '../../change-feed';
import { batch, capture, event, sessionInit, text, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/** Capability `changeFeed`: every change, in commit order, durable, with ids only. */
export function describeChangeFeedContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (change feed): ${name}`, () => {
    const h = useStore(makeStore);

    it('records each change once, in order, and delivers the same to subscribers', async () => {
      if (!h.store.supports.changeFeed) return;
      const { store } = h;
      const delivered: Change[] = [];
      const stop = store.subscribe((c) => delivered.push(c));
      await store.createSession(sessionInit('s1', 1_000));
      await store.appendEvents(batch('s1', 'p1', 0, [event(1_100), event(1_200)]));
      await store.appendEvents(batch('s1', 'p1', 0, [event(1_100), event(1_200)])); // a resend: no change
      const digest = await store.putBlob(text(100, 3));
      const secretUrl = 'https://bank.example/statement?customer=FEED-SECRET';
      await store.putCapture({ ...capture(secretUrl, 1_150, digest, 's1'), id: 'cap-feed' });
      await store.putWebSocketMessages([{ sessionId: 's1', socketId: 'w', seq: 0, url: 'wss://x.example/', direction: 'sent', at: 1_160, kind: 'text', size: 1, data: 'x', encoding: 'utf8', truncated: false }]);
      await store.linkCustomer({ sessionId: 's1', customerId: 'FEED-CUSTOMER', source: 'form:user', at: 1_170 });
      stop();
      await store.createSession(sessionInit('s2', 2_000));
      const changes = await store.readChanges(0);
      assert.deepEqual(changes.map((c) => c.type), [
        'session.created', 'events.appended', 'capture.stored', 'websocket.stored', 'customer.linked', 'session.created',
      ]);
      assert.deepEqual(changes.map((c) => c.seq), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(delivered, changes.slice(0, 5), 'subscribers get exactly what was stored, until they unsubscribe');
      assert.deepEqual(changes[1], { ...changes[1], type: 'events.appended', sessionId: 's1', pageId: 'p1', batchSeq: 0, count: 2 });
      assert.deepEqual(changes[2], { ...changes[2], type: 'capture.stored', sessionId: 's1', captureId: 'cap-feed' });
      const text_ = JSON.stringify(changes);
      assert.ok(!text_.includes('FEED-SECRET') && !text_.includes('FEED-CUSTOMER'), 'the feed holds ids, never content');
      assert.deepEqual((await store.readChanges(2, 2)).map((c) => c.seq), [3, 4]);
      assert.deepEqual(await store.readChanges(6), []);
      // What a change names can be read back through the API.
      assert.equal((await store.getEventBatch('s1', 'p1', 0))?.events.length, 2);
      assert.equal((await store.getCapture('s1', 'cap-feed'))?.url, secretUrl);
    });

    it('ends a session\'s changes with session.erased', async () => {
      if (!h.store.supports.changeFeed || !h.store.supports.erasure) return;
      await h.store.createSession(sessionInit('gone', 1_000));
      await h.store.eraseSession('gone', { reason: 'test' });
      const changes = await h.store.readChanges(0);
      assert.deepEqual(changes.map((c) => c.type), ['session.created', 'session.erased']);
    });

    it('keeps the feed across close and reopen, continuing the sequence', async () => {
      if (!h.store.supports.changeFeed || !h.store.supports.durable || !h.reopen) return;
      await h.store.createSession(sessionInit('a', 1));
      await h.store.close();
      h.store = h.reopen(h.options);
      await h.store.open();
      await h.store.createSession(sessionInit('b', 2));
      assert.deepEqual((await h.store.readChanges(0)).map((c) => [c.seq, c.type === 'session.created' ? c.sessionId : '']), [[1, 'a'], [2, 'b']]);
    });
  });
}
