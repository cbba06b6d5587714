/** The live index yields to a busy proxy thread: it waits while the main thread is busy, and not forever. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { after, before } from 'node:test';
import { BusyPacer } from '../busy-pacer';

// The pacer's own timers do not hold the process open (the CLI's does not wait for them): the test does.
let keepAlive: NodeJS.Timeout;
before(() => { keepAlive = setInterval(() => undefined, 1_000); });
after(() => clearInterval(keepAlive));

/** Keeps the event loop about 90 % busy (45 ms of work every 50 ms) until stopped. */
function busyLoop(): () => void {
  const timer = setInterval(() => {
    const end = performance.now() + 45;
    while (performance.now() < end) { /* the proxy at work */ }
  }, 50);
  return () => clearInterval(timer);
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
