/**
 * Two viewers sharing a store share both sign-in counters: an address that used its free failures on one viewer is
 * slowed on the other too (a guesser gets no more tries from a second viewer), per-address and per-name keys stay
 * apart in the shared document, and neither the address nor the name typed reaches it as typed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileSharedState } from '../../store/files/file-shared-state';
import { CLIENT_BACKOFF, SignInThrottle, FAILURES_DOCUMENT } from '../auth/sign-in-throttle';

describe('sign-in throttle shared by instances', () => {
  it('an address slowed on one viewer is slowed on the other; the document holds HMACs only', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-throttle-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const key = randomBytes(32);
    let now = Date.now();
    // Two processes' views of one data directory: each its own FileSharedState, as two instances have.
    const make = (): SignInThrottle => new SignInThrottle({ now: () => now, shared: { state: new FileSharedState(dir), refreshMs: 0, key } });
    const a = make();
    const b = make();
    const address = '203.0.113.77';

    // Each try a different name (the per-name counter never trips): only the address counts up, all on A.
    for (let i = 0; i < CLIENT_BACKOFF.free; i++) {
      await a.sync();
      const admission = a.begin(address, `name-${i}`);
      assert.ok(admission.ok, `try ${i} admitted on A`);
      await a.failed(admission.attempt);
    }
    await b.sync();
    const onB = b.begin(address, 'yet-another-name');
    assert.equal(onB.ok, false, 'the address\'s failures on A hold on B');
    assert.ok(!onB.ok && onB.retryAfterMs > 0 && onB.retryAfterMs <= CLIENT_BACKOFF.baseMs);
    // Another address on B is not affected.
    assert.ok(b.begin('203.0.113.78', 'yet-another-name').ok);

    // Once the wait is over, B admits the address again (a wait, not a lockout).
    now += CLIENT_BACKOFF.baseMs;
    assert.ok(b.begin(address, 'a-later-name').ok);

    const text = await readFile(path.join(dir, `${FAILURES_DOCUMENT}.json`), 'utf8');
    assert.ok(!text.includes(address) && !text.includes('203.0.113') && !text.includes('name-'), text);
    const keys = Object.keys(JSON.parse(text) as Record<string, unknown>);
    assert.equal(keys.filter((k) => k.startsWith('@')).length, 1, 'one address entry');
    assert.equal(keys.filter((k) => !k.startsWith('@')).length, CLIENT_BACKOFF.free, 'one entry per name tried');
  });
});
