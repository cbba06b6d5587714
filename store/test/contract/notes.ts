import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyAudit } from '../../integrity/verify';
import type { SessionNote } from '../../records';
import { rejectsWith, sessionInit, type StoreFactory } from './fixtures';
import { useStore } from './setup';

const note = (id: string, at: number, text: string, extra: Partial<SessionNote> = {}): SessionNote =>
  ({ sessionId: 's1', id, at, author: 'ana', text, createdAt: 5_000, ...extra });

/** Capability `notes`: notes on a session, kept as its own records (sealed, chained, erased with it, kept by holds). */
export function describeNotesContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract (notes): ${name}`, () => {
    const h = useStore(makeStore);

    it('stores, lists by moment, edits in place and deletes notes; verify accounts for every change', async () => {
      if (!h.store.supports.notes) return;
      const { store } = h;
      await store.createSession(sessionInit('s1', 1_000));
      await store.createSession(sessionInit('s2', 1_000));
      await store.putNote(note('n2', 1_900, 'second'));
      await store.putNote(note('n1', 1_200, 'first', { pageId: 'p1', track: 0 }));
      await store.putNote(note('n3', 1_200, 'same moment'));
      await store.putNote({ ...note('x', 1_300, 'other session'), sessionId: 's2' });
      assert.deepEqual((await store.listNotes('s1')).map((n) => [n.id, n.text]), [['n1', 'first'], ['n3', 'same moment'], ['n2', 'second']]);
      assert.deepEqual(await store.getNote('s1', 'n1'), note('n1', 1_200, 'first', { pageId: 'p1', track: 0 }));
      // An edit replaces the note, even at another moment (its old place in the list goes with it).
      await store.putNote(note('n2', 1_100, 'second, edited', { updatedAt: 6_000 }));
      assert.deepEqual((await store.listNotes('s1')).map((n) => [n.id, n.text]), [['n2', 'second, edited'], ['n1', 'first'], ['n3', 'same moment']]);
      assert.equal(await store.deleteNote('s1', 'n3'), true);
      assert.equal(await store.deleteNote('s1', 'n3'), false, 'a second delete finds nothing');
      assert.equal(await store.getNote('s1', 'n3'), undefined);
      assert.deepEqual((await store.listNotes('s1')).map((n) => n.id), ['n2', 'n1']);
      assert.deepEqual((await store.listNotes('s2')).map((n) => n.id), ['x']);
      await rejectsWith(store.putNote({ ...note('n9', 1, 'x'), sessionId: 'ghost' }), 'SESSION_UNKNOWN');
      await rejectsWith(store.putNote({ ...note('n9', 1, 'x'), text: 'x'.repeat(10_001) }), 'BAD_REQUEST');
      await rejectsWith(store.putNote({ ...note('n9', 1, 'x'), author: '' }), 'BAD_REQUEST');
      if (store.supports.changeFeed) {
        const changes = (await store.readChanges(0)).filter((c) => c.type.startsWith('note.'));
        assert.deepEqual(changes.map((c) => [c.type, 'noteId' in c ? c.noteId : '']), [
          ['note.stored', 'n2'], ['note.stored', 'n1'], ['note.stored', 'n3'], ['note.stored', 'x'], ['note.stored', 'n2'], ['note.deleted', 'n3'],
        ]);
        assert.ok(!JSON.stringify(changes).includes('second'), 'the feed names notes, never their text');
      }
      if (store.supports.integrity) {
        await store.seal(true);
        const report = await verifyAudit(store.audit(), { keysDir: h.keysDir });
        assert.deepEqual(report.problems, [], 'an edited and a deleted note leave the chains intact');
      }
      if (store.supports.durable && h.reopen) {
        await store.close();
        h.store = h.reopen(h.options);
        await h.store.open();
        assert.deepEqual((await h.store.listNotes('s1')).map((n) => [n.id, n.at, n.text]), [['n2', 1_100, 'second, edited'], ['n1', 1_200, 'first']]);
      }
    });

    it('keeps note text sealed with the session key', async () => {
      if (!h.store.supports.notes || !h.store.supports.encryption) return;
      await h.store.createSession(sessionInit('s1', 1_000));
      await h.store.putNote(note('n1', 1_200, 'NOTE-SECRET-TEXT called about IBAN'));
      for await (const record of h.store.audit().records()) {
        assert.ok(!Buffer.from(record.value).toString('latin1').includes('NOTE-SECRET'), `${record.id} holds the note in clear`);
      }
      assert.equal((await h.store.getNote('s1', 'n1'))?.text, 'NOTE-SECRET-TEXT called about IBAN');
    });

    it('keeps notes under a legal hold (session or customer) and erases them with the session', async () => {
      if (!h.store.supports.notes || !h.store.supports.erasure) return;
      const { store } = h;
      await store.createSession(sessionInit('s1', 1_000));
      await store.linkCustomer({ sessionId: 's1', customerId: 'CUST-N', source: 'form:user', at: 1_001 });
      await store.putNote(note('n1', 1_200, 'kept'));
      await store.setHold({ customerId: 'CUST-N' }, 'litigation');
      await rejectsWith(store.deleteNote('s1', 'n1'), 'LEGAL_HOLD');
      await rejectsWith(store.putNote(note('n1', 1_200, 'rewritten')), 'LEGAL_HOLD');
      await store.putNote(note('n2', 1_300, 'added during the hold'));
      await store.releaseHold({ customerId: 'CUST-N' });
      await store.setHold({ sessionId: 's1' }, 'litigation');
      await rejectsWith(store.deleteNote('s1', 'n1'), 'LEGAL_HOLD');
      await rejectsWith(store.eraseSession('s1', { reason: 'request' }), 'LEGAL_HOLD');
      assert.deepEqual((await store.listNotes('s1')).map((n) => n.text), ['kept', 'added during the hold']);
      await store.releaseHold({ sessionId: 's1' });
      const tombstone = await store.eraseSession('s1', { reason: 'request' });
      assert.ok(tombstone.records >= 4, `session, customer link and two notes: ${tombstone.records}`);
      assert.deepEqual(await store.listNotes('s1'), []);
      assert.equal(await store.getNote('s1', 'n1'), undefined);
      await rejectsWith(store.putNote(note('n3', 1_400, 'late')), 'SESSION_UNKNOWN');
      for await (const record of store.audit().records()) assert.ok(!record.id.startsWith('note/'), `${record.id} survived the erasure`);
      const report = await verifyAudit(store.audit(), { keysDir: h.keysDir });
      assert.deepEqual(report.problems, []);
    });
  });
}
