/**
 * How long a commit holds the write lock of a shared PostgreSQL store, counted in client round trips (commit-sql.ts):
 * commit_locked (the lock, the heads' read, the rebuild of a write another writer overtook, every check and row) is
 * one statement in its own implicit transaction, so the lock never waits for this process: the server takes it,
 * writes and commits. With four instances each commit waited up to 1.6 s for that lock when it was held through about
 * ten round trips (issue #15), then ~100 ms when it was held through one wait for the committing process; so the
 * count is pinned here, for every kind of commit: captures naming bodies, rewritten records with values in object
 * storage, checkpoints, erasures marking bodies, a capture naming a marked body again, and writers behind on the feed
 * (rebuilt under the lock, by the server). Counted from every statement the store's connections send (a pg Client
 * subclass given in the connection settings), not from timing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { verifyAudit } from '../integrity/verify';
import { startPostgres } from '../../test/helpers/postgres-server';
import { PostgresStore } from '../postgres/index';
import { batch, capture, event, sessionInit, text } from './contract/index';

const server = await startPostgres();
const database = await server.createDatabase('round_trips');
const admin = new pg.Pool({ ...server.config(database), max: 1 });
after(async () => {
  await admin.end();
  await server.stop();
});
const deletionRows = async () => (await admin.query<{ digest: string; state: string }>('SELECT digest, state FROM trips.body_deletions')).rows;

/** A statement sent, and how many sent before it on the connection were still unanswered (pipelined). */
interface Sent { text: string; values: unknown[]; unanswered: number }
const logs: Sent[][] = [];

/** Every statement each connection sends, in order. */
class CountingClient extends pg.Client {
  readonly sent: Sent[] = [];
  private unanswered = 0;
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    logs.push(this.sent);
  }

  override query(...args: unknown[]): never {
    const [q, values] = args as [string | { text: string; values?: unknown[] }, unknown];
    this.sent.push({ ...(typeof q === 'string' ? { text: q, values: Array.isArray(values) ? values : [] } : { text: q.text, values: q.values ?? [] }), unanswered: this.unanswered });
    this.unanswered += 1;
    const answered = () => { this.unanswered -= 1; };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (...a: unknown[]) => void;
      args[last] = (...a: unknown[]) => { answered(); callback(...a); };
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const result = (super.query as (...a: unknown[]) => Promise<unknown>)(...args);
    result.then(answered, answered);
    return result as never;
  }
}

/**
 * Each commit_locked statement, with the statements its connection sent just before and just after it: the write
 * lock lasts as long as the transaction that took it.
 */
function lockedWrites(): { before?: Sent; write: Sent; next?: Sent }[] {
  const out: { before?: Sent; write: Sent; next?: Sent }[] = [];
  for (const log of logs) {
    log.forEach((s, i) => {
      if (s.text.includes('commit_locked($1')) out.push({ ...(i > 0 ? { before: log[i - 1] } : {}), write: s, ...(log[i + 1] ? { next: log[i + 1] } : {}) });
    });
  }
  return out;
}

