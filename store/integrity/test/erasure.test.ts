import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { LevelStore } from '../../level/level-store';
import { batch, capture, event, sessionInit, text } from '../../test/contract/index';
import { verifyStore } from '../verify-store';

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

describe('erasure on LevelDB (raw files)', () => {
  it('leaves no trace of the erased session\'s URLs in any key or value, and catches an erased record put back', async () => {
    const { store, dir, keys, own, shared } = await sample();
    await store.linkCustomer({ sessionId: 'alice', customerId: 'cust-1', source: 'form:user', at: 1_050 });
    const tombstone = await store.eraseSession('alice', { reason: 'GDPR Art. 17 request #42' });
    assert.equal(tombstone.reason, 'GDPR Art. 17 request #42');
    assert.equal(tombstone.bodies, 0, 'no keyring: no personal bodies');
    assert.equal(await store.getBlob(own.alice!), undefined);
    assert.ok(await store.getBlob(shared), 'a body bob still uses stays');
    assert.ok(await store.getBlob(own.bob!));
    await store.close();

    const report = await verify(dir, keys);
    assert.deepEqual(report.problems, []);
    assert.ok(report.notes.some((n) => /session alice was erased at .*GDPR Art\. 17 request #42/.test(n)), report.notes.join('\n'));
    const db = new Level<string, Uint8Array>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    for await (const [k, v] of db.iterator()) {
      assert.ok(!Buffer.from(v).toString('latin1').includes('customer=alice'), `alice's URL survives in ${k}`);
      assert.ok(!k.includes('customer=alice'), `alice's URL survives in key ${k}`);
      assert.ok(!k.includes('cust-1') && !Buffer.from(v).toString('latin1').includes('cust-1'), `the customer id survives in ${k}`);
    }
    // Putting an erased record back, or rewriting the tombstone, is caught.
    const bobSession = (await db.get('r!session/bob'))!;
    await db.put('r!session/alice', Buffer.from(bobSession));
    await db.put('k!alice\u0000session\u0000000000000001000\u0000session/alice', new Uint8Array(0));
    const tomb = Buffer.from((await db.get('r!tombstone/alice'))!);
    const head = tomb.readUInt32BE(0);
    const body = JSON.parse(tomb.subarray(4 + head + 1).toString());
    await db.put('r!tombstone/alice', Buffer.concat([tomb.subarray(0, 4 + head + 1), Buffer.from(JSON.stringify({ ...body, reason: 'retention' }))]));
    await db.close();
    const tampered = await verify(dir, keys);
    const codes = [...new Set(tampered.problems.map((p) => p.code))].sort();
    assert.deepEqual(codes, ['INDEX_ALTERED', 'RECORD_ALTERED', 'RECORD_UNCHAINED']);
  });
});
