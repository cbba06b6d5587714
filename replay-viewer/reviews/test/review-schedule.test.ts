/**
 * Scheduled reviews: each whole UTC period runs once, across a restart (the next period is persisted), a crash
 * between keeping a run and persisting the schedule does not keep it twice, a failing run is retried and audited,
 * and period arithmetic (days, ISO weeks, months) is exact.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateSigningKey } from '../../../store/integrity/index';
import type { AuditEntryInput } from '../../auth/audit-log';
import { bench, recordJourney, type Bench } from '../../search/test/index-fixtures';
import type { OpenedSearch } from '../../search/index';
import { FileReviewRepository, ReviewScheduler, ReviewService, REVIEWS_DIR } from '../index';
import { periodFrom, previousPeriod } from '../period';

const DAY = 86_400_000;
const DEC5 = Date.UTC(2026, 11, 5);

describe('review schedule', () => {
  let b: Bench;
  let search: OpenedSearch;

  before(async () => {
    b = await bench('schedule');
    await recordJourney(b.store, 'd4', DEC5 - DAY + 3_600_000, { seen: 'offer', typed: 'x' });
    await recordJourney(b.store, 'd5', DEC5 + 3_600_000, { seen: 'offer', typed: 'x' });
    await recordJourney(b.store, 'd6', DEC5 + DAY + 3_600_000, { seen: 'offer', typed: 'x' });
    search = await b.open();
    await search.follower.catchUp();
  });
  after(() => b.close());

  const open = async (clock: { now: number }, audit: AuditEntryInput[], dir = REVIEWS_DIR, failing = false) => {
    const repo = await FileReviewRepository.open(path.join(b.dir, dir));
    const index = failing ? { ...search.index, cursor: () => Promise.reject(Object.assign(new Error('index down'), { code: 'STORE_NOT_OPEN' })) } : search.index;
    const service = new ReviewService({ repo, index, store: b.store, signingKey: await loadOrCreateSigningKey(b.keysDir), mask: (s) => s, now: () => clock.now });
    const logs: string[] = [];
    const scheduler = new ReviewScheduler({ service, key: search.key, audit: async (e) => void audit.push(e), log: (m) => logs.push(m), now: () => clock.now, graceMs: 5 * 60_000 });
    return { repo, service, scheduler, logs };
  };

  it('runs each day once, across a restart, and catches up what it missed', async () => {
    const clock = { now: DEC5 + DAY + 12 * 3_600_000 }; // Dec 6, 12:00
    const audit: AuditEntryInput[] = [];
    const first = await open(clock, audit);
    const saved = await first.service.createSearch({ name: 'Daily offers', query: 'offer', schedule: 'daily' }, 'compliance');
    assert.equal(saved.scheduleNext, DEC5);
    await first.scheduler.tick();
    await first.scheduler.tick();
    let runs = await first.repo.listRuns(saved.id);
    assert.deepEqual(runs.map((r) => [r.period.from, r.period.to, r.ranBy, r.trigger, r.count]), [[DEC5, DEC5 + DAY, 'scheduler', 'schedule', 1]]);
    assert.equal((await first.repo.getRun(runs[0]!.runId))!.run.result.rows[0]!.sessionId, 'd5');

    // A restart the same day: nothing new.
    const second = await open(clock, audit);
    await second.scheduler.tick();
    assert.equal((await second.repo.listRuns(saved.id)).length, 1);
    // Within the grace after midnight: not yet; after it: Dec 6.
    clock.now = DEC5 + 2 * DAY + 60_000;
    await second.scheduler.tick();
    assert.equal((await second.repo.listRuns(saved.id)).length, 1);
    clock.now = DEC5 + 2 * DAY + 6 * 60_000;
    await second.scheduler.tick();
    // Down for two more days: both are run, in order.
    clock.now = DEC5 + 4 * DAY + 6 * 60_000;
    const third = await open(clock, audit);
    await third.scheduler.tick();
    runs = await third.repo.listRuns(saved.id);
    assert.deepEqual(runs.map((r) => r.period.from).sort(), [DEC5, DEC5 + DAY, DEC5 + 2 * DAY, DEC5 + 3 * DAY]);
    assert.deepEqual(runs.find((r) => r.period.from === DEC5 + DAY)!.count, 1);
    assert.equal((await third.repo.getSearch(saved.id))!.scheduleNext, DEC5 + 4 * DAY);
    assert.equal(audit.length, 4);
    assert.ok(audit.every((e) => e.actor === 'scheduler' && e.action === 'review-run' && e.outcome === 'ok' && e.target === `saved-search:${saved.id}`));
    assert.equal((await readdir(path.join(b.dir, REVIEWS_DIR, 'runs'))).length, 4);
  });

  it('keeps a run once when a crash came between the run and the schedule', async () => {
    const clock = { now: DEC5 + DAY + 12 * 3_600_000 };
    const audit: AuditEntryInput[] = [];
    const s = await open(clock, audit, 'reviews-crash');
    const saved = await s.service.createSearch({ name: 'Crash', query: 'offer', schedule: 'daily' }, 'compliance');
    // What the scheduler would have kept before dying: the run for Dec 5 under its deterministic id.
    await s.service.run(saved, periodFrom('daily', DEC5), 'scheduler', 'schedule', `s-${saved.id}-${DEC5.toString(36)}`);
    await s.scheduler.tick();
    assert.equal((await s.repo.listRuns(saved.id)).length, 1);
    assert.equal((await s.repo.getSearch(saved.id))!.scheduleNext, DEC5 + DAY);
    assert.equal(audit.length, 0);
  });

  it('retries a failing run at the next tick, logging and auditing the failure', async () => {
    const clock = { now: DEC5 + DAY + 12 * 3_600_000 };
    const audit: AuditEntryInput[] = [];
    const broken = await open(clock, audit, 'reviews-fail', true);
    const saved = await broken.service.createSearch({ name: 'Failing', query: 'offer', schedule: 'daily' }, 'compliance');
    await broken.scheduler.tick();
    await broken.scheduler.tick();
    assert.equal((await broken.repo.listRuns()).length, 0);
    assert.equal((await broken.repo.getSearch(saved.id))!.scheduleNext, DEC5);
    assert.deepEqual(audit.map((e) => [e.actor, e.outcome, e.details?.error]), [['scheduler', 'failed', 'STORE_NOT_OPEN']]);
    assert.match(broken.logs[0]!, /run for 2026-12-05T00:00:00.000Z failed \(STORE_NOT_OPEN\)/);
    const fixed = await open(clock, audit, 'reviews-fail');
    await fixed.scheduler.tick();
    assert.equal((await fixed.repo.listRuns(saved.id)).length, 1);
    assert.deepEqual(audit.map((e) => e.outcome), ['failed', 'ok']);
  });

  it('waits for the index to hold what the store had at the previous tick', async () => {
    const clock = { now: DEC5 + DAY + 12 * 3_600_000 };
    const audit: AuditEntryInput[] = [];
    const { service, repo } = await open(clock, audit, 'reviews-lag');
    const feed = { headSeq: 100, indexedSeq: 40 };
    const scheduler = new ReviewScheduler({
      service, key: search.key, audit: async (e) => void audit.push(e), log: () => undefined, now: () => clock.now,
      feed: { head: async () => feed.headSeq, indexed: async () => feed.indexedSeq },
    });
    const saved = await service.createSearch({ name: 'Lag', query: 'offer', schedule: 'daily' }, 'compliance');
    await scheduler.tick(); // the first tick only notes the head
    assert.equal((await repo.listRuns(saved.id)).length, 0);
    feed.headSeq = 130;
    feed.indexedSeq = 99; // still short of 100
    await scheduler.tick();
    assert.equal((await repo.listRuns(saved.id)).length, 0);
    feed.indexedSeq = 130;
    await scheduler.tick();
    assert.equal((await repo.listRuns(saved.id)).length, 1);
  });

  it('runs passes only while it leads the job (several instances over one store), and gives the lead up at stop', async () => {
    const clock = { now: DEC5 + DAY + 12 * 3_600_000 };
    const audit: AuditEntryInput[] = [];
    const { service, repo } = await open(clock, audit, 'reviews-lead');
    let leading = false;
    let released = 0;
    const scheduler = new ReviewScheduler({
      service, key: search.key, audit: async (e) => void audit.push(e), log: () => undefined, now: () => clock.now,
      leadership: { job: 'review-schedule', lead: async () => leading, release: async () => { released += 1; } },
    });
    const saved = await service.createSearch({ name: 'Led', query: 'offer', schedule: 'daily' }, 'compliance');
    await scheduler.tick();
    await scheduler.tick();
    assert.equal((await repo.listRuns(saved.id)).length, 0, 'a follower runs nothing');
    leading = true;
    await scheduler.tick();
    assert.deepEqual((await repo.listRuns(saved.id)).map((r) => r.period.from), [DEC5]);
    await scheduler.stop();
    assert.equal(released, 1);
  });

  it('computes whole UTC periods: days, ISO weeks, months', () => {
    const sunday = Date.UTC(2026, 11, 6, 23, 59);
    assert.deepEqual(previousPeriod('daily', sunday), { from: DEC5, to: DEC5 + DAY });
    assert.deepEqual(previousPeriod('weekly', sunday), { from: Date.UTC(2026, 10, 23), to: Date.UTC(2026, 10, 30) });
    assert.deepEqual(previousPeriod('weekly', Date.UTC(2026, 10, 30)), { from: Date.UTC(2026, 10, 23), to: Date.UTC(2026, 10, 30) });
    assert.deepEqual(previousPeriod('monthly', sunday), { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) });
    assert.deepEqual(previousPeriod('monthly', Date.UTC(2027, 0, 1)), { from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) });
    assert.deepEqual(periodFrom('monthly', Date.UTC(2028, 1, 1)), { from: Date.UTC(2028, 1, 1), to: Date.UTC(2028, 2, 1) });
  });
});
