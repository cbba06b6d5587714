/**
 * `verbatim start --store postgres://…` through the built CLI: two instances with their own data dirs and one shared
 * key dir record pages from real Chromium into one PostgreSQL store (nothing under <data>/store), then
 * `verbatim verify --store postgres://…` passes. An instance with other keys is refused with SIGNING_KEY_MISMATCH, and
 * `--blobs` with a scheme this build has no object storage for is refused before anything listens.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { launchChromium } from '../../scripts/chromium';
import { startDrillSite, type DrillSite } from '../helpers/drill-site';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { runVerbatim, startVerbatim, type RunningVerbatim } from '../helpers/verbatim-process';

describe('verbatim --store postgres://', () => {
  let server: PostgresServer;
  let site: DrillSite;
  let dir: string;
  let db: string;
  const running: RunningVerbatim[] = [];
  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('cli_store');
    site = await startDrillSite();
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-pg-store-cli-'));
  });
  after(async () => {
    for (const v of running) if (v.child.exitCode === null && v.child.signalCode === null) await v.stop();
    await site?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const count = async (sql: string): Promise<number> => {
    const c = new pg.Client(server.config(db));
    await c.connect();
    try {
      return Number((await c.query(sql)).rows[0].n);
    } finally {
      await c.end();
    }
  };

  /** Loads a drill page through an instance's proxy in Chromium and waits until its recorder upload is stored. */
  async function recordPage(v: RunningVerbatim, id: string): Promise<void> {
    const before = await count("SELECT count(*) AS n FROM verbatim_store.records WHERE kind = 'events'");
    const browser = await launchChromium({ server: v.proxyUrl });
    try {
      const page = await browser.newPage();
      await page.goto(`${site.origin}/doc/${id}`);
      await page.mouse.move(20, 20);
      await page.mouse.click(30, 40);
      for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
        if (await count("SELECT count(*) AS n FROM verbatim_store.records WHERE kind = 'events'") > before) return;
      }
      assert.fail(`no recorder upload of /doc/${id} reached PostgreSQL`);
    } finally {
      await browser.close();
    }
  }

  it('two instances record into one PostgreSQL store and verify passes', async () => {
    const url = server.url(db);
    const keys = path.join(dir, 'keys');
    const a = await startVerbatim(path.join(dir, 'a'), { args: ['--store', url, '--keys', keys] });
    running.push(a);
    const b = await startVerbatim(path.join(dir, 'b'), { args: ['--store', url, '--keys', keys] });
    running.push(b);
    await recordPage(a, 'pg-a');
    // A seals at stop; B, still running, then records and seals the next checkpoint of the same log.
    assert.equal((await a.stop()).code, 0, a.stderr());
    await recordPage(b, 'pg-b');
    assert.equal((await b.stop()).code, 0, b.stderr());

    assert.equal(await count("SELECT count(*) AS n FROM verbatim_store.records WHERE kind = 'capture' AND url LIKE '%/doc/pg-_'"), 2);
    assert.equal(await count("SELECT count(*) AS n FROM verbatim_store.records WHERE kind = 'session'"), 2);
    assert.equal(await count('SELECT count(*) AS n FROM verbatim_store.checkpoints'), 2, 'each instance sealed at stop, one log');
    // Feed seqs 1..N with no gap although two processes wrote.
    assert.equal(await count('SELECT max(seq) - count(*) AS n FROM verbatim_store.feed'), 0);
    for (const data of ['a', 'b']) await assert.rejects(stat(path.join(dir, data, 'store')), { code: 'ENOENT' });
    await assert.rejects(stat(path.join(dir, 'a', 'ca')), { code: 'ENOENT' }, 'the CA is in the shared key dir');
    assert.ok((await stat(path.join(keys, 'ca', 'verbatim-ca.key'))).isFile());

    const verified = await runVerbatim(['verify', '--data', path.join(dir, 'a'), '--store', url, '--keys', keys, '--progress=false']);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^OK: PostgreSQL store .* verifies\. 2 chains/m);

    // The evidence file of a session comes out of the shared store and verifies on its own.
    const c = new pg.Client(server.config(db));
    await c.connect();
    const { rows } = await c.query("SELECT session_id FROM verbatim_store.records WHERE kind = 'capture' AND url LIKE '%/doc/pg-b'").finally(() => c.end());
    const html = path.join(dir, 'evidence.html');
    const exported = await runVerbatim(['export', rows[0].session_id, '--out', html, '--data', path.join(dir, 'b'), '--store', url, '--keys', keys, '--progress=false']);
    assert.equal(exported.code, 0, exported.stdout + exported.stderr);
    const checked = await runVerbatim(['verify', '--file', html]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.match(checked.stdout, /^OK: evidence file/m);
  });

  it('refuses an instance whose signing key is not the store\'s', async () => {
    const started = startVerbatim(path.join(dir, 'c'), { args: ['--store', server.url(db)] });
    await assert.rejects(started.then(async (v) => { running.push(v); await v.stop(); }), /SIGNING_KEY_MISMATCH/);
  });

  it('refuses --blobs with a scheme it has no object storage for, and --blobs without --store', async () => {
    const r = await runVerbatim(['start', '--data', path.join(dir, 'd'), '--store', server.url(db), '--blobs', 'gs://bucket', '--proxy-port', '0', '--viewer-port', '0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--blobs gs:\/\/… is not supported by this build \(known: s3:\)/);
    const alone = await runVerbatim(['start', '--data', path.join(dir, 'd'), '--blobs', 's3://bucket', '--proxy-port', '0', '--viewer-port', '0']);
    assert.notEqual(alone.code, 0);
    assert.match(alone.stderr, /--blobs goes with --store/);
  });
});
