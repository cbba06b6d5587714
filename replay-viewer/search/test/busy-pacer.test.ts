/** The live index yields to a busy proxy thread: it waits while the main thread is busy, and not forever. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { after, before } from 'node:test';
import { BusyPacer } from '../busy-pacer';

// The pacer's own timers do not hold the process open (the CLI's does not wait for them): the test does.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => undefined, 1_000); });
after(() => clearInterval(keepAlive));

/**
 * Keeps the event loop busy until stopped: 45 ms of work, then straight on after the loop's other phases (timers
 * still run between). Not on a 50 ms timer: on a loaded machine that timer fires late, the loop then waits in
 * between, and the thread looked quiet (CI: "waited 0 ms").
 */
function busyLoop(): () => void {
  let stopped = false;
  const spin = (): void => {
    if (stopped) return;
    const end = performance.now() + 45;
    while (performance.now() < end) { /* the proxy at work */ }
    setImmediate(spin);
  };
  setImmediate(spin);
  return () => { stopped = true; };
}

it('waits while the main thread is busy and goes on once it is quiet', async () => {
  const pacer = new BusyPacer({ busyAbove: 0.5, windowMs: 120, maxDeferMs: 3_000 });
  await pacer.whenQuiet(() => false); // the first look covers the time since it was made
  const stop = busyLoop();
  await new Promise((r) => setTimeout(r, 300));
  setTimeout(stop, 400);
  const t0 = Date.now();
  await pacer.whenQuiet(() => false);
  const waited = Date.now() - t0;
  assert.ok(waited >= 300 && waited < 1_500, `waited ${waited} ms`);
  assert.equal(pacer.stats.forced, 0);
});

it('indexes anyway after its longest wait when the thread stays busy, and not at all when idle', async () => {
  const pacer = new BusyPacer({ busyAbove: 0.5, windowMs: 50, maxDeferMs: 300 });
  const stop = busyLoop();
  try {
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await pacer.whenQuiet(() => false);
    const waited = Date.now() - t0;
    assert.ok(waited >= 300 && waited < 800, `waited ${waited} ms`);
    assert.equal(pacer.stats.forced, 1);
  } finally {
    stop();
  }
  await new Promise((r) => setTimeout(r, 200));
  const t1 = Date.now();
  await pacer.whenQuiet(() => false);
  assert.ok(Date.now() - t1 < 40, 'an idle thread is not waited for');
});
