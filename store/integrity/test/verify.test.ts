import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Level } from 'level';
import { LevelStore } from '../../level/level-store';
import { batch, capture, event, sessionInit, text } from '../../test/contract/index';
import { verifyStore } from '../verify-store';
import type { Problem, VerifyReport } from '../verify';

const root = await mkdtemp(join(tmpdir(), 'verbatim-integrity-'));
let counter = 0;
after(() => rm(root, { recursive: true, force: true }));

interface DataDir { data: string; store: string; keys: string }
const layout = (data: string): DataDir => ({ data, store: join(data, 'store'), keys: join(data, 'keys') });

function open(dir: DataDir): Promise<LevelStore> {
  const store = new LevelStore(dir.store, { integrity: { keysDir: dir.keys, sealIntervalMs: 0 } });
  return store.open().then(() => store);
}

/** Two sessions with events and captures, one capture without a session; closed (and so sealed). */
async function recordSample(dir: DataDir): Promise<void> {
  const store = await open(dir);
  for (const id of ['alice', 'bob']) {
    await store.createSession(sessionInit(id, 1_000));
    for (let seq = 0; seq < 3; seq += 1) {
      await store.appendEvents(batch(id, 'p1', seq, [event(1_000 + seq * 100), event(1_050 + seq * 100)]));
    }
    const digest = await store.putBlob(text(3_000, id.length), { compress: true });
    await store.putCapture(capture(`https://bank.example/${id}.html`, 1_010, digest, id));
  }
  await store.putCapture(capture('https://bank.example/shared.css', 990, await store.putBlob(text(500, 9)), undefined));
  await store.close();
}

let pristine: DataDir;
before(async () => {
  pristine = layout(join(root, 'pristine'));
  await recordSample(pristine);
});

async function copyOfPristine(): Promise<DataDir> {
  const dir = layout(join(root, `case-${(counter += 1)}`));
  await cp(pristine.data, dir.data, { recursive: true });
  return dir;
}

