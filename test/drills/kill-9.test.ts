/**
 * Drill: `verbatim start` (the built CLI, a child process) killed with SIGKILL at random moments under load, then
 * restarted, several times. After each kill:
 *   - every recorder upload acknowledged with 2xx is in the store (read back through the restarted viewer's API),
 *   - no response that completed more than 250 ms before the kill is missing from the store,
 *   - `verbatim verify` finds no problem (notes, such as records after the last checkpoint, are allowed),
 * and nothing found after one kill is missing after a later one. The loss window (age of the oldest missing capture
 * at the kill) is printed per kill; README "Crashes and full disks" states it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lossReport, readStored } from '../helpers/drill-check';
import { DrillClient, DrillLedger, runLoad } from '../helpers/drill-load';
import { startDrillSite, type DrillSite } from '../helpers/drill-site';
import { startVerbatim, verifyDataDir, type RunningVerbatim } from '../helpers/verbatim-process';

const KILLS = 5;
/** 8 clients, one step each every ~40 ms: about 200 requests and uploads a second, below what the proxy takes on
 * this machine, so the drill measures the write path rather than a backlog. */
const CLIENTS = 8;
const INTERVAL_MS = 40;
const WINDOW_MS = 250;

let dir: string;
let site: DrillSite;
let verbatim: RunningVerbatim | undefined;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-drill-kill-'));
  site = await startDrillSite();
});

after(async () => {
  if (verbatim && verbatim.child.exitCode === null && verbatim.child.signalCode === null) await verbatim.stop();
  await site?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('drill: kill -9 under load', () => {
  it(`loses no acknowledged upload and no capture older than ${WINDOW_MS} ms, over ${KILLS} kills; verify passes after each`, async () => {
    const data = path.join(dir, 'data');
    verbatim = await startVerbatim(data);
    const ledger = new DrillLedger();
    const clients = Array.from({ length: CLIENTS }, () => new DrillClient(verbatim!.proxyUrl, site.origin, ledger));
    const everFound = new Set<string>();
    const figures: string[] = [];
    let cycleStart = Date.now();
    try {
      for (let kill = 1; kill <= KILLS; kill++) {
        const load = runLoad(clients, ledger, { intervalMs: INTERVAL_MS });
        // A random moment once the load is well under way.
        await sleep(1_200 + Math.random() * 1_500);
        const killAt = await verbatim.crash();
        load.stop();
        await load.done;

        const verified = await verifyDataDir(data);
        assert.ok(verified.ok, `verify after kill ${kill}:\n${verified.output}`);

        verbatim = await startVerbatim(data);
        for (const c of clients) c.useProxy(verbatim.proxyUrl);
        const stored = await readStored(verbatim.viewerUrl, [...ledger.completions, ...ledger.acks].map((x) => x.sessionId));
        const cycle = {
          acks: ledger.acks,
          completions: ledger.completions.filter((c) => c.completedAt > cycleStart),
        };
        const report = lossReport(cycle, stored, killAt, WINDOW_MS);
        figures.push(`kill ${kill}: uploads acknowledged ${report.acked} (all so far), found ${report.ackedFound}; `
          + `responses completed this round ${report.completed}, stored ${report.completedFound}, missing ${report.missing.length}; `
          + `loss window ${report.lossWindowMs} ms`);
        assert.deepEqual(report.missingAcks, [], `kill ${kill}: acknowledged uploads missing`);
        assert.deepEqual(report.late.map((m) => `${m.url} completed ${m.ageMs} ms before the kill`), [],
          `kill ${kill}: captures older than ${WINDOW_MS} ms lost`);
        // What one restart found, no later crash may take away.
        for (const c of ledger.completions) {
          const key = `${c.sessionId} ${c.url}`;
          const there = stored.get(c.sessionId)?.captureUrls.has(c.url) ?? false;
          if (everFound.has(key)) assert.ok(there, `kill ${kill}: ${c.url} was stored after an earlier kill and is gone now`);
          if (there) everFound.add(key);
        }
        cycleStart = Date.now();
      }
      assert.ok(ledger.acks.length > 50 && ledger.completions.length > 200, `too little load to prove anything: ${ledger.acks.length} uploads, ${ledger.completions.length} responses`);
    } finally {
      for (const c of clients) c.close();
      console.log(`kill -9 drill (${CLIENTS} clients):\n  ${figures.join('\n  ')}\n  transport errors at kills: ${ledger.transportErrors}`);
    }
    const stopped = await verbatim.stop();
    assert.equal(stopped.code, 0, verbatim.stderr());
    const final = await verifyDataDir(data);
    assert.ok(final.ok, final.output);
  });
});
