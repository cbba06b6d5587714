import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { IngestStats } from '../proxy/ingest/pipeline';
import type { StoreHealth } from '../store/store';
import { watchOutages } from './outage-log';

it('logs one line when the store stops taking writes and one with what was lost when it takes them again', async () => {
  let health: StoreHealth = { state: 'open' };
  const stats: IngestStats = { captured: 10, failed: 1, truncated: 0, dropped: 0, uploadsStored: 5, uploadsFailed: 2, uploadsAnsweredLate: 0, sessionsFailed: 0, notBrowserPages: 0 };
  const lines: string[] = [];
  const watch = watchOutages(() => health, stats, (l) => lines.push(l), 5);
  const tick = () => new Promise((r) => setTimeout(r, 20));
  try {
    await tick();
    assert.deepEqual(lines, []);
    health = { state: 'degraded', since: Date.now() - 100, reason: 'OBJECT_STORAGE_FAILED: S3 put of blobs/ab failed: no answer in time' };
    await tick();
    Object.assign(stats, { failed: 8, uploadsFailed: 5, uploadsAnsweredLate: 4, sessionsFailed: 1 });
    await tick();
    assert.equal(lines.length, 1, 'one line however long it lasts');
    assert.match(lines[0]!, /^store not writable \(OBJECT_STORAGE_FAILED: S3 put of blobs\/ab failed: no answer in time\)/);
    health = { state: 'open' };
    await tick();
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /^store writable again after \d+ ms: 7 captures dropped, 3 uploads refused, 4 answered late, 1 sessions not recorded meanwhile$/);
    const ms = Number(/after (\d+) ms/.exec(lines[1]!)![1]);
    assert.ok(ms >= 100 && ms < 5_000, `${ms} ms, counted from when the store went degraded`);
    await tick();
    assert.equal(lines.length, 2);
  } finally {
    watch.stop();
  }
});