async function tamper(dir: DataDir, fn: (db: Level<string, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new Level<string, Uint8Array>(dir.store, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try { await fn(db); } finally { await db.close(); }
}

async function keysOf(dir: DataDir, prefix: string): Promise<string[]> {
  let keys: string[] = [];
  await tamper(dir, async (db) => { keys = await db.keys({ gte: prefix, lt: `${prefix}\uffff` }).all(); });
  return keys;
}

/** Logical ids of the records whose id starts with `prefix` (LevelDB keeps them under r!<id>). */
const idsOf = async (dir: DataDir, prefix: string): Promise<string[]> => (await keysOf(dir, `r!${prefix}`)).map((k) => k.slice(2));

const verify = (dir: DataDir, sessionId?: string): Promise<VerifyReport> =>
  verifyStore(dir.store, { keysDir: dir.keys, ...(sessionId ? { sessionId } : {}) });

function only(report: VerifyReport, code: Problem['code']): Problem[] {
  assert.equal(report.ok, false, 'tampering went unnoticed');
  const found = report.problems.filter((p) => p.code === code);
  assert.ok(found.length > 0, `expected ${code}, got ${JSON.stringify(report.problems)}`);
  return found;
}

describe('verify', () => {
  it('passes an untouched store, whole and per session', async () => {
    const report = await verify(pristine);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.equal(report.stats.chains, 3);
    assert.equal(report.latestCheckpoint?.size, 3);
    assert.ok(report.stats.blobs >= 3);
    assert.equal((await verify(pristine, 'alice')).ok, true);
  });

  it('finds one altered byte, naming record, session and link', async () => {
    const dir = await copyOfPristine();
    const [id] = await idsOf(dir, 'events/bob/');
    await tamper(dir, async (db) => {
      const value = Buffer.from((await db.get(`r!${id}`))!);
      value[value.length - 1] ^= 1;
      await db.put(`r!${id}`, value);
    });
    const [problem] = only(await verify(dir), 'RECORD_ALTERED');
    assert.equal(problem!.key, id);
    assert.equal(problem!.session, 'bob');
    assert.equal(typeof problem!.index, 'number');
    assert.equal((await verify(dir, 'alice')).ok, true, 'other sessions still verify');
    assert.equal((await verify(dir, 'bob')).ok, false);
  });

  it('finds altered session metadata', async () => {
    const dir = await copyOfPristine();
    await tamper(dir, async (db) => {
      const stored = Buffer.from((await db.get('r!session/alice'))!);
      const head = stored.readUInt32BE(0);
      const session = JSON.parse(stored.subarray(4 + head + 1).toString());
      session.clientIp = '203.0.113.9';
      await db.put('r!session/alice', Buffer.concat([stored.subarray(0, 4 + head + 1), Buffer.from(JSON.stringify(session))]));
    });
    assert.equal(only(await verify(dir), 'RECORD_ALTERED')[0]!.key, 'session/alice');
  });

  it('finds a deleted record', async () => {
    const dir = await copyOfPristine();
    const ids = await idsOf(dir, 'events/alice/');
    await tamper(dir, (db) => db.del(`r!${ids[1]}`));
    const [problem] = only(await verify(dir), 'RECORD_DELETED');
    assert.equal(problem!.key, ids[1]);
    assert.equal(problem!.session, 'alice');
  });

  it('finds two swapped records', async () => {
    const dir = await copyOfPristine();
    const ids = await idsOf(dir, 'events/alice/');
    await tamper(dir, async (db) => {
      const [a, b] = await db.getMany([`r!${ids[0]}`, `r!${ids[2]}`]);
      await db.batch([{ type: 'put', key: `r!${ids[0]}`, value: b! }, { type: 'put', key: `r!${ids[2]}`, value: a! }]);
    });
    const problems = only(await verify(dir), 'RECORD_ALTERED');
    assert.deepEqual(problems.map((p) => p.key).sort(), [ids[0], ids[2]].sort());
  });

  it('finds an inserted record, in a session and as a whole session', async () => {
    const dir = await copyOfPristine();
    const [id] = await idsOf(dir, 'events/alice/');
    const forged = id!.replace('/p1/', '/p9/');
    const attrs = (sid: string, kind: string): Buffer => {
      const json = Buffer.from(JSON.stringify({ kind, sessionId: sid, at: 1_000 }));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(json.length);
      return Buffer.concat([len, json]);
    };
    await tamper(dir, async (db) => {
      const original = Buffer.from((await db.get(`r!${id}`))!);
      await db.put(`r!${forged}`, original);
      await db.put(`k!alice\u0000events\u0000000000000001000\u0000${forged}`, new Uint8Array(0));
      await db.put('r!session/mallory', Buffer.concat([attrs('mallory', 'session'), Buffer.from('\u0000{}')]));
      await db.put('k!mallory\u0000session\u0000000000000001000\u0000session/mallory', new Uint8Array(0));
    });
    const problems = only(await verify(dir), 'RECORD_UNCHAINED');
    assert.deepEqual(problems.map((p) => p.key).sort(), [forged, 'session/mallory'].sort());
  });

  it('finds a deleted tail even when the attacker fixes the chain head', async () => {
    const dir = await copyOfPristine();
    const links = await keysOf(dir, 'h!bob\u0000');
    await tamper(dir, async (db) => {
      const last = links.at(-1)!;
      const link = Buffer.from((await db.get(last))!);
      const prev = Buffer.from((await db.get(links.at(-2)!))!);
      const head = Buffer.alloc(38);
      head.writeUIntBE(links.length - 1, 0, 6);
      prev.copy(head, 6, 0, 32);
      await db.batch([
        { type: 'del', key: last }, { type: 'del', key: `r!${link.subarray(65).toString()}` }, { type: 'put', key: 'H!bob', value: head },
      ]);
    });
    only(await verify(dir), 'CHAIN_TRUNCATED');
  });

  it('finds an altered body', async () => {
    const dir = await copyOfPristine();
    const [key] = await keysOf(dir, 'b!');
    await tamper(dir, async (db) => {
      const value = Buffer.from((await db.get(key!))!);
      value[value.length - 1] ^= 0x20;
      await db.put(key!, value);
    });
    assert.equal(only(await verify(dir), 'BLOB_ALTERED')[0]!.key, `blob/${key!.slice(2)}`);
  });

  it('finds a forged checkpoint', async () => {
    const dir = await copyOfPristine();
    await tamper(dir, async (db) => {
      const stored = JSON.parse(Buffer.from((await db.get('K!000000000000001'))!).toString());
      stored.note = stored.note.replace(/\nrecords \d+/, '\nrecords 1');
      await db.put('K!000000000000001', Buffer.from(JSON.stringify(stored)));
    });
    only(await verify(dir), 'CHECKPOINT_INVALID');
  });

  it('finds a store restored from an older copy', async () => {
    const dir = await copyOfPristine();
    const old = join(root, `old-${counter}`);
    await cp(dir.store, old, { recursive: true });
    const store = await open(dir);
    await store.appendEvents(batch('alice', 'p2', 0, [event(5_000)]));
    await store.close();
    assert.equal((await verify(dir)).ok, true);
    await rm(dir.store, { recursive: true });
    await cp(old, dir.store, { recursive: true });
    const [problem] = only(await verify(dir), 'ROLLED_BACK');
    assert.match(problem!.message, /witness log names checkpoint #2/);
  });

  it('still finds the rollback after the rolled-back store was reopened and sealed again', async () => {
    const dir = await copyOfPristine();
    const old = join(root, `old-reseal-${counter}`);
    await cp(dir.store, old, { recursive: true });
    const store = await open(dir);
    await store.appendEvents(batch('alice', 'p2', 0, [event(5_000)]));
    await store.close();
    await rm(dir.store, { recursive: true });
    await cp(old, dir.store, { recursive: true });
    // The restored store keeps recording and seals #2 and #3 of its own: the newest witness line then matches again.
    const again = await open(dir);
    await again.appendEvents(batch('bob', 'p3', 0, [event(7_000)]));
    await again.seal();
    await again.appendEvents(batch('bob', 'p3', 1, [event(7_100)]));
    await again.close();
    const problems = only(await verify(dir), 'ROLLED_BACK');
    assert.match(problems[0]!.message, /checkpoint #2 differs from the one the witness log recorded/);
  });

  it('finds an index entry that points a URL at another capture', async () => {
    const dir = await copyOfPristine();
    const [alice] = await keysOf(dir, 'x!alice\u0000');
    const bobCapture = (await idsOf(dir, 'capture/bob/'))[0]!;
    await tamper(dir, (db) => db.put(`${alice!.slice(0, alice!.lastIndexOf('\u0000'))}\u0000${bobCapture}`, new Uint8Array(0)));
    assert.ok(only(await verify(dir), 'INDEX_ALTERED').length >= 1);
  });

  it('notes records written after the last checkpoint, and seals them on demand', async () => {
    const dir = await copyOfPristine();
    const store = await open(dir);
    await store.appendEvents(batch('bob', 'p2', 0, [event(6_000)]));
    const sealed = await store.seal();
    assert.equal(sealed?.seq, 2);
    assert.equal(await store.seal(), undefined, 'nothing new: no checkpoint');
    await store.close();
    const report = await verify(dir);
    assert.deepEqual(report.problems, []);
    assert.equal(report.latestCheckpoint?.seq, 2);
  });

  it('keeps chains intact when a batch fails (its links are never written, heads do not move)', async () => {
    const dir = layout(join(root, `fail-${(counter += 1)}`));
    let fail = false;
    const store = new LevelStore(dir.store, {
      integrity: { keysDir: dir.keys, sealIntervalMs: 0 },
      beforeWrite: () => { if (fail) throw new Error('simulated disk failure'); },
    });
    await store.open();
    await store.createSession(sessionInit('carol', 1_000));
    await store.appendEvents(batch('carol', 'p1', 0, [event(1_000)]));
    fail = true;
    await assert.rejects(store.appendEvents(batch('carol', 'p1', 1, [event(1_100)])));
    fail = false;
    await store.appendEvents(batch('carol', 'p1', 2, [event(1_200)]));
    await store.close();
    assert.deepEqual((await verify(dir)).problems, []);
  });
});
