/**
 * `verbatim migrate --from DIR --to postgres://…`: a LevelDB store built through the store API with integrity and
 * per-session keys (sessions with events — one large enough for object storage —, shared and personal sealed
 * bodies, WebSocket messages, a customer link, a held session, an erased one with its tombstone, checkpoints) is
 * copied into a real PostgreSQL store by a process SIGKILLed mid-way, then resumed. Afterwards: verify passes on
 * both sides, every record, link, head, feed entry, checkpoint, setting and body is byte-equal, an evidence export
 * is the same from either store, and a finished or foreign target is refused with MIGRATION_TARGET_NOT_EMPTY.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { verifyAudit } from '../store/integrity/verify';
import { LevelStore } from '../store/level/level-store';
import { PostgresStore } from '../store/postgres/index';
import type { WebSocketMessage } from '../store/records';
import type { BackendPort } from '../store/base/backend-port';
import type { StoreBase } from '../store/base/store-base';
import { batch, capture, event, sessionInit, text } from '../store/test/contract/fixtures';
import { startPostgres, type PostgresServer } from '../test/helpers/postgres-server';
import { AccountStore, AuditLog } from '../replay-viewer/auth/index';
import { loadConfig } from './config';
import { migrateToStore } from './migrate-to-store';

const CHILD = path.join(import.meta.dirname, '..', 'test', 'helpers', 'migrate-child.ts');

describe('verbatim migrate --to postgres:// (backend-level copy)', () => {
  let server: PostgresServer;
  let db: string;
  let dir: string;
  let keysDir: string;
  const urlOf = (schema: string): string => `${server.url(db)}${server.url(db).includes('?') ? '&' : '?'}schema=${schema}`;
  const integrity = () => ({ keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 });

  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('migrate');
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-migrate-pg-'));
    keysDir = path.join(dir, 'keys');
    const store = new LevelStore(path.join(dir, 'store'), { integrity: integrity(), deflateOnWorker: false });
    await store.open();
    try {
      for (let s = 0; s < 6; s += 1) {
        const sid = `s${s}`;
        await store.createSession(sessionInit(sid, 1_000 + s * 100));
        for (let b = 0; b < 4; b += 1) {
          const events = Array.from({ length: s === 0 && b === 0 ? 400 : 5 }, (_, i) => event(1_010 + s * 100 + b * 10 + i, 3, { source: 1, x: i, noise: randomBytes(48).toString('base64') }));
          await store.appendEvents(batch(sid, 'p1', b, events));
        }
        const shared = text(3_000, s + 1);
        const digest = await store.putBlob(shared, { compress: true });
        await store.putCapture(capture(`https://bank.example/shared/${s}`, 1_050 + s * 100, digest, sid));
        const personal = await store.putBlob(text(1_500, 50 + s), { sessionId: sid });
        await store.putCapture(capture(`https://bank.example/account/${s}`, 1_060 + s * 100, personal, sid));
        await store.putWebSocketMessages([{ sessionId: sid, socketId: `ws-${s}`, seq: 0, url: 'wss://bank.example/live', direction: 'received', at: 1_070 + s * 100, kind: 'text', size: 10, data: 'balance 12', encoding: 'utf8', truncated: false } satisfies WebSocketMessage]);
      }
      await store.linkCustomer({ sessionId: 's1', customerId: 'CUST-1', source: 'form:user', at: 1_150 });
      await store.seal(true);
      await store.setHold({ sessionId: 's2' }, 'complaint 17');
      await store.eraseSession('s3', { reason: 'customer request' });
      await store.seal(true);
    } finally {
      await store.close();
    }
    // Beside the store in the data dir: an account and an audit trail of 3 entries, copied into the shared state.
    await (await AccountStore.open(path.join(dir, 'viewer-accounts.json'))).add('auditor1', 'auditor', 'a long enough password');
    const audit = await AuditLog.open(path.join(dir, 'audit.log'));
    for (const action of ['sign-in', 'search', 'replay']) await audit.append({ actor: 'auditor1', action, outcome: 'ok' });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (schema: string, extra: string[] = []) => loadConfig(['migrate', '--data', dir, '--from', dir, '--to', urlOf(schema), ...extra], {});
  const level = () => new LevelStore(path.join(dir, 'store'), { readOnly: true, deflateOnWorker: false, integrity: integrity() });
  const postgres = (schema: string) => new PostgresStore({ connection: urlOf(schema), readOnly: true, multiWriter: false, integrity: integrity(), deflateOnWorker: false });
  async function withOpen<T>(store: StoreBase, fn: (s: StoreBase) => Promise<T>): Promise<T> {
    await store.open();
    try { return await fn(store); } finally { await store.close(); }
  }
  async function count(schema: string, table: string): Promise<number> {
    const c = new pg.Client(server.config(db));
    await c.connect();
    try { return Number((await c.query(`SELECT count(*) AS n FROM ${schema}.${table}`)).rows[0].n); } finally { await c.end(); }
  }

  /** Everything a backend holds, as bytes (hex), so two backends compare exactly. */
  async function dump(port: BackendPort): Promise<Record<string, unknown>> {
    const hex = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v).toString('hex'));
    const records: unknown[] = [];
    const digests = new Set<string>();
    for await (const r of port.records()) {
      records.push({ ...r, value: hex(r.value), blobs: r.blobs ? [...r.blobs] : undefined });
      for (const d of r.blobs ?? []) digests.add(d);
    }
    const chains = await port.chainIds();
    const links: Record<string, string[]> = {};
    const heads: Record<string, string | undefined> = {};
    for (const chain of chains) {
      links[chain] = [];
      for await (const l of port.links(chain)) links[chain]!.push(`${l.index}:${hex(l.value)}`);
      heads[chain] = hex(await port.head(chain));
    }
    const blobs: Record<string, string | undefined> = {};
    for (const d of [...digests].sort()) blobs[d] = hex(await port.blob(d));
    const meta: Record<string, string | undefined> = {};
    for await (const m of port.meta()) if (!/^(pg\/|migrate\/|health$)/.test(m.key)) meta[m.key] = hex(m.value);
    return {
      records, chains: [...chains].sort(), links, heads, blobs, meta,
      feed: (await port.readFeed(0, 1_000_000)).map(hex),
      checkpoints: (await port.checkpoints()).map((c) => `${c.seq}:${hex(c.value)}`),
    };
  }

  it('copies byte for byte across a SIGKILL and a resume; verify and evidence agree on both sides', async () => {
    const source = await withOpen(level(), (s) => dump(s.backendPort()));
    const sourceRecords = (source.records as unknown[]).length;
    assert.ok(sourceRecords > 40, `fixture too small: ${sourceRecords} records`);
    assert.ok(Object.keys(source.meta as object).some((k) => k.includes('hold')), 'the held session\'s hold is in meta');
    assert.ok((source.records as { kind: string }[]).some((r) => r.kind === 'tombstone'));
    assert.ok((source.records as { kind: string }[]).some((r) => r.kind === 'body'), 'personal sealed bodies');

    // A real process, killed between two backend writes after 4 pages of 5 records.
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, urlOf('copied'), '5', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never stopped: ${out}`)), 60_000);
      child.stdout.on('data', () => { if (out.includes('stopped')) { clearTimeout(timer); resolve(); } });
      child.on('exit', () => { clearTimeout(timer); reject(new Error(`child exited early: ${out}`)); });
    });
    child.removeAllListeners('exit');
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.match(out, /stopped records 20\n/);
    assert.equal(await count('copied', 'records'), 20, 'exactly the pages that landed');
    assert.equal(await count('copied', 'feed'), 0);

    const started = performance.now();
    const result = await migrateToStore(config('copied'), { pageSize: 5 });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(result.resumed, true);
    assert.deepEqual(result.shared, { documents: ['viewer-accounts'], kept: [], logEntries: 3 });
    await withOpen(postgres('copied'), async (s) => {
      const audit = await AuditLog.open(s.sharedState());
      assert.deepEqual(await audit.verify(), { ok: true, entries: 3 }, 'the chain verifies in PostgreSQL as copied');
      assert.deepEqual((await audit.query()).map((e) => `${e.seq} ${e.action}`), ['3 replay', '2 search', '1 sign-in']);
      const accounts = await AccountStore.open({ state: s.sharedState(), dataDir: dir });
      assert.equal((await accounts.signIn('auditor1', 'a long enough password'))?.role, 'auditor');
    });
    assert.equal(result.written.records, sourceRecords - 20, 'the resume wrote only what was missing');
    assert.equal(result.totals.records, sourceRecords);
    assert.equal(await count('copied', 'records'), sourceRecords);
    assert.equal(await count('copied', 'feed'), (source.feed as unknown[]).length);
    assert.equal(await count('copied', 'checkpoints'), (source.checkpoints as unknown[]).length);
    assert.equal(await count('copied', 'links'), Object.values(source.links as Record<string, unknown[]>).reduce((n, l) => n + l.length, 0));
    const large = await count('copied', 'records WHERE object IS NOT NULL');
    assert.ok(large >= 1, 'the large event chunk went to object storage');
    assert.equal(await count('copied', 'objects'), Object.keys(source.blobs as object).length + large, 'shared bodies and large values, once each');
    process.stdout.write(`# resumed copy: ${result.written.records} records, ${(result.written.bytes / 1e6).toFixed(2)} MB in ${seconds.toFixed(2)} s\n`);

    const copied = await withOpen(postgres('copied'), (s) => dump(s.backendPort()));
    assert.deepEqual(copied, source);

    const levelReport = await withOpen(level(), (s) => verifyAudit(s.audit(), { keysDir }));
    const pgReport = await withOpen(postgres('copied'), (s) => verifyAudit(s.audit(), { keysDir }));
    assert.deepEqual(levelReport.problems, []);
    assert.deepEqual(pgReport.problems, []);
    assert.equal(pgReport.ok, true);

    for (const sid of ['s0', 's1', 's2']) {
      const a = await withOpen(level(), (s) => s.evidence(sid));
      const b = await withOpen(postgres('copied'), (s) => s.evidence(sid));
      assert.deepEqual({ ...b, exportedAt: 0 }, { ...a, exportedAt: 0 }, `evidence of ${sid}`);
      assert.ok(a.records.length > 0);
    }
    await withOpen(postgres('copied'), async (s) => {
      assert.equal(await s.getTombstone('s3').then((t) => t?.sessionId), 's3');
      assert.equal((await s.getHold({ sessionId: 's2' }))?.reason, 'complaint 17');
    });

    await assert.rejects(migrateToStore(config('copied')), (err: Error & { code?: string }) => err.code === 'MIGRATION_TARGET_NOT_EMPTY' && /finished migration/.test(err.message));
  });

  it('refuses a target that holds another store, and writes nothing to it', async () => {
    const other = new PostgresStore({ connection: urlOf('other'), deflateOnWorker: false });
    await withOpen(other, async (s) => { await s.createSession(sessionInit('x', 1)); });
    await assert.rejects(migrateToStore(config('other')), (err: Error & { code?: string }) => err.code === 'MIGRATION_TARGET_NOT_EMPTY' && /records/.test(err.message));
    assert.equal(await count('other', 'records'), 1);
  });
});
