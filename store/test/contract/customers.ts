import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionInit, type StoreFactory } from './fixtures';
import { useStore } from './setup';

/** Capability `customerIndex`: session ↔ customer links, first link wins, found both ways. */
export function describeCustomersContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (customer index): ${name}`, () => {
    const h = useStore(makeStore);

    it('links a session to its first customer and finds it both ways', async () => {
      if (!h.store.supports.customerIndex) return;
      const { store } = h;
      for (const id of ['s1', 's2', 's3']) await store.createSession(sessionInit(id, 1));
      assert.equal(await store.linkCustomer({ sessionId: 's1', customerId: 'CUST-1', source: 'form:user', at: 5 }), true);
      assert.equal(await store.linkCustomer({ sessionId: 's1', customerId: 'CUST-2', source: 'form:user', at: 6 }), false);
      await store.linkCustomer({ sessionId: 's2', customerId: 'CUST-1', source: 'cookie:id', at: 7 });
      await store.linkCustomer({ sessionId: 's3', customerId: 'CUST-3', source: 'cookie:id', at: 8 });
      assert.equal(await store.customerOf('s1'), 'CUST-1');
      assert.equal(await store.customerOf('nobody'), undefined);
      assert.deepEqual((await store.sessionsOfCustomer('CUST-1')).sort(), ['s1', 's2']);
      assert.deepEqual(await store.sessionsOfCustomer('CUST-2'), []);
      await assert.rejects(store.linkCustomer({ sessionId: 'ghost', customerId: 'X', source: 's', at: 1 }), /no such session/);
    });

    it('keeps the customer id out of the clear: records hold only a blind index', async () => {
      if (!h.store.supports.customerIndex || !h.store.supports.encryption) return;
      await h.store.createSession(sessionInit('s1', 1));
      await h.store.linkCustomer({ sessionId: 's1', customerId: 'CUSTOMER-SECRET-42', source: 'form:user', at: 5 });
      for await (const record of h.store.audit().records()) {
        assert.ok(!JSON.stringify(record.customerKey ?? '').includes('CUSTOMER-SECRET-42'));
        assert.ok(!Buffer.from(record.value).toString('latin1').includes('CUSTOMER-SECRET-42'), `${record.id} holds the id in clear`);
      }
    });
  });
}
