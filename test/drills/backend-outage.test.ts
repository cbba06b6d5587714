/**
 * Drill: `verbatim start --store postgres://… --blobs s3://…` (PostgreSQL 15 and Ceph RGW, both real, both throw-away)
 * under load from virtual browsers and from real Chromium loading pages in a loop, while
 *   (a) PostgreSQL is restarted (pg_ctl stop -m fast, then start: every connection is cut), and
 *   (b) the object store stops answering for 30 s, as the drill says (radosgw frozen with SIGSTOP:
 *       connections are accepted by the kernel and then nothing comes back, the worst kind of unreachable).
 * Asserted after each: every page loaded (status 200 and its own bytes) and none took long; what could not be
 * written is counted (GET /api/status: stored + dropped = responses served) and logged with counts; uploads the
 * store could not take were answered 5xx with a code, never 2xx; recording resumed by itself; and at the end every
 * acknowledged upload is stored, `verbatim verify` passes (no record naming a missing body, no broken chain).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright';
import { launchChromium } from '../../scripts/chromium';
import { RUN_FILE, STATUS_PATH, type StatusSnapshot } from '../../scripts/status';
import { readStored } from '../helpers/drill-check';
import { DrillClient, DrillLedger, runLoad } from '../helpers/drill-load';
import { drillBench } from '../helpers/drill-bench';
import { startPostgres, type PostgresServer } from '../helpers/postgres-server';
import { rgwForFile, rgwSkipReason } from '../helpers/rgw-server';
import { runVerbatim, type RunningVerbatim } from '../helpers/verbatim-process';

const CLIENTS = 4;
const INTERVAL_MS = 50;
/** How long the object store is frozen: the 30 s (OUTAGE_MS=5000 for a quick run while working on the drill). */
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 30_000);
/** Uploads acknowledged before the outages, and after each one (recording resumed): a few show it, more cost time. */
const ACKS_BEFORE = 8;
const ACKS_AFTER = 5;
const DEADLINE_MS = 2_000;
/** A page through the proxy never waits on the store: slower than this during an outage is a failure. */
const SLOW_PAGE_MS = 3_500;

const skip = rgwSkipReason();
const rgw = rgwForFile(skip);
const bench = drillBench('verbatim-drill-outage-');

interface PageLoad { url: string; ok: boolean; ms: number; at: number; why?: string }

/** Real Chromium loading drill pages one after the other, each checked for its status and its own bytes. */
function chromiumLoop(browser: Browser, origin: string): { loads: PageLoad[]; stop(): Promise<void> } {
  const loads: PageLoad[] = [];
  let stopped = false;
  const done = (async () => {
    const page = await browser.newPage();
    for (let n = 0; !stopped; n++) {
      const id = `chr${n}`;
      const url = `${origin}/doc/${id}`;
      const t0 = Date.now();
      try {
        const res = await page.goto(url, { timeout: 10_000, waitUntil: 'load' });
        const body = res ? (await res.body()).toString() : '';
        const ok = res?.status() === 200 && body.includes(`<h1>Account ${id}</h1>`) && body.includes('data-verbatim-token=');
        loads.push({ url, ok, ms: Date.now() - t0, at: Date.now(), ...(ok ? {} : { why: `status ${res?.status()}, ${body.length} bytes` }) });
      } catch (err) {
        loads.push({ url, ok: false, ms: Date.now() - t0, at: Date.now(), why: (err as Error).message.split('\n')[0] });
      }
      await sleep(100);
    }
    await page.close();
  })();
  return { loads, stop: async () => { stopped = true; await done; } };
}

