import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { isVerbatimError } from '../../errors';
import { LevelStore } from '../../level-store';
import { batch, capture, event, sessionInit, text } from '../../test/contract';
import { verifyStore } from '../verify';

const root = await mkdtemp(join(tmpdir(), 'verbatim-erasure-'));
let counter = 0;
after(() => rm(root, { recursive: true, force: true }));

/** alice and bob each with events, an own body, and a body they share. */
async function sample(): Promise<{ store: LevelStore; dir: string; keys: string; own: Record<string, string>; shared: string }> {
  const dir = join(root, `d${(counter += 1)}`);
  const keys = join(dir, 'keys');
  const store = new LevelStore(join(dir, 'store'), { integrity: { keysDir: keys, sealIntervalMs: 0 } });
  await store.open();
  const shared = await store.putBlob(text(4_000, 7), { compress: true });
  const own: Record<string, string> = {};
  for (const id of ['alice', 'bob']) {
    await store.createSession(sessionInit(id, 1_000));
    await store.appendEvents(batch(id, 'p1', 0, [event(1_000), event(1_100)]));
    own[id] = await store.putBlob(text(2_000, id.length * 3), { compress: true });
    await store.putCapture(capture(`https://bank.example/statement?customer=${id}`, 1_010, own[id]!, id));
    await store.putCapture({ ...capture('https://bank.example/site.css', 1_020, shared, id), id: `css-${id}` });
  }
  return { store, dir, keys, own, shared };
}

const verify = (dir: string, keys: string) => verifyStore(join(dir, 'store'), { keysDir: keys });

describe('erasure and legal hold', () => {
  it('erases a session, keeps shared bodies, leaves a signed tombstone that verify accepts and reports', async () => {
    const { store, dir, keys, own, shared } = await sample();
    const records = await store.records();
    const tombstone = await records.eraseSession('alice', { reason: 'GDPR Art. 17 request #42', customerId: 'cust-1' });
    assert.equal(tombstone.reason, 'GDPR Art. 17 request #42');
    assert.equal(tombstone.bodies, 1, 'only the body no other session uses');
    assert.equal(await store.getSession('alice'), undefined);
    assert.deepEqual(await store.listCaptures('alice'), []);
    assert.equal(await store.getBlob(own.alice!), undefined);
    assert.ok(await store.getBlob(shared), 'a body bob still uses stays');
    assert.ok(await store.getBlob(own.bob!));
    assert.equal((await store.findCapture({ url: 'https://bank.example/statement?customer=alice', at: 5_000 })), undefined);
    assert.equal((await records.eraseSession('alice', { reason: 'again' })).erasedAt, tombstone.erasedAt, 'idempotent');
    await store.close();

    const report = await verify(dir, keys);
    assert.deepEqual(report.problems, []);
    assert.ok(report.notes.some((n) => /session alice was erased at .*customer cust-1.*GDPR Art\. 17 request #42/.test(n)), report.notes.join('\n'));
    // The chain no longer names alice's URLs.
    const db = new Level<string, Uint8Array>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    for await (const [k, v] of db.iterator()) {
      assert.ok(!Buffer.from(v).toString('latin1').includes('customer=alice'), `alice's URL survives in ${k}`);
      assert.ok(!k.includes('customer=alice'), `alice's URL survives in key ${k}`);
    }
    // Putting an erased record back, or rewriting the tombstone, is caught.
    await db.put('s!alice', Buffer.from('{"id":"alice"}'));
    const tomb = JSON.parse(Buffer.from((await db.get('z!alice'))!).toString());
    await db.put('z!alice', Buffer.from(JSON.stringify({ ...tomb, reason: 'retention' })));
    await db.close();
    const tampered = await verify(dir, keys);
    const codes = tampered.problems.map((p) => p.code).sort();
    assert.deepEqual(codes, ['RECORD_ALTERED', 'RECORD_UNCHAINED', 'TOMBSTONE_INVALID']);
  });

  it('refuses to erase a held session or a held customer\'s, and erases once released', async () => {
    const { store, dir, keys } = await sample();
    const records = await store.records();
    await records.setHold({ sessionId: 'bob' }, 'litigation 2026-17');
    await assert.rejects(records.eraseSession('bob', { reason: 'request' }), (e) => isVerbatimError(e, 'LEGAL_HOLD'));
    const steps: [number, number][] = [];
    const partial = await records.eraseCustomer('cust-9', ['alice', 'bob', 'nobody'], 'request #7', (done, total) => steps.push([done, total]));
    assert.deepEqual(steps, [[0, 3], [1, 3], [2, 3], [3, 3]], 'progress over the sessions named');
    assert.deepEqual(partial.erased.map((t) => t.sessionId), ['alice']);
    assert.deepEqual(partial.held, ['bob']);
    assert.deepEqual(partial.unknown, ['nobody']);
    assert.ok(await store.getSession('bob'), 'held session untouched');

    await records.releaseHold({ sessionId: 'bob' });
    await records.setHold({ customerId: 'cust-9' }, 'regulator inquiry');
    assert.deepEqual((await records.eraseCustomer('cust-9', ['bob'], 'request #8')).held, ['bob']);
    await records.releaseHold({ customerId: 'cust-9' });
    assert.equal((await records.eraseCustomer('cust-9', ['bob'], 'request #9')).erased.length, 1);
    await store.close();
    assert.deepEqual((await verify(dir, keys)).problems, []);
  });

  it('expires sessions past their channel\'s retention period, except held ones', async () => {
    const { store, dir, keys } = await sample();
    const records = await store.records();
    await records.setHold({ sessionId: 'alice' }, 'complaint');
    const none = await records.expire({ proxy: 30 }, 1_000 + 29 * 86_400_000);
    assert.deepEqual(none, { erased: [], held: [] });
    const steps: [number, number][] = [];
    const result = await records.expire({ proxy: 30, kiosk: 1 }, 1_000 + 31 * 86_400_000, undefined, (done, total) => steps.push([done, total]));
    assert.deepEqual(result, { erased: ['bob'], held: ['alice'] });
    assert.deepEqual(steps.at(-1), [steps.length - 1, steps.length - 1], 'progress ends at the total of sessions looked at');
    assert.ok(steps.length >= 3 && steps.every(([done, total], i) => done === i && total === steps.length - 1));
    await store.close();
    const report = await verify(dir, keys);
    assert.deepEqual(report.problems, []);
    assert.ok(report.notes.some((n) => /bob was erased.*retention period for channel proxy \(30 days\)/.test(n)));
  });
});
