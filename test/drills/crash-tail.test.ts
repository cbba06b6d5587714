/**
 * Sealing the tail: records after the last signed checkpoint are covered by the next start after a crash, and by a
 * clean stop (SIGTERM) however short the session was (the periodic seal runs every minute).
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DrillClient, DrillLedger, runLoad } from '../helpers/drill-load';
import { drillBench } from '../helpers/drill-bench';
import { verifyDataDir } from '../helpers/verbatim-process';

const UNSEALED = /records after the last checkpoint/;

const bench = drillBench('verbatim-drill-seal-');
const start = bench.start;

/** "N chained records" and "latest checkpoint #S (C chains, R records" from verify's summary line. */
function sealedCounts(output: string): { chained: number; sealed: number } {
  const chained = Number(/(\d+) chained records/.exec(output)?.[1] ?? NaN);
  const sealed = Number(/latest checkpoint #\d+ \(\d+ chains, (\d+) records/.exec(output)?.[1] ?? NaN);
  return { chained, sealed };
}

describe('drill: sealing the tail', () => {
  it('the start after a kill -9 seals the records the crash left unsealed', async () => {
    const data = path.join(bench.dir, 'crash');
    const ledger = new DrillLedger();
    // A first run stopped cleanly leaves a checkpoint; the second is killed with records after it.
    let v = await start(data);
    for (const stopHow of ['stop', 'crash'] as const) {
      const clients = Array.from({ length: 4 }, () => new DrillClient(v.proxyUrl, bench.site.origin, ledger));
      await runLoad(clients, ledger, { intervalMs: 40, durationMs: 1_500 }).done;
      for (const c of clients) c.close();
      if (stopHow === 'stop') {
        assert.equal((await v.stop()).code, 0, v.stderr());
        v = await start(data);
      } else {
        await v.crash();
      }
    }

    const crashed = await verifyDataDir(data);
    assert.ok(crashed.ok, crashed.output);
    const left = sealedCounts(crashed.output);
    assert.ok(crashed.notes.some((n) => UNSEALED.test(n)) && left.sealed < left.chained, `the crash left an unsealed tail:\n${crashed.output}`);

    // The start seals before it says it is up; killed again at once, nothing new was written in between.
    v = await start(data);
    await v.crash();
    const after = await verifyDataDir(data);
    assert.ok(after.ok, after.output);
    assert.deepEqual(after.notes.filter((n) => UNSEALED.test(n)), [], after.output);
    const counts = sealedCounts(after.output);
    assert.ok(counts.chained > 50, after.output);
    assert.equal(counts.sealed, counts.chained, `every chained record is under the latest checkpoint:\n${after.output}`);
  });

  it('a clean stop (SIGTERM) seals a session shorter than the seal interval', async () => {
    const data = path.join(bench.dir, 'short');
    const v = await start(data);
    const ledger = new DrillLedger();
    const client = new DrillClient(v.proxyUrl, bench.site.origin, ledger);
    await client.openPage();
    await client.subresource('css');
    await client.subresource('api');
    await client.upload();
    await client.upload();
    client.close();
    assert.equal(ledger.acks.length, 2);
    const stopped = await v.stop();
    assert.equal(stopped.code, 0, v.stderr());

    const verified = await verifyDataDir(data);
    assert.ok(verified.ok, verified.output);
    assert.deepEqual(verified.notes.filter((n) => UNSEALED.test(n)), [], verified.output);
    const counts = sealedCounts(verified.output);
    assert.ok(counts.chained >= 5, verified.output);
    assert.equal(counts.sealed, counts.chained, `the session's records are under the checkpoint sealed at stop:\n${verified.output}`);
  });
});
