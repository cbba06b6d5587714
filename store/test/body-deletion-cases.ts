/**
 * Shared bodies across writers (postgres/body-deletions.ts): two store instances over one PostgreSQL and one S3
 * bucket (a real RGW), as two gateways would be. Instance A erases the last session naming a body while instance B
 * believes the body stored (its cache, or an "already stored" check just made) and commits a capture naming it.
 * Before deferred deletion, A deleted the object and B's capture then named a body that was gone. Interleavings are
 * forced with B's `beforeWrite` hook (a write held until A is done), not left to timing.
 *
 * Run by postgres-s3-store.test.ts, which has the servers running already (a server pair more would cost seconds).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { BackendWrite } from '../base/backend';
import { isVerbatimError } from '../errors';
import { verifyAudit } from '../integrity/verify';
import { PostgresStore } from '../postgres/index';
import { S3ObjectStorage } from '../s3/s3-object-storage';
import type { RgwServer } from '../../test/helpers/rgw-server';
import { capture, sessionInit, text } from './contract/index';

export interface Servers { connection: pg.PoolConfig; rgw: RgwServer }

let keysRoot = '';
let schemas = 0;
let servers: () => Servers;

type Hold = (write: BackendWrite) => Promise<void> | void;

interface Pair {
  a: PostgresStore;
  b: PostgresStore;
  /** B's next write matching `when` waits until the returned release() is called; `reached` resolves when it waits. */
  holdB(when: (w: BackendWrite) => boolean): { reached: Promise<void>; release: () => void };
  keysDir: string;
  schema: string;
  close(): Promise<void>;
}

