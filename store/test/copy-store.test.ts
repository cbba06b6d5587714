/**
 * copyStore (store/copy/copy-store.ts) between two in-memory backends: an injected failure part-way leaves exactly the
 * pages that landed and their cursor; the next run resumes and the target equals the source, entry for entry; a source
 * that changed since the interrupted copy, and a target holding other data, are refused with MIGRATION_TARGET_NOT_EMPTY.
 * The PostgreSQL target with a SIGKILLed process is scripts/migrate-to-store.test.ts's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryStore } from '../index';
import type { BackendPort } from '../base/backend-port';
import { CURSOR_KEY, copyStore } from '../copy/copy-store';
import { batch, capture, event, sessionInit, text } from './contract/fixtures';

const dirs: string[] = [];
after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

async function source(): Promise<MemoryStore> {
  const keysDir = await mkdtemp(path.join(tmpdir(), 'verbatim-copy-keys-'));
  dirs.push(keysDir);
  const store = new MemoryStore({ integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 }, deflateOnWorker: false });
  await store.open();
  for (let s = 0; s < 4; s += 1) {
    await store.createSession(sessionInit(`s${s}`, 100 + s));
    for (let b = 0; b < 3; b += 1) await store.appendEvents(batch(`s${s}`, 'p', b, [event(200 + b), event(201 + b)]));
    await store.putCapture(capture(`https://bank.example/${s}`, 150, await store.putBlob(text(900, s + 1)), `s${s}`));
  }
  await store.setHold({ sessionId: 's1' }, 'complaint');
  await store.eraseSession('s2', { reason: 'request' });
  await store.seal(true);
  return store;
}

async function dump(port: BackendPort): Promise<unknown> {
  const hex = (v: Uint8Array | undefined) => (v ? Buffer.from(v).toString('hex') : undefined);
  const out: string[] = [];
  for await (const r of port.records()) {
    out.push(`r ${r.id} ${r.kind} ${r.sessionId} ${r.at} ${hex(r.value)} ${r.url ?? ''} ${r.shared ?? ''} ${(r.blobs ?? []).join(',')} ${r.customerKey ?? ''}`);
    for (const d of r.blobs ?? []) out.push(`b ${d} ${hex(await port.blob(d))}`);
  }
  for (const chain of await port.chainIds()) {
    for await (const l of port.links(chain)) out.push(`l ${chain} ${l.index} ${hex(l.value)}`);
    out.push(`h ${chain} ${hex(await port.head(chain))}`);
  }
  for (const v of await port.readFeed(0, 100_000)) out.push(`f ${hex(v)}`);
  for (const c of await port.checkpoints()) out.push(`c ${c.seq} ${hex(c.value)}`);
  for await (const m of port.meta()) if (!m.key.startsWith('migrate/')) out.push(`m ${m.key} ${hex(m.value)}`);
  return out;
}

/** The target's port, failing its commit number `n` (1-based) as a dropped connection would. */
function failingAt(port: BackendPort, n: number): BackendPort {
  let commits = 0;
  return { ...port, commit: (w) => ((commits += 1) === n ? Promise.reject(new Error('connection lost')) : port.commit(w)) };
}

describe('copyStore (backend-level copy with resume)', () => {
  it('resumes after a failed page and ends equal to the source, nothing twice', async () => {
    const from = await source();
    const to = new MemoryStore({ deflateOnWorker: false });
    await to.open();
    await assert.rejects(copyStore(from.backendPort(), failingAt(to.backendPort(), 4), { pageSize: 4 }), /connection lost/);
    let records = 0;
    for await (const _ of to.backendPort().records()) records += 1;
    assert.equal(records, 12, 'three pages of four landed, the fourth did not');
    assert.match(Buffer.from((await to.backendPort().getMeta(CURSOR_KEY))!).toString(), /"phase":"records","done":12/);

    const result = await copyStore(from.backendPort(), to.backendPort(), { pageSize: 4 });
    assert.equal(result.resumed, true);
    assert.equal(result.written.records, result.totals.records - 12);
    assert.deepEqual(await dump(to.backendPort()), await dump(from.backendPort()));
    assert.equal(await to.backendPort().getMeta(CURSOR_KEY), undefined);
    assert.equal((await to.getHold({ sessionId: 's1' }))?.reason, 'complaint');
    await assert.rejects(copyStore(from.backendPort(), to.backendPort()), { code: 'MIGRATION_TARGET_NOT_EMPTY' });
  });

  it('refuses to resume from a source that changed, and a target with other data', async () => {
    const from = await source();
    const to = new MemoryStore({ deflateOnWorker: false });
    await to.open();
    await assert.rejects(copyStore(from.backendPort(), failingAt(to.backendPort(), 2), { pageSize: 4 }), /connection lost/);
    await from.createSession(sessionInit('late', 900));
    await assert.rejects(copyStore(from.backendPort(), to.backendPort()), { code: 'MIGRATION_TARGET_NOT_EMPTY', message: /another store \(or the source changed since\)/ });

    const busy = new MemoryStore({ deflateOnWorker: false });
    await busy.open();
    await busy.createSession(sessionInit('x', 1));
    await assert.rejects(copyStore(from.backendPort(), busy.backendPort()), { code: 'MIGRATION_TARGET_NOT_EMPTY', message: /records/ });
  });
});
