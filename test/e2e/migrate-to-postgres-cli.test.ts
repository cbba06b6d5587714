/**
 * `verbatim migrate --from DIR --to postgres://…` through the built CLI on sessions recorded by the real proxy in
 * Chromium into the embedded LevelDB store: the copy says where the instances must find the keys, `verbatim verify
 * --store` passes on it with the same checkpoints, and a second run is refused (MIGRATION_TARGET_NOT_EMPTY). The
 * old-format `verbatim migrate` (no --to) is scripts/migrate.test.ts's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { launchChromium } from '../../scripts/chromium';
import { startDrillSite, type DrillSite } from '../helpers/drill-site';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { runVerbatim, startVerbatim, statusOf, type RunningVerbatim } from '../helpers/verbatim-process';

describe('verbatim migrate --to postgres:// (CLI)', () => {
  let server: PostgresServer;
  let site: DrillSite;
  let dir: string;
  let db: string;
  let running: RunningVerbatim | undefined;
  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('cli_migrate');
    site = await startDrillSite();
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-migrate-cli-'));
  });
  after(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) await running.stop();
    await site?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const count = async (sql: string): Promise<number> => {
    const c = new pg.Client(server.config(db));
    await c.connect();
    try { return Number((await c.query(sql)).rows[0].n); } finally { await c.end(); }
  };

  it('copies recorded sessions; verify passes on both sides with the same checkpoints', async () => {
    const data = path.join(dir, 'data');
    running = await startVerbatim(data);
    const browser = await launchChromium({ server: running.proxyUrl });
    try {
      for (const id of ['mig-a', 'mig-b']) {
        const page = await browser.newPage();
        await page.goto(`${site.origin}/doc/${id}`);
        await page.mouse.move(20, 20);
        await page.mouse.click(30, 40);
      }
      const stored = async (): Promise<number> => (await statusOf(data)).snapshot?.uploads.stored ?? 0;
      for (const end = Date.now() + 20_000; (await stored()) < 2; await new Promise((r) => setTimeout(r, 200))) {
        if (Date.now() > end) assert.fail('the recorder uploads never reached the store');
      }
    } finally {
      await browser.close();
    }
    assert.equal((await running.stop()).code, 0, running.stderr());

    const local = await runVerbatim(['verify', '--data', data, '--progress=false']);
    assert.equal(local.code, 0, local.stdout + local.stderr);
    const url = server.url(db);
    const migrated = await runVerbatim(['migrate', '--from', data, '--to', url, '--progress=false']);
    assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
    assert.match(migrated.stdout, /^Finished the copy into the PostgreSQL store .* \d+ records, \d+ bodies, \d+ chain links over \d+ chains/m);
    assert.ok(migrated.stdout.includes(`--keys ${path.join(data, 'keys')}`), migrated.stdout);
    assert.equal(await count("SELECT count(*) AS n FROM verbatim_store.records WHERE kind = 'capture' AND url LIKE '%/doc/mig-_'"), 2);
    assert.equal(await count("SELECT count(*) AS n FROM verbatim_store.meta WHERE key LIKE 'migrate/cursor'"), 0);

    const remote = await runVerbatim(['verify', '--data', path.join(dir, 'other'), '--store', url, '--keys', path.join(data, 'keys'), '--progress=false']);
    assert.equal(remote.code, 0, remote.stdout + remote.stderr);
    // The same chains and the same newest checkpoint: the summary line after the label is identical.
    const summary = (out: string): string => /verifies\.(.*)$/m.exec(out)?.[1] ?? `no summary in ${out}`;
    assert.equal(summary(remote.stdout), summary(local.stdout));

    const again = await runVerbatim(['migrate', '--from', data, '--to', url, '--progress=false']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /MIGRATION_TARGET_NOT_EMPTY|finished migration/);
  });
});