describe('PostgresStore: round trips under the write lock', () => {
  it('holds the write lock for one statement, its own transaction, in every kind of commit, two writers taking turns', async () => {
    const keysDir = await mkdtemp(join(tmpdir(), 'verbatim-pg-round-trips-'));
    const make = () => new PostgresStore({
      connection: { ...server.config(database), Client: CountingClient as unknown as new () => pg.ClientBase }, schema: 'trips',
      poolSize: 3, sessionLocks: 2, inlineLimit: 64, integrity: { keysDir, sealIntervalMs: 0 },
    });
    const a = make();
    const b = make();
    await a.open();
    await b.open();
    try {
      // Each writer's next write is built on a feed head the other has moved: rebuilt under the lock.
      await a.createSession(sessionInit('alice', 1_000));
      await b.createSession(sessionInit('bob', 1_000));
      await a.appendEvents(batch('alice', 'p', 0, Array.from({ length: 20 }, (_, i) => event(1_100 + i, 3, { source: 1, x: i }))));
      await b.appendEvents(batch('alice', 'p', 1, [event(1_200)]));
      const shared = await a.putBlob(text(2_000, 1));
      const own = await b.putBlob(text(2_000, 2));
      await a.putCapture(capture('https://bank.example/app.css', 1_010, shared, 'alice'));
      await b.putCapture(capture('https://bank.example/app.css', 1_020, shared, 'bob'));
      await b.putCapture(capture('https://bank.example/own.js', 1_030, own, 'alice'));
      await a.seal();
      await b.appendEvents(batch('bob', 'p', 0, [event(1_300)]));
      await b.seal();
      // The erasure leaves `own` unnamed (marked, with the default grace); bob's capture then names it again (b
      // knows it stored).
      await a.eraseSession('alice', { reason: 'test' });
      assert.deepEqual(await deletionRows(), [{ digest: own, state: 'marked' }], 'the erasure marked the body only alice named');
      await b.putCapture(capture('https://bank.example/own.js', 1_040, own, 'bob'));
      assert.deepEqual(await deletionRows(), [], 'named again');
      await b.seal();

      const locked = lockedWrites();
      const writes = locked.map((l) => l.write);
      // Every commit under the lock is that one statement: not inside a transaction block (no BEGIN before it, so
      // its transaction and the lock end with it), sent on an idle connection, and the connection's next statement
      // sent only once it was answered: the server locks, writes, commits and releases the lock without waiting for
      // this process.
      assert.ok(locked.length >= 10, `${locked.length} commits took the lock`);
      for (const { before, write, next } of locked) {
        assert.notEqual(before?.text.trim(), 'BEGIN', 'commit_locked in its own implicit transaction');
        assert.equal(write.unanswered, 0, 'sent on an idle connection');
        if (next) assert.equal(next.unanswered, 0, `${next.text.slice(0, 40)} sent after commit_locked was answered`);
      }
      assert.ok(!logs.flat().some((s) => /^(BEGIN|COMMIT)$/.test(s.text.trim()) && s.unanswered > 0), 'no transaction block pipelined');
      // And every kind of commit was among them (commit_locked's parameters after the lock key and rebase flag:
      // commit_write's, commit-sql.ts).
      const some = (f: (v: unknown[]) => boolean) => writes.some((w) => f(w.values.slice(3)));
      const filled = (i: number) => (v: unknown[]) => Array.isArray(v[i]) && (v[i] as unknown[]).length > 0;
      assert.ok(some((v) => v[1] !== null), 'a checkpoint');
      assert.ok(some(filled(6)), 'record deletions');
      assert.ok(some((v) => filled(17)(v) && (v[17] as unknown[]).some((o) => o !== null)), 'values in object storage');
      assert.ok(some(filled(18)), 'bodies named');
      assert.ok(some(filled(28)), 'bodies left unnamed');
      // Writers behind on the feed: a write sent on a feed head another writer's write was sent on too, renumbered
      // by the server; the stored feed runs 1…N, each entry holding its own seq.
      const feedAfter = writes.map((w) => w.values[3]).filter((x) => x !== null);
      assert.ok(new Set(feedAfter).size < feedAfter.length, 'a write built on a stale feed head');
      const feed = (await admin.query<{ seq: string; value: Buffer }>('SELECT seq, value FROM trips.feed ORDER BY seq')).rows;
      assert.deepEqual(feed.map((r) => Number(r.seq)), feed.map((_, i) => i + 1));
      assert.deepEqual(feed.map((r) => (JSON.parse(r.value.toString('utf8')) as { seq: number }).seq), feed.map((_, i) => i + 1));
      const report = await verifyAudit(b.audit(), { keysDir });
      assert.deepEqual(report.problems, []);
    } finally {
      await b.close();
      await a.close();
      await rm(keysDir, { recursive: true, force: true });
    }
  });

  it('writes a personal body without asking first whether it is there; another writer writing it again is a rewrite verify accepts', async () => {
    const keysDir = await mkdtemp(join(tmpdir(), 'verbatim-pg-personal-'));
    const make = () => new PostgresStore({
      connection: { ...server.config(database), Client: CountingClient as unknown as new () => pg.ClientBase }, schema: 'personal',
      poolSize: 3, sessionLocks: 2, integrity: { keysDir, keyringDir: join(keysDir, 'keyring'), sealIntervalMs: 0 },
    });
    const a = make();
    const b = make();
    await a.open();
    await b.open();
    try {
      await a.createSession(sessionInit('carol', 1_000));
      const page = text(3_000, 7);
      const lookups = () => logs.flat().filter((s) => /FROM\s+\S*records\b/i.test(s.text) && s.values.flat().some((v) => typeof v === 'string' && v.startsWith('body/'))).length;
      const before = lookups();
      const digest = await a.putBlob(page, { sessionId: 'carol' });
      await a.putCapture(capture('https://bank.example/statement', 1_010, digest, 'carol'));
      assert.equal(lookups(), before, 'no lookup of the personal body before its write');
      // The same document again through the other writer (round robin), which never met it: written again.
      assert.equal(await b.putBlob(page, { sessionId: 'carol' }), digest);
      await b.putCapture(capture('https://bank.example/statement', 1_020, digest, 'carol'));
      // The writer that wrote it knows it: no second write there.
      assert.equal(await a.putBlob(page, { sessionId: 'carol' }), digest);
      assert.ok(Buffer.from((await b.getBlob(digest, 'carol'))!).equals(Buffer.from(page)), 'the body reads back as written');
      const report = await verifyAudit(a.audit(), { keysDir });
      assert.deepEqual(report.problems, []);
    } finally {
      await b.close();
      await a.close();
      await rm(keysDir, { recursive: true, force: true });
    }
  });
});