describe('drill: PostgreSQL restart and object store unreachable', { skip }, () => {
  let pgServer: PostgresServer;
  let browser: Browser | undefined;
  before(async () => {
    pgServer = await startPostgres();
  });
  after(async () => {
    await browser?.close();
    await pgServer?.stop();
  });

  /**
   * The status snapshot: from the open viewer's API, or (`dataDir`) as `verbatim status` asks for it, with the token
   * of `<data>/verbatim.run`: a viewer started while its database was down cannot read its accounts, so it is not
   * open, and its API answers 503 until the database is back.
   */
  async function apiStatus(v: RunningVerbatim, dataDir?: string): Promise<StatusSnapshot> {
    const local = dataDir ? JSON.parse(await readFile(path.join(dataDir, RUN_FILE), 'utf8')) as { token: string } : undefined;
    const res = await fetch(`${v.viewerUrl}${local ? STATUS_PATH : '/api/status'}`, local ? { headers: { authorization: `Bearer ${local.token}` } } : {}).catch((err: unknown) => {
      throw new Error(`the viewer did not answer (process ${v.child.exitCode ?? v.child.signalCode ?? 'running'}):\n${v.stderr().slice(-3000)}`, { cause: err });
    });
    assert.equal(res.status, 200);
    return await res.json() as StatusSnapshot;
  }

  /** Polls until the store takes writes again (a probe write landed); how long after `since` that was. */
  async function untilOpen(v: RunningVerbatim, since: number, timeoutMs = 20_000, dataDir?: string): Promise<number> {
    while ((await apiStatus(v, dataDir)).store.state !== 'open') {
      assert.ok(Date.now() - since < timeoutMs, `the store did not recover within ${timeoutMs} ms`);
      await sleep(25);
    }
    return Date.now() - since;
  }

  it('pages load through both outages, failed writes are counted and logged, recording resumes, nothing acknowledged lost, verify passes', async () => {
    const db = await pgServer.createDatabase('outage');
    const storeUrl = pgServer.url(db);
    const server = rgw.server;
    // A 2 s deadline per object store operation (default 5 s), so a short outage in the test outlasts it.
    const blobs = `s3://verbatim-outage?endpoint=${encodeURIComponent(server.endpoint)}&timeout=${DEADLINE_MS}`;
    const env = { AWS_ACCESS_KEY_ID: server.accessKey, AWS_SECRET_ACCESS_KEY: server.secretKey };
    const keys = path.join(bench.dir, 'keys');
    const data = path.join(bench.dir, 'data');
    const args = ['--store', storeUrl, '--blobs', blobs, '--keys', keys];
    const v = await bench.start(data, { args, env });
    const servedAtStart = bench.site.requests();
    const ledger = new DrillLedger();
    const clients = Array.from({ length: CLIENTS }, () => new DrillClient(v.proxyUrl, bench.site.origin, ledger));
    browser = await launchChromium({ server: v.proxyUrl });
    const chrome = chromiumLoop(browser, bench.site.origin);
    const load = runLoad(clients, ledger, { intervalMs: INTERVAL_MS });
    const figures: string[] = [];
    // Where the drill's time goes (it runs alone in the suite: every second counts), printed with the figures.
    const t0 = Date.now();
    const phases: string[] = [];
    const phase = (name: string): void => { phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`); };
    try {
      for (const end = Date.now() + 30_000; ledger.acks.length < ACKS_BEFORE && Date.now() < end;) await sleep(50);
      assert.ok(ledger.acks.length >= ACKS_BEFORE, 'recording before the outages');
      phase('recording');

      // (a) PostgreSQL restarted under load.
      const pgFrom = Date.now();
      const pgPages = chrome.loads.length;
      await pgServer.halt();
      await sleep(300);
      await pgServer.resume();
      const pgBack = Date.now();
      const pgRecoverMs = await untilOpen(v, pgBack);
      const acksAtPgBack = ledger.acks.length;
      for (const end = Date.now() + 10_000; ledger.acks.length < acksAtPgBack + ACKS_AFTER && Date.now() < end;) await sleep(50);
      assert.ok(ledger.acks.length >= acksAtPgBack + ACKS_AFTER, 'recording resumes after the PostgreSQL restart');
      phase('PostgreSQL restarted');
      const afterPg = await apiStatus(v);
      figures.push(`PostgreSQL restart (${pgBack - pgFrom} ms down): ${chrome.loads.length - pgPages} Chromium pages during it and until recovery, `
        + `writable ${pgRecoverMs} ms after it was back; so far ${afterPg.captures.dropped} captures dropped, ${afterPg.uploads.refused} uploads refused`);

      // (b) The object store frozen: it accepts connections and answers nothing.
      const pid = Number(readFileSync(path.join(server.dir, 'run', 'client.rgw.pid'), 'utf8').trim());
      const s3From = Date.now();
      const s3Pages = chrome.loads.length;
      const before = await apiStatus(v);
      execFileSync('kill', ['-STOP', String(pid)]);
      try {
        await sleep(OUTAGE_MS);
      } finally {
        execFileSync('kill', ['-CONT', String(pid)]);
      }
      const s3Back = Date.now();
      phase('object store back');
      const during = await apiStatus(v);
      const s3RecoverMs = await untilOpen(v, s3Back);
      const ackedSince = (): number => ledger.acks.filter((a) => a.ackedAt > s3Back + s3RecoverMs).length;
      for (const end = Date.now() + 10_000; ackedSince() < ACKS_AFTER && Date.now() < end;) await sleep(50);
      const ackedAfter = ackedSince();
      assert.ok(ackedAfter >= ACKS_AFTER, `recording resumes after the object store is back (${ackedAfter} uploads acknowledged since)`);
      phase('recording again');
      figures.push(`object store frozen ${s3Back - s3From} ms: ${chrome.loads.length - s3Pages} Chromium pages, `
        + `${during.captures.dropped - before.captures.dropped} captures dropped and ${during.uploads.refused - before.uploads.refused} uploads refused while down; `
        + `writable ${s3RecoverMs} ms after it answered again (${ackedAfter} uploads acknowledged since)`);
    } finally {
      load.stop();
      await load.done;
      await chrome.stop();
    }

    // Pages: every one loaded, with its own bytes, and quickly.
    assert.deepEqual(ledger.failedPages, [], 'every virtual browser page loads');
    const failed = chrome.loads.filter((l) => !l.ok);
    assert.deepEqual(failed, [], 'every Chromium page loads');
    const slow = chrome.loads.filter((l) => l.ms > SLOW_PAGE_MS);
    assert.deepEqual(slow, [], `no Chromium page takes over ${SLOW_PAGE_MS} ms`);
    assert.ok(chrome.loads.length > 20, `${chrome.loads.length} Chromium pages`);
    const refusals = ledger.refusals;
    for (const r of refusals) assert.ok(r.status >= 500 && /^(STORE_WRITE_FAILED|STORE_NOT_OPEN|OBJECT_STORAGE_FAILED|STORE_SLOW)$/.test(r.code), `refusal ${r.status} ${r.code}`);
    const late = refusals.filter((r) => r.code === 'STORE_SLOW').length;

    // Counted: once the pipeline drained, every response served is a capture stored or one counted dropped.
    let s = await apiStatus(v);
    const served = () => bench.site.requests() - servedAtStart;
    for (const until = Date.now() + 15_000; s.captures.stored + s.captures.dropped < served() && Date.now() < until;) {
      await sleep(100);
      s = await apiStatus(v);
    }
    assert.equal(s.captures.stored + s.captures.dropped, served(), `every response is stored or counted dropped: ${JSON.stringify(s.captures)}`);
    assert.ok(s.uploads.answeredLate >= late && s.uploads.refused >= refusals.length - late,
      `refused uploads counted: ${s.uploads.refused} refused, ${s.uploads.answeredLate} answered late; the clients saw ${refusals.length - late} and ${late}`);
    // Logged, with counts and without secrets.
    const log = v.stderr();
    assert.match(log, /store not writable/);
    assert.match(log, /store writable again after \d+ ms: \d+ captures dropped, \d+ uploads refused, \d+ answered late, \d+ sessions not recorded meanwhile/);
    assert.doesNotMatch(log, new RegExp(server.secretKey));

    phase('counted');
    // Nothing acknowledged lost, nothing half-written.
    const stored = await readStored(v.viewerUrl, ledger.acks.map((a) => a.sessionId));
    const missingAcks = ledger.acks.filter((a) => !stored.get(a.sessionId)?.markers.has(a.marker));
    assert.deepEqual(missingAcks, [], 'uploads acknowledged with 2xx are missing');
    assert.equal((await v.stop()).code, 0, v.stderr());
    const verified = await runVerbatim(['verify', '--data', data, '--store', storeUrl, '--blobs', blobs, '--keys', keys, '--progress=false'], { env });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /^OK: /m);
    phase('verified');

    const times = chrome.loads.map((l) => l.ms).sort((a, b) => a - b);
    figures.push(`${chrome.loads.length} Chromium pages (p50 ${times[Math.floor(times.length / 2)]} ms, max ${times[times.length - 1]} ms), `
      + `${ledger.completions.length} virtual-browser responses, 0 failed; ${s.captures.stored} captures stored, ${s.captures.dropped} dropped (counted); `
      + `${s.uploads.stored} uploads stored, ${s.uploads.refused} refused (5xx), ${s.uploads.answeredLate} answered late (503), ${ledger.acks.length} acknowledged, all found`);
    console.log(log.split('\n').filter((l) => /store (not )?writable/.test(l)).join('\n'));
    console.log(`backend-outage drill:\n  ${figures.join('\n  ')}\n  time since Verbatim started: ${phases.join(', ')}`);
  });

  it('starts degraded while PostgreSQL is down: pages load unrecorded, it connects when PostgreSQL is back; a database that does not exist is refused', async () => {
    const db = await pgServer.createDatabase('start_down');
    const storeUrl = pgServer.url(db);
    const keys = path.join(bench.dir, 'keys-down');
    const data = path.join(bench.dir, 'data-down');
    await pgServer.halt();
    let v: RunningVerbatim;
    try {
      v = await bench.start(data, { args: ['--store', storeUrl, '--keys', keys] });
      const down = await apiStatus(v, data);
      const viewer = await fetch(`${v.viewerUrl}/api/me`);
      assert.equal(viewer.status, 503, 'the viewer is not open while its accounts cannot be read');
      assert.equal(down.store.state, 'degraded');
      assert.match(down.store.state === 'degraded' ? down.store.reason : '', /ENOENT|ECONNREFUSED|connect/);
      assert.match(v.stderr(), /store not writable \(/);
      const ledger = new DrillLedger();
      const client = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
      try {
        for (let i = 0; i < 3; i++) await client.openPage();
        assert.deepEqual(ledger.failedPages, [], 'pages load while PostgreSQL is down');
      } finally {
        client.close();
      }
    } finally {
      await pgServer.resume();
    }
    const back = Date.now();
    const recoverMs = await untilOpen(v, back, 20_000, data);
    const ledger = new DrillLedger();
    const client = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    try {
      await client.openPage();
      for (let i = 0; i < 3; i++) await client.upload();
      assert.equal(ledger.acks.length, 3, `uploads are stored once PostgreSQL is back: ${JSON.stringify(ledger.refusals)}`);
    } finally {
      client.close();
    }
    // The line comes from a 250 ms poll of the store's health (scripts/outage-log.ts): wait for it, not for a guess.
    for (const end = Date.now() + 2_000; !/store writable again after \d+ ms/.test(v.stderr()) && Date.now() < end;) await sleep(25);
    assert.match(v.stderr(), /store writable again after \d+ ms/);
    assert.equal((await v.stop()).code, 0, v.stderr());
    console.log(`start degraded: writable ${recoverMs} ms after PostgreSQL was back`);

    // Not a server that is down but a configuration that is wrong: refused at once, with the reason.
    const wrong = await runVerbatim(['start', '--data', path.join(bench.dir, 'data-wrong'), '--proxy-port', '0', '--viewer-port', '0', '--store', pgServer.url('no_such_db'), '--keys', keys]);
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(wrong.stderr, /STORE_NOT_OPEN.*PostgreSQL store/);
  });
});
