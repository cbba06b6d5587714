/**
 * `--search postgres://…` through the built CLI: `verbatim reindex` and `verbatim start` put the index in PostgreSQL
 * (its schema appears, the cursor is kept there, nothing under <data>/search), and a password on the command line is
 * refused without being echoed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { runVerbatim, startVerbatim } from '../../../test/helpers/verbatim-process';

describe('verbatim --search postgres://', () => {
  let server: PostgresServer;
  let dir: string;
  let db: string;
  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('cli');
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-pg-cli-'));
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const query = async (text: string) => {
    const c = new pg.Client(server.config(db));
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  };

  it('reindexes into and starts with the PostgreSQL index', async () => {
    const data = path.join(dir, 'data');
    const url = `${server.url(db)}&schema=cli_idx`;
    const r = await runVerbatim(['reindex', '--data', data, '--search', url, '--progress=false']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /search index rebuilt up to change \d+/);
    assert.deepEqual((await query("SELECT value FROM cli_idx.meta WHERE key = 'schema'")).map((x) => x.value), ['1']);
    await assert.rejects(stat(path.join(data, 'search')), { code: 'ENOENT' });

    const v = await startVerbatim(data, { args: ['--search', url] });
    try {
      // Two: the viewer's searches on the main thread, and the search worker's writes.
      let apps = 0;
      for (const end = Date.now() + 15_000; apps < 2 && Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
        apps = (await query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))[0].n;
      }
      assert.ok(apps >= 2, `verbatim start and its search worker hold connections to the index (${apps})`);
      assert.doesNotMatch(v.stderr(), /search is off|search worker stopped/);
    } finally {
      assert.equal((await v.stop()).code, 0);
    }
    await assert.rejects(stat(path.join(data, 'search')), { code: 'ENOENT' });
  });

  it('refuses a password in the flag and does not echo it', async () => {
    const r = await runVerbatim(['start', '--data', path.join(dir, 'other'), '--search', 'postgres://verbatim:Sekr1tPw@db.invalid/verbatim']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /must not carry a password/);
    assert.doesNotMatch(r.stderr + r.stdout, /Sekr1tPw/);
  });
});
