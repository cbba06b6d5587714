/**
 * Two `verbatim start` instances (each its own data dir, both given the first-admin password) over
 * one PostgreSQL store act as one viewer: one first admin; a user an administrator adds on A signs in on B at once; a
 * kiosk terminal enrolled with `verbatim terminals add` on A's data dir is listed by B's admin screen; a cookie one
 * instance issued works on the other, and a sign-out or a CLI password change ends it on both; failed sign-ins on
 * one slow the user name down on the other until an administrator lifts it; both instances
 * append to one audit trail, including 40 audited requests at once from both, and its hash chain verifies with dense
 * seqs. Nothing of it lands in the data dirs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { AuditLog } from '../../replay-viewer/auth/audit-log';
import { RESULT_FORMAT, SharedReviewRepository, type SignedReviewResult } from '../../replay-viewer/reviews/index';
import { PostgresStore } from '../../store/postgres/index';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { runVerbatim, startVerbatim, type RunningVerbatim } from '../helpers/verbatim-process';

const ADMIN_PASSWORD = 'correct horse battery staple';

describe('verbatim --store postgres://: accounts, terminals, reviews and the audit trail shared by instances', () => {
  let server: PostgresServer;
  let dir: string;
  let url: string;
  const running: RunningVerbatim[] = [];
  before(async () => {
    server = await startPostgres();
    url = server.url(await server.createDatabase('shared_state'));
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-shared-state-'));
  });
  after(async () => {
    for (const v of running) if (v.child.exitCode === null && v.child.signalCode === null) await v.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Signs in over JSON: the session cookie and CSRF token, or the refusal's status. */
  async function signIn(viewer: string, username: string, password: string): Promise<{ status: number; cookie?: string; csrf?: string }> {
    const res = await fetch(`${viewer}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    const body = await res.json() as { csrf?: string };
    const cookie = res.headers.get('set-cookie')?.split(';')[0];
    return { status: res.status, ...(cookie ? { cookie } : {}), ...(body.csrf ? { csrf: body.csrf } : {}) };
  }

  it('a user added on A signs in on B; a terminal enrolled by the CLI is seen by B; one audit chain verifies', async () => {
    const keys = path.join(dir, 'keys');
    const [dataA, dataB] = [path.join(dir, 'a'), path.join(dir, 'b')];
    // Both with the first-admin password: A creates it, B finds it in the store. (One after the other, so that it is
    // A that creates it; instances starting together agree on one CA: proxy/test/ca.test.ts.)
    const start = (data: string) => startVerbatim(data, { args: ['--store', url, '--keys', keys], env: { VERBATIM_ADMIN_PASSWORD: ADMIN_PASSWORD } });
    const a = await start(dataA);
    running.push(a);
    // While B starts, the CLI on A's data dir enrols a kiosk terminal in the same store.
    const [b, enrolled] = await Promise.all([start(dataB), runVerbatim(['terminals', 'add', 'kiosk-7', '--data', dataA, '--store', url])]);
    running.push(b);
    assert.equal(enrolled.code, 0, enrolled.stderr);

    const admin = await signIn(a.viewerUrl, 'admin', ADMIN_PASSWORD);
    assert.equal(admin.status, 200);
    const added = await fetch(`${a.viewerUrl}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie!, 'x-verbatim-csrf': admin.csrf!, origin: a.viewerUrl },
      body: JSON.stringify({ name: 'alice', role: 'analyst', password: 'alice has a long password' }),
    });
    assert.equal(added.status, 201, await added.text());

    // No wait: sign-in reads the accounts afresh.
    assert.equal((await signIn(b.viewerUrl, 'alice', 'not her password at all')).status, 401);
    const alice = await signIn(b.viewerUrl, 'alice', 'alice has a long password');
    assert.equal(alice.status, 200);

    // B's admin screen lists the terminal the CLI enrolled, and alice.
    const adminOnB = await signIn(b.viewerUrl, 'admin', ADMIN_PASSWORD);
    const onB = async (p: string) => (await fetch(`${b.viewerUrl}${p}`, { headers: { cookie: adminOnB.cookie! } })).json() as Promise<Record<string, { id?: string; name?: string; role?: string }[]>>;
    assert.deepEqual((await onB('/api/admin/terminals')).terminals!.map((t) => t.id), ['kiosk-7']);
    assert.deepEqual((await onB('/api/users')).users!.map((u) => `${u.name} ${u.role}`).sort(), ['admin admin', 'alice analyst']);

    // 40 audited reads at once, half on each instance (administrators read no recordings: alice on both): every
    // append lands once, at its own seq.
    const aliceOnA = await signIn(a.viewerUrl, 'alice', 'alice has a long password');
    const reads = await Promise.all(Array.from({ length: 40 }, (_, i) => i % 2
      ? fetch(`${a.viewerUrl}/api/sessions?q=a${i}`, { headers: { cookie: aliceOnA.cookie! } })
      : fetch(`${b.viewerUrl}/api/sessions?q=b${i}`, { headers: { cookie: alice.cookie! } })));
    assert.deepEqual(reads.map((r) => r.status), reads.map(() => 200));
    await Promise.all(reads.map((r) => r.arrayBuffer()));

    // Signed-in sessions are the instances' together: a cookie B issued works on A, a sign-out on A ends it on B,
    // and a password set by the CLI ends the user's other sessions on both (within the 2 s shared-state refresh).
    const me = async (viewer: string, cookie: string) => (await fetch(`${viewer}/api/me`, { headers: { cookie } })).status;
    const refusedWithin = async (viewer: string, cookie: string): Promise<number> => {
      const t0 = Date.now();
      while (await me(viewer, cookie) !== 401) {
        assert.ok(Date.now() - t0 < 4_000, `${viewer} still accepts the session ${Date.now() - t0} ms after it ended`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return Date.now() - t0;
    };
    assert.equal(await me(a.viewerUrl, alice.cookie!), 200, 'B\'s cookie is accepted by A');
    const out = await fetch(`${a.viewerUrl}/auth/logout`, { method: 'POST', headers: { cookie: alice.cookie!, 'x-verbatim-csrf': alice.csrf!, origin: a.viewerUrl } });
    assert.equal(out.status, 200, await out.text());
    assert.equal(await me(a.viewerUrl, alice.cookie!), 401, 'signed out where it was asked');
    const signOutMs = await refusedWithin(b.viewerUrl, alice.cookie!);
    assert.equal(await me(b.viewerUrl, aliceOnA.cookie!), 200, 'her other session goes on');
    const passwd = await runVerbatim(['users', 'passwd', 'alice', '--data', dataA, '--store', url], { input: 'alice has a new long password\n' });
    assert.equal(passwd.code, 0, passwd.stderr);
    const passwdMs = Math.max(await refusedWithin(a.viewerUrl, aliceOnA.cookie!), await refusedWithin(b.viewerUrl, aliceOnA.cookie!));
    assert.equal((await signIn(b.viewerUrl, 'alice', 'alice has a new long password')).status, 200);
    console.log(`# shared sign-in sessions: a sign-out on A refused on B after ${signOutMs} ms, a CLI password change on both after ${passwdMs} ms`);

    const store = new PostgresStore({ connection: url });
    await store.open();
    try {
      const audit = await AuditLog.open(store.sharedState());
      const entries = (await audit.query()).reverse();
      const verified = await audit.verify();
      assert.deepEqual(verified, { ok: true, entries: entries.length });
      assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
      const summary = entries.map((e) => `${e.actor} ${e.action} ${e.outcome}${e.details?.change ? ` ${String(e.details.change)}` : ''}`);
      const once = (line: string) => summary.filter((s) => s === line).length;
      assert.equal(once('verbatim config ok first-admin-created'), 1, 'B did not create a second first admin');
      assert.equal(once('admin config ok user-added'), 1);
      assert.equal(once('alice sign-in failed'), 1);
      assert.equal(once('alice sign-in ok'), 3);
      assert.equal(once('alice sign-out ok'), 1);
      assert.equal(once('cli config ok password-set'), 1);
      assert.equal(once('admin sign-in ok'), 2);
      assert.equal(entries.filter((e) => e.action === 'search' && e.actor === 'alice' && /^a/.test(String(e.details?.q))).length, 20);
      assert.equal(entries.filter((e) => e.action === 'search' && e.actor === 'alice' && /^b/.test(String(e.details?.q))).length, 20);

      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const { rows } = await c.query("SELECT count(*)::int AS n, max(seq)::int AS top FROM verbatim_store.logs WHERE name = 'audit'");
        assert.deepEqual(rows[0], { n: entries.length, top: entries.length });
        const docs = await c.query('SELECT name FROM verbatim_store.documents ORDER BY name');
        assert.deepEqual(docs.rows.map((r) => r.name), ['sign-in-failures', 'terminals', 'viewer-accounts', 'viewer-signouts']);
        // Hashes only: scrypt for passwords, SHA-256 for the terminal token.
        const text = (await c.query('SELECT string_agg(value, \'\') AS t FROM verbatim_store.documents')).rows[0].t as string;
        assert.ok(!text.includes('alice has a long password') && !text.includes(ADMIN_PASSWORD));
        // Failed sign-ins are counted under an HMAC of the name typed, never the name itself.
        const failures = (await c.query("SELECT value FROM verbatim_store.documents WHERE name = 'sign-in-failures'")).rows[0].value as string;
        assert.ok(failures.length > 2 && !failures.includes('alice'), failures);
        assert.match(text, /"tokenHash":"[0-9a-f]{64}"/);
      } finally {
        await c.end();
      }
    } finally {
      await store.close();
    }
    for (const data of [dataA, dataB]) {
      const files = await readdir(data);
      assert.deepEqual(files.filter((f) => /^(viewer-accounts|terminals|audit)\./.test(f)), [], `${data} holds no accounts, terminals or audit trail`);
    }

    // Wrong passwords for one user name on A slow its sign-in on B too (a guesser gets no more tries from a second
    // viewer), and an administrator's unlock on A lifts it on B.
    // Five are free; the sixth waits 1 s and then makes the next wait 2 s. The pause also lets B's read of the shared
    // counts go stale (2 s), so B's next sign-in reads them.
    for (let i = 0; i < 5; i++) assert.equal((await signIn(a.viewerUrl, 'admin', `wrong password ${i}`)).status, 401);
    await new Promise((r) => setTimeout(r, 2_100));
    assert.equal((await signIn(a.viewerUrl, 'admin', 'wrong password 5')).status, 401);
    assert.equal((await signIn(b.viewerUrl, 'admin', ADMIN_PASSWORD)).status, 429, 'B counts A\'s failures');
    const unlock = await fetch(`${a.viewerUrl}/api/users/admin/unlock`, { method: 'POST', headers: { cookie: admin.cookie!, 'x-verbatim-csrf': admin.csrf!, origin: a.viewerUrl } });
    assert.equal(unlock.status, 200, await unlock.text());
    await new Promise((r) => setTimeout(r, 2_100));
    assert.equal((await signIn(b.viewerUrl, 'admin', ADMIN_PASSWORD)).status, 200, 'unlocked on A, so on B');
  });

  it('reviews: a search saved and a run kept on one instance are listed, read and marked on the other', async () => {
    const [one, two] = [new PostgresStore({ connection: url }), new PostgresStore({ connection: url })];
    await one.open();
    await two.open();
    try {
      const [a, b] = [new SharedReviewRepository(one.sharedState()), new SharedReviewRepository(two.sharedState())];
      const search = { id: 'S1', name: 'Card disputes', query: 'dispute', schedule: 'daily' as const, owner: 'carol', createdAt: 1, updatedAt: 1 };
      await Promise.all([a.putSearch(search), b.putSearch({ ...search, id: 'S2', name: 'Other' })]);
      assert.deepEqual((await b.listSearches()).map((x) => x.id).sort(), ['S1', 'S2'], 'both saves landed');
      await b.putSearch({ ...search, scheduleNext: 86_400_000 });
      assert.equal((await a.getSearch('S1'))?.scheduleNext, 86_400_000, 'the schedule\'s next period, as the leader saved it');

      const run: SignedReviewResult = {
        result: {
          format: RESULT_FORMAT, runId: 'Run_Upper-1', savedSearch: { id: 'S1', name: 'Card disputes', query: 'dispute' },
          period: { from: 0, to: 86_400_000 }, ranAt: 5, ranBy: 'scheduler', trigger: 'schedule', indexCursor: 9, count: 1, truncated: false,
          rows: [{ sessionId: 's', startedAt: 2, channel: 'proxy', customerLinked: false, firstMatchAt: 3, matchCount: 1, replay: '/sessions/s' }],
        },
        signature: { note: 'verbatim.local/review-result\nRun_Upper-1\n', verifierKey: 'k' },
      };
      assert.equal(await a.putRun(run), true);
      assert.equal(await b.putRun(run), false, 'a run is kept once');
      assert.equal((await b.getRun('Run_Upper-1'))?.text, JSON.stringify(run), 'the exact text the signature is checked on');
      assert.deepEqual((await b.listRuns('S1')).map((r) => r.runId), ['Run_Upper-1']);
      await Promise.all([
        a.addMark('Run_Upper-1', { sessionId: 's', status: 'reviewed', note: '', by: 'carol', at: 6 }),
        b.addMark('Run_Upper-1', { sessionId: 's', status: 'flagged', note: 'x', by: 'dave', at: 7 }),
      ]);
      assert.deepEqual((await a.marks('Run_Upper-1')).map((m) => m.by).sort(), ['carol', 'dave']);
      assert.equal(await a.deleteSearch('S2'), true);
      assert.equal(await b.deleteSearch('S2'), false);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
