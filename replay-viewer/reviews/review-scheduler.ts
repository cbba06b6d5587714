/**
 * Scheduled reviews inside `verbatim start`: every minute, each saved search with a schedule runs every whole
 * period that has ended (plus a grace) and not been run yet, oldest first, once the search index holds every change
 * the store had at the previous tick (`feed`). Its next period is persisted only after the run is kept, and a
 * scheduled run's id is derived from the saved search and the period, so a crash or restart neither skips a period
 * nor keeps one twice. A failed run is logged, audited as failed, and retried at the next tick.
 */
import type { Leadership } from '../../store/leadership';
import type { AuditEntryInput } from '../auth/audit-log';
import { auditedQuery } from '../search/audit-query';
import type { IndexKey } from '../search/index-key';
import { parseQuery } from '../search/query/index';
import { periodFrom } from './period';
import type { ReviewService } from './review-service';
import type { SavedSearch } from './types';

export const SCHEDULER_ACTOR = 'scheduler';
/** How long after a period ends its run waits: recordings of its last minutes reach the index first. */
export const DEFAULT_GRACE_MS = 5 * 60_000;

export interface SchedulerOptions {
  service: ReviewService;
  /** The audit trail's append (the gate audits API calls; the scheduler writes its own entries). */
  audit: (entry: AuditEntryInput) => Promise<unknown>;
  key: IndexKey;
  log: (message: string) => void;
  now?: () => number;
  graceMs?: number;
  intervalMs?: number;
  /**
   * The store's change-feed head and the index's cursor: a period runs only once the index holds every change the
   * store had at the previous tick (a follower catching up after a restart must not give a run that misses sessions).
   */
  feed?: { head(): Promise<number>; indexed(): Promise<number> };
  /**
   * Several instances over one store: only the one that leads the job runs passes (store/leadership.ts); the others
   * ask again every interval and take over when the leader is gone.
   */
  leadership?: Leadership;
}

export class ReviewScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Failures already reported, by run id: one that keeps failing the same way is logged and audited once, not every minute. */
  private readonly reported = new Map<string, string>();
  /** The feed head seen at the previous tick (undefined: no tick yet). */
  private previousHead: number | undefined;

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    const tick = () => void this.tick();
    this.timer = setInterval(tick, this.o.intervalMs ?? 60_000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.o.leadership?.release();
  }

  /** One pass over the saved searches; never runs twice at once. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: unknown) => this.o.log(`review schedule: pass failed (${(err as { code?: string })?.code ?? 'ERROR'}); tried again next minute`))
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.o.leadership && !(await this.o.leadership.lead())) {
      // A follower: when it leads later, its first pass only notes the feed head, as after a start.
      this.previousHead = undefined;
      return;
    }
    const now = (this.o.now ?? Date.now)();
    if (this.o.feed) {
      const [head, indexed] = await Promise.all([this.o.feed.head(), this.o.feed.indexed()]);
      const ready = this.previousHead !== undefined && indexed >= this.previousHead;
      this.previousHead = head;
      if (!ready) return;
    }
    for (const search of await this.o.service.repo.listSearches()) {
      if (search.schedule === 'none' || search.scheduleNext === undefined) continue;
      await this.catchUp(search, now);
    }
  }

  private async catchUp(search: SavedSearch, now: number): Promise<void> {
    const { service } = this.o;
    const schedule = search.schedule as Exclude<SavedSearch['schedule'], 'none'>;
    let next = search.scheduleNext!;
    for (;;) {
      const period = periodFrom(schedule, next);
      if (now < period.to + (this.o.graceMs ?? DEFAULT_GRACE_MS)) return;
      const runId = `s-${search.id}-${period.from.toString(36)}`;
      try {
        const { run, created } = await service.run(search, period, SCHEDULER_ACTOR, 'schedule', runId);
        // Re-read: the search may have been edited or deleted while it ran.
        const current = await service.repo.getSearch(search.id);
        if (current && current.schedule === schedule && current.scheduleNext === next) {
          await service.repo.putSearch({ ...current, scheduleNext: period.to });
        }
        this.reported.delete(runId);
        if (created) await this.audit(search, 'ok', { run: run.result.runId, from: period.from, to: period.to, count: run.result.count, truncated: run.result.truncated });
        if (!current || current.scheduleNext !== next) return;
        next = period.to;
      } catch (err) {
        const code = (err as { code?: string })?.code ?? 'ERROR';
        if (this.reported.get(runId) === code) return;
        this.reported.set(runId, code);
        this.o.log(`review schedule ${search.id}: run for ${new Date(period.from).toISOString()} failed (${code}); retried next minute`);
        await this.audit(search, 'failed', { run: runId, from: period.from, to: period.to, error: code }).catch(() => undefined);
        return;
      }
    }
  }

  private audit(search: SavedSearch, outcome: 'ok' | 'failed', details: Record<string, string | number | boolean>): Promise<unknown> {
    let query: string;
    try {
      query = search.query.trim() ? auditedQuery(parseQuery(search.query), this.o.key) : '';
    } catch {
      query = '(invalid)';
    }
    return this.o.audit({
      actor: SCHEDULER_ACTOR, action: 'review-run', outcome, target: `saved-search:${search.id}`,
      details: { trigger: 'schedule', name: search.name, query, ...details },
    });
  }
}
