/**
 * Jobs run once across instances: two processes over one PostgreSQL store run the same leader job (leader-job.ts
 * with PgLeadership); exactly one of them runs it, once per period; kill -9 the leader and the other takes over
 * within the retry interval. Also the schedule itself, and that a single-writer store always leads.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server';
import { startLeaderJob } from '../leader-job';
import type { Leadership } from '../leadership';
import { MemoryStore } from '../memory/memory-store';
import { PostgresStore } from '../postgres/index';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'leader-instance.ts');
const EVERY_MS = 1_000;
const RETRY_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run { name: string; at: number }

describe('leadership over PostgreSQL (two instances)', () => {
  let server: PostgresServer;
  let db: string;
  let dir: string;
  const children: ChildProcess[] = [];
  before(async () => {
    server = await startPostgres();
    db = await server.createDatabase('leaders');
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-leaders-'));
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (name: string, file: string): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(server.config(db)), 'leaders', name, file, String(EVERY_MS), String(RETRY_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      child.once('exit', (code) => reject(new Error(`instance ${name} exited (${code}): ${err}`)));
    });
    return child;
  };
  const runs = async (file: string): Promise<Run[]> => (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
    .map((l) => { const [name, at] = l.split(' '); return { name: name!, at: Number(at) }; });
  /**
   * One run per period: run k falls in the k-th period after the first (on the slot, or late by at most a retry
   * interval plus scheduling delay on a busy machine), so no period has two runs or none.
   */
  const assertOnePerPeriod = (list: Run[]) => {
    for (const [k, run] of list.entries()) {
      const late = run.at - (list[0]!.at + k * EVERY_MS);
      assert.ok(late >= -20 && late <= RETRY_MS + 300, `run ${k} is ${late} ms off its period's start`);
    }
  };

  it('runs the job on one instance, once per period, and hands it over when the leader is killed', async () => {
    const file = path.join(dir, 'runs.log');
    const a = await start('a', file);
    const b = await start('b', file);
    await sleep(3_300);
    const before = await runs(file);
    assert.deepEqual([...new Set(before.map((r) => r.name))], ['a'], 'only the first instance ran the job');
    // Runs since the first instance started (before the second was up): a period apart, none missing at the end.
    assert.ok(before.length >= 4, `${before.length} runs`);
    assert.ok(Date.now() - before[before.length - 1]!.at < EVERY_MS + RETRY_MS, 'the last period ran');
    assertOnePerPeriod(before);

    const killedAt = Date.now();
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    await sleep(2_700);
    const all = await runs(file);
    const afterKill = all.slice(before.length);
    assert.ok(all.slice(0, before.length).every((r) => r.name === 'a'));
    assert.deepEqual([...new Set(afterKill.map((r) => r.name))], ['b'], 'the survivor runs it, the killed one never again');
    const takeover = afterKill[0]!.at - killedAt;
    assert.ok(takeover <= RETRY_MS + 150, `taken over ${takeover} ms after the kill (retry interval ${RETRY_MS} ms)`);
    assert.equal(afterKill.length, 3, `${afterKill.length} runs in the 2.7 periods after the kill`);
    assertOnePerPeriod(afterKill);
    process.stdout.write(`# leader a: ${before.length} runs; killed; b took over after ${takeover} ms and ran ${afterKill.length}\n`);
    b.kill('SIGTERM');
  });

  it('gives the lead up on close, and a second store on the same schema takes it', async () => {
    const make = () => new PostgresStore({ connection: server.config(db), schema: 'leaders' });
    const [one, two] = [make(), make()];
    await one.open();
    await two.open();
    try {
      assert.equal(await one.leadership('expiry').lead(), true);
      assert.equal(await two.leadership('expiry').lead(), false);
      assert.equal(await two.leadership('review-schedule').lead(), true, 'each job has its own lead');
      assert.equal(await one.leadership('expiry').lead(), true, 'asking again keeps it');
      await one.close();
      assert.equal(await two.leadership('expiry').lead(), true);
    } finally {
      await two.close();
    }
  });
});

describe('leader job schedule', () => {
  it('runs only while leading, first after firstAfterMs, then every period, and restarts the schedule on a new lead', async () => {
    let leading = false;
    let released = 0;
    const leadership: Leadership = { job: 'j', lead: () => Promise.resolve(leading), release: async () => { released += 1; } };
    let t = 0;
    const ran: number[] = [];
    const job = startLeaderJob({ leadership, everyMs: 100, retryMs: 10, firstAfterMs: 30, now: () => t, run: async () => { ran.push(t); }, onError: (err) => assert.fail(String(err)) });
    const at = async (ms: number) => { t = ms; await sleep(25); };
    await at(0);
    await at(50);
    assert.deepEqual(ran, [], 'a follower never runs');
    leading = true;
    await at(60);
    await at(80);
    await at(90);
    await at(185);
    await at(195);
    leading = false;
    await at(290);
    leading = true;
    await at(300);
    await at(330);
    await job.stop();
    assert.deepEqual(ran, [90, 195, 330]);
    assert.equal(released, 1);
  });

  it('a single-writer store always leads', async () => {
    assert.equal(await new MemoryStore().leadership('expiry').lead(), true);
  });
});
