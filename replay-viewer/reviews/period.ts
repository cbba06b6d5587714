/** Schedule periods in UTC: a day, an ISO week (Monday 00:00), a calendar month. Half-open [from, to). */
import type { Period, Schedule } from './types';

const DAY = 86_400_000;

/** The start of the period of `schedule` that contains `t`. */
export function periodStart(schedule: Exclude<Schedule, 'none'>, t: number): number {
  const d = new Date(t);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (schedule === 'daily') return day;
  if (schedule === 'weekly') return day - ((d.getUTCDay() + 6) % 7) * DAY;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The whole period that starts at `from` (a period start). */
export function periodFrom(schedule: Exclude<Schedule, 'none'>, from: number): Period {
  if (schedule === 'daily') return { from, to: from + DAY };
  if (schedule === 'weekly') return { from, to: from + 7 * DAY };
  const d = new Date(from);
  return { from, to: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** The last whole period before the one containing `now`: what a new schedule runs first. */
export function previousPeriod(schedule: Exclude<Schedule, 'none'>, now: number): Period {
  const current = periodStart(schedule, now);
  return periodFrom(schedule, periodStart(schedule, current - 1));
}
