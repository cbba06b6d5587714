/**
 * A periodic job that runs on one instance at a time (leadership.ts). Every instance asks `lead()` each `retryMs`;
 * the leader runs the body `firstAfterMs` after it took the lead and then every `everyMs`, a follower only asks
 * again. So while the lead holds there is one run per period across the instances, and when the leader dies the
 * next follower to ask (within `retryMs` of the server dropping its connection) starts the schedule anew.
 */
import type { Leadership } from './leadership';

export interface LeaderJobOptions {
  leadership: Leadership;
  everyMs: number;
  /** How often a follower asks for the lead (default everyMs: a single-writer store has no follower). */
  retryMs?: number;
  /** The first run, after taking the lead (default everyMs). */
  firstAfterMs?: number;
  run: () => Promise<unknown>;
  onError: (err: unknown) => void;
  now?: () => number;
}

export interface LeaderJob {
  /** Stops asking, waits for a run in progress and gives the lead up. */
  stop(): Promise<void>;
}

export function startLeaderJob(o: LeaderJobOptions): LeaderJob {
  const now = o.now ?? Date.now;
  let nextRunAt: number | undefined;
  let busy: Promise<void> | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    if (!(await o.leadership.lead()) || stopped) {
      nextRunAt = undefined;
      return;
    }
    const t = now();
    nextRunAt ??= t + (o.firstAfterMs ?? o.everyMs);
    if (t < nextRunAt) return;
    // The next slot counts from the one due, not from when this tick came: no drift by the retry interval.
    nextRunAt = Math.max(nextRunAt + o.everyMs, t);
    await o.run();
  };
  const fire = (): void => {
    busy ??= tick().catch(o.onError).finally(() => { busy = undefined; });
  };
  const retryMs = Math.min(o.retryMs ?? o.everyMs, o.everyMs, o.firstAfterMs ?? o.everyMs);
  const timer = setInterval(fire, retryMs);
  timer.unref();
  fire();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      await o.leadership.release();
    },
  };
}
