/** A page view's assets end where the session's next page begins (site-version.ts). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CapturedResource } from '../../../../store/records';
import { SiteVersions } from '../../site-version';

const U0 = 1_800_000_000_000;
const capture = (at: number, url: string, destination: string, digest: string): CapturedResource => ({
  id: `c${at}`, sessionId: 's1', method: 'GET', url, status: 200, headers: [], destination, startedAt: U0 + at,
  timing: { headersMs: 1, totalMs: 2 }, body: { digest: digest.padEnd(64, '0'), size: 100, encoding: '', truncated: false },
});

it('a customer who moves on within the grace does not give the page the next page\'s assets', () => {
  const v = new SiteVersions();
  for (const c of [
    capture(0, 'https://bank.example/accounts', 'document', 'd1'),
    capture(20, 'https://bank.example/list.js', 'script', 'a1'),
    // The customer leaves 900 ms after the first page's first event (at 100): the next page and its script.
    capture(1_000, 'https://bank.example/transfer', 'document', 'd2'),
    capture(1_050, 'https://bank.example/form.js', 'script', 'b1'),
  ]) v.capture(c);
  assert.deepEqual(v.assetsOf('https://bank.example/accounts', U0 + 100).map((a) => a.url), ['bank.example/list.js']);
  assert.deepEqual(v.assetsOf('https://bank.example/transfer', U0 + 1_100).map((a) => a.url), ['bank.example/form.js']);
  // Alone (no next page), the first page's view is the same version as when followed by another.
  const alone = new SiteVersions();
  alone.capture(capture(0, 'https://bank.example/accounts', 'document', 'd1'));
  alone.capture(capture(20, 'https://bank.example/list.js', 'script', 'a1'));
  assert.equal(alone.versionOf('https://bank.example/accounts', U0 + 100), v.versionOf('https://bank.example/accounts', U0 + 100));
});