/** Two instances over one new schema and bucket prefix, with the same keys (as `--keys` shares them). */
async function pair(bodyGraceMs: number, sweepEveryMs?: number): Promise<Pair> {
  const n = (schemas += 1);
  const schema = `body_gc_${n}`;
  const keysDir = join(keysRoot, `keys-${n}`);
  const { connection } = servers();
  const { endpoint, accessKey, secretKey } = servers().rgw;
  const objects = await S3ObjectStorage.open({ bucket: 'verbatim-body-gc', prefix: `t${n}`, endpoint, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
  let hold: Hold | undefined;
  let opened: (() => void) | undefined;
  const make = (beforeWrite?: Hold) => new PostgresStore({
    connection, schema, objects, poolSize: 3, sessionLocks: 2, bodyGraceMs, deflateOnWorker: false, ...(sweepEveryMs ? { sweepEveryMs } : {}),
    integrity: { keysDir, sealIntervalMs: 0 }, ...(beforeWrite ? { beforeWrite } : {}),
  });
  const a = make();
  await a.open();
  const b = make((w) => hold?.(w));
  await b.open();
  return {
    a, b, keysDir, schema,
    holdB(when) {
      let release!: () => void;
      let reached!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      opened = release;
      const waiting = new Promise<void>((r) => { reached = r; });
      hold = (w) => {
        if (!when(w)) return;
        hold = undefined;
        reached();
        return gate;
      };
      return { reached: waiting, release };
    },
    async close() {
      // A test that failed while B waited must not leave B's write, and so its close, waiting for ever.
      opened?.();
      await b.close();
      await a.close();
      await objects.close();
    },
  };
}

const namesCapture = (sessionId: string) => (w: BackendWrite) => w.put.some((r) => r.kind === 'capture' && r.sessionId === sessionId);
const uploads = (digest: string) => (w: BackendWrite) => w.blobs.some((b) => b.digest === digest);

/** Every capture in the store names a body that is there: the property the race broke. */
async function everyCaptureHasItsBody(store: PostgresStore, sessions: string[]): Promise<number> {
  let named = 0;
  for (const sid of sessions) {
    for (const c of await store.listCaptures(sid)) {
      if (!c.body) continue;
      named += 1;
      assert.ok(await store.getBlob(c.body.digest), `capture ${c.id} of ${sid} names body ${c.body.digest.slice(0, 12)}, which is gone`);
    }
  }
  return named;
}

/** The body_deletions rows by state. */
async function deletionRows(schema: string): Promise<Record<string, number>> {
  const client = new pg.Client(servers().connection);
  await client.connect();
  try {
    const { rows } = await client.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM ${schema}.body_deletions GROUP BY state ORDER BY state`);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    await client.end();
  }
}

async function setDeletedAt(schema: string, at: string): Promise<void> {
  const client = new pg.Client(servers().connection);
  await client.connect();
  try {
    await client.query(`UPDATE ${schema}.body_deletions SET changed_at = ${at} WHERE state = 'deleted'`);
  } finally {
    await client.end();
  }
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await ok());) {
    assert.ok(Date.now() < end, `${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `running`: the servers, read inside the tests (they start in the calling file's `before`). */
export function describeBodyDeletionAcrossWriters(running: () => Servers, skip?: string): void {
  describe('PostgresStore + S3: bodies deleted across writers', { skip }, () => {
    before(async () => {
      servers = running;
      keysRoot = await mkdtemp(join(tmpdir(), 'verbatim-body-gc-'));
    });
    after(async () => {
      if (keysRoot) await rm(keysRoot, { recursive: true, force: true });
    });

    it('a capture naming a body another instance deleted is refused (BLOB_MISSING), never stored dangling', async () => {
      const p = await pair(0);
      try {
        const bytes = text(2_000, 11);
        await p.a.createSession(sessionInit('alice', 1_000));
        const digest = await p.a.putBlob(bytes);
        await p.a.putCapture(capture('https://bank.example/app.js', 1_010, digest, 'alice'));
        // B met the body too: its cache now says "stored".
        await p.b.createSession(sessionInit('bob', 2_000));
        assert.equal(await p.b.putBlob(bytes), digest);
        // A erases the only session naming it: with no grace the object is deleted at once.
        await p.a.eraseSession('alice', { reason: 'test' });
        assert.equal(await p.a.hasBlob(digest), false, 'the body nobody names is gone from S3');
        await assert.rejects(p.b.putCapture(capture('https://bank.example/app.js', 2_010, digest, 'bob')),
          (err) => isVerbatimError(err, 'BLOB_MISSING'));
        assert.deepEqual(await p.b.listCaptures('bob'), [], 'no capture of bob landed');
        // Stored again, it is written again (B's cache forgot it), and the capture lands with its body.
        assert.equal(await p.b.putBlob(bytes), digest);
        await p.b.putCapture(capture('https://bank.example/app.js', 2_020, digest, 'bob'));
        assert.equal(await everyCaptureHasItsBody(p.a, ['alice', 'bob']), 1);
        assert.deepEqual((await verifyAudit(p.a.audit(), { keysDir: p.keysDir })).problems, []);
      } finally {
        await p.close();
      }
    });

    it('B checked "already stored", then A deleted the body before B committed: B\'s commit is refused, nothing dangles', async () => {
      const p = await pair(0);
      try {
        const bytes = text(2_000, 12);
        await p.a.createSession(sessionInit('alice', 1_000));
        const digest = await p.a.putBlob(bytes);
        await p.a.putCapture(capture('https://bank.example/race.js', 1_010, digest, 'alice'));
        await p.b.createSession(sessionInit('bob', 2_000));
        const held = p.holdB(namesCapture('bob'));
        // B's "already stored" is a HEAD on S3 (its cache has never met the body): true now.
        const committing = p.b.putCapture(capture('https://bank.example/race.js', 2_010, digest, 'bob')).then(() => 'landed', (e: unknown) => (isVerbatimError(e) ? e.code : String(e)));
        await held.reached;
        await p.a.eraseSession('alice', { reason: 'test' });
        assert.equal(await p.a.hasBlob(digest), false);
        held.release();
        assert.equal(await committing, 'BLOB_MISSING');
        assert.equal(await everyCaptureHasItsBody(p.a, ['bob']), 0);
        assert.deepEqual((await verifyAudit(p.a.audit(), { keysDir: p.keysDir })).problems, []);
      } finally {
        await p.close();
      }
    });

    it('B uploads a body while A deletes it: B puts it again after the deletion, and its capture lands with the body', async () => {
      const p = await pair(0);
      try {
        const bytes = text(2_000, 13);
        await p.a.createSession(sessionInit('alice', 1_000));
        const digest = await p.a.putBlob(bytes);
        await p.a.putCapture(capture('https://bank.example/up.js', 1_010, digest, 'alice'));
        await p.b.createSession(sessionInit('bob', 2_000));
        const held = p.holdB(uploads(digest));
        const uploading = p.b.putBlob(bytes);
        await held.reached;
        await p.a.eraseSession('alice', { reason: 'test' });
        held.release();
        assert.equal(await uploading, digest);
        await p.b.putCapture(capture('https://bank.example/up.js', 2_010, digest, 'bob'));
        assert.equal(await everyCaptureHasItsBody(p.a, ['bob']), 1);
        assert.ok(Buffer.from((await p.a.getBlob(digest))!).equals(Buffer.from(bytes)), 'the bytes are the body\'s');
      } finally {
        await p.close();
      }
    });

    it('with a grace period: a capture committed meanwhile keeps the body; the sweep after the grace deletes only unnamed ones', async () => {
      const graceMs = 400;
      const p = await pair(graceMs);
      try {
        const shared = text(2_000, 14);
        const own = text(2_000, 15);
        await p.a.createSession(sessionInit('alice', 1_000));
        const sharedDigest = await p.a.putBlob(shared);
        const ownDigest = await p.a.putBlob(own);
        await p.a.putCapture(capture('https://bank.example/shared.css', 1_010, sharedDigest, 'alice'));
        await p.a.putCapture(capture('https://bank.example/own.png', 1_020, ownDigest, 'alice'));
        await p.b.createSession(sessionInit('bob', 2_000));
        const held = p.holdB(namesCapture('bob'));
        const committing = p.b.putCapture(capture('https://bank.example/shared.css', 2_010, sharedDigest, 'bob'));
        await held.reached;
        const erasedAt = Date.now();
        await p.a.eraseSession('alice', { reason: 'test' });
        assert.equal(await p.a.sweepDeletedBodies(), 0, 'nothing is due before the grace ran out');
        held.release();
        await committing;
        // The grace runs from the erasure's transaction in the database, which a loaded machine may start well after
        // erasedAt: sweep until something is due (a sweep before then deletes nothing), then count what went.
        let deleted = 0;
        await until('a sweep after the grace deletes a body', async () => (deleted = await p.b.sweepDeletedBodies()) > 0);
        assert.ok(Date.now() - erasedAt >= graceMs, `nothing deleted before the grace ran out (${Date.now() - erasedAt} ms)`);
        assert.equal(deleted, 1, 'one body deleted: the one only alice named');
        assert.equal(await p.a.hasBlob(ownDigest), false);
        assert.equal(await p.a.hasBlob(sharedDigest), true, 'the body bob\'s capture names stays');
        assert.equal(await everyCaptureHasItsBody(p.b, ['bob']), 1);
        assert.equal(await p.a.sweepDeletedBodies(), 0, 'a second sweep finds nothing');
      } finally {
        await p.close();
      }
    });

    it('deletions are pruned twice the grace after the body went, by one instance; a writer that knew the body stores it again', async () => {
      const graceMs = 200;
      const p = await pair(graceMs, 50);
      try {
        const bytes = text(2_000, 21);
        const kept = text(2_000, 22);
        await p.a.createSession(sessionInit('alice', 1_000));
        const digest = await p.a.putBlob(bytes);
        await p.a.putCapture(capture('https://bank.example/a.js', 1_010, digest, 'alice'));
        // B knows the body as stored (its cache) and goes on believing so while A erases it.
        await p.b.createSession(sessionInit('bob', 2_000));
        const keptDigest = await p.b.putBlob(kept);
        await p.b.putCapture(capture('https://bank.example/b.js', 2_010, keptDigest, 'bob'));
        assert.equal(await p.b.putBlob(bytes), digest);
        // One instance leads the job, the other follows (lead() of a held job is refused).
        await until('a leader for the body-deletions job', async () => (await p.a.leadership('body-deletions').lead()) || (await p.b.leadership('body-deletions').lead()));
        const leads = [await p.a.leadership('body-deletions').lead(), await p.b.leadership('body-deletions').lead()];
        assert.equal(leads.filter(Boolean).length, 1, `exactly one instance leads: ${leads}`);

        await p.a.eraseSession('alice', { reason: 'test' });
        // Marked by the erasure; on a slow machine the leader's sweep (every 50 ms, after the 200 ms grace) may already
        // have taken it further. Never pruned on the way: a row that is work to do, or just done, stays.
        const states = await deletionRows(p.schema);
        assert.equal(Object.values(states).reduce((a, b) => a + b, 0), 1, JSON.stringify(states));
        assert.ok(['marked', 'deleting', 'deleted'].includes(Object.keys(states)[0]!), JSON.stringify(states));
        assert.equal(await p.a.pruneBodyDeletions(), 0, 'a marked body is work to do, never pruned');
        // The leader's job sweeps it after the grace, then prunes the row twice the grace after that.
        await until('the body deleted by the job', async () => (await deletionRows(p.schema)).deleted === 1);
        assert.equal(await p.a.hasBlob(digest), false);
        // The row's time set by the test (a slow machine may see it late): pinned in the future, nothing prunes it.
        await setDeletedAt(p.schema, "now() + interval '1 hour'");
        assert.equal(await p.b.pruneBodyDeletions(), 0, 'a fresh deletion is kept: a writer may still believe the body stored');
        assert.deepEqual(await deletionRows(p.schema), { deleted: 1 });
        const from = Date.now();
        await setDeletedAt(p.schema, 'now()');
        await until('the deletion pruned by the job', async () => Object.keys(await deletionRows(p.schema)).length === 0);
        assert.ok(Date.now() - from >= 2 * graceMs, `kept ${Date.now() - from} ms, at least twice the grace`);

        // B's "stored" is older than the grace: it asks the object store, finds the body gone and puts it again.
        assert.equal(await p.b.putBlob(bytes), digest);
        await p.b.putCapture(capture('https://bank.example/b2.js', 2_020, digest, 'bob'));
        assert.equal(await everyCaptureHasItsBody(p.a, ['bob']), 2);
        assert.ok(Buffer.from((await p.a.getBlob(digest))!).equals(Buffer.from(bytes)));
      } finally {
        await p.close();
      }
    });
  });
}
