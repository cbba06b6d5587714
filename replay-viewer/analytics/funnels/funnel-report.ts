/**
 * A funnel over a period (GET /api/analytics/funnels/:id/report): per step, the sessions that reached it, conversion
 * from step 1 and from the step before, the median time from the step before, and the sessions that dropped there
 * (reached it, not the next) with the moment to open the replay at; the same counts split by device, browser and
 * channel. The statement is funnel-sql.ts; the counting here, so both backends answer the same numbers.
 */
import type { AnalyticsDb } from '../../search/search-index';
import { median } from '../query/median';
import type { OnProgress } from '../query/progress';
import { rowsOf } from '../query/run-query';
import type { FunnelDefinition, StepKind } from './definition';
import { funnelQuery } from './funnel-sql';

export const SPLITS = ['device', 'browser', 'channel'] as const;
export type Split = (typeof SPLITS)[number];
/** Dropped sessions listed per step (newest drop first); the count is always whole. */
export const MAX_DROPS_LISTED = 50;

export interface StepReport {
  label: string;
  kind: StepKind;
  match: string;
  reached: number;
  /** reached / step 1's reached, 0..1. */
  conversion: number;
  /** reached / the previous step's reached, 0..1 (1 for step 1). */
  fromPrevious: number;
  /** Median ms from the previous step to this one over the sessions that reached it (null for step 1 or none). */
  medianMs: number | null;
  /** Reached this step and not the next (0 at the last step). */
  dropped: number;
  /** The newest drops: the replay opens at `at`, the moment the session did this step (`/sessions/<id>?at=<at>`). */
  drops: { session: string; at: number }[];
}

export interface SplitGroup { value: string; reached: number[]; medianMs: (number | null)[] }

export interface FunnelReport {
  name: string;
  period: { from: number; to: number };
  /** Sessions that did step 1 in the period. */
  sessions: number;
  steps: StepReport[];
  splits: Record<Split, SplitGroup[]>;
  /** 'customer': journeys across each customer's sessions (customer-funnel.ts); absent: per session. */
  per?: 'customer';
}

/**
 * Counts of one group of sessions (all, or one device…): sessions per step, and each step's gaps from the previous.
 * Moments are read from the flat array of every session's steps (`times`, `n` per session): no array per session.
 */
export class Tally {
  readonly reached: number[];
  readonly gaps: number[][];
  constructor(n: number) {
    this.reached = new Array<number>(n).fill(0);
    this.gaps = Array.from({ length: n }, () => []);
  }
  add(times: ArrayLike<number>, at: number, depth: number): void {
    for (let k = 0; k < depth; k++) {
      this.reached[k]! += 1;
      if (k) this.gaps[k]!.push(times[at + k]! - times[at + k - 1]!);
    }
  }
  medians(): (number | null)[] {
    return this.gaps.map((g, k) => (k === 0 ? null : median(g)));
  }
}

/**
 * The newest MAX_DROPS_LISTED drops of one step (latest moment first, then session id), kept as rows arrive: most rows
 * are older than the 50th kept and cost one comparison, where sorting every drop (28,000 at step 1 in the bench)
 * cost a comparator call per pair.
 */
export class NewestDrops {
  readonly rows: { session: string; at: number }[] = [];
  add(session: string, at: number): void {
    const list = this.rows;
    if (list.length === MAX_DROPS_LISTED && !isNewer(session, at, list[list.length - 1]!)) return;
    let i = list.length;
    while (i > 0 && isNewer(session, at, list[i - 1]!)) i--;
    list.splice(i, 0, { session, at });
    if (list.length > MAX_DROPS_LISTED) list.pop();
  }
}

/** Whether a drop (session, at) lists before `x`: later, or as late with the smaller id. */
const isNewer = (session: string, at: number, x: { session: string; at: number }) => at > x.at || (at === x.at && session < x.session);

/**
 * The counting both funnels share (this one per session, customer-funnel.ts per customer): journeys added one at a
 * time, each to the whole and to its device, browser and channel groups, and, if it dropped, to its step's newest
 * drops; then the report. The order journeys come in changes nothing in it.
 */
export class FunnelCounts {
  private readonly all: Tally;
  private readonly groups: Record<Split, Map<string, Tally>> = { device: new Map(), browser: new Map(), channel: new Map() };
  private readonly drops: NewestDrops[];
  private readonly dropped: number[];

  constructor(private readonly n: number) {
    this.all = new Tally(n);
    this.drops = Array.from({ length: n }, () => new NewestDrops());
    this.dropped = new Array<number>(n).fill(0);
  }

  /**
   * One journey: its steps' moments times[at]…times[at + depth - 1]; the row of its first session as the funnel
   * statements answer it, device, browser and channel at [1], [2], [3] (null: 'unknown'); and the session of its last
   * step (listed if it dropped: the replay opens there).
   */
  add(times: ArrayLike<number>, at: number, depth: number, row: readonly unknown[], lastSession: string): void {
    this.all.add(times, at, depth);
    if (depth < this.n) {
      this.dropped[depth - 1]! += 1;
      this.drops[depth - 1]!.add(lastSession, times[at + depth - 1]!);
    }
    for (let j = 0; j < SPLITS.length; j++) {
      const by = this.groups[SPLITS[j]!];
      const v = (row[1 + j] as string | null | undefined) ?? 'unknown';
      let tally = by.get(v);
      if (!tally) by.set(v, (tally = new Tally(this.n)));
      tally.add(times, at, depth);
    }
  }

  /** The report of the journeys added: per step, then split by device, browser and channel. */
  report(def: FunnelDefinition, period: { from: number; to: number }): FunnelReport {
    const { all, dropped, drops } = this;
    const first = all.reached[0] ?? 0;
    const medians = all.medians();
    const steps: StepReport[] = def.steps.map((s, k) => ({
      label: s.label, kind: s.kind, match: s.match, reached: all.reached[k]!,
      conversion: first ? all.reached[k]! / first : 0,
      fromPrevious: k === 0 ? 1 : all.reached[k - 1] ? all.reached[k]! / all.reached[k - 1]! : 0,
      medianMs: medians[k]!,
      dropped: dropped[k]!,
      drops: drops[k]!.rows,
    }));
    const splits = Object.fromEntries(SPLITS.map((by) => [by, [...this.groups[by]]
      .map(([value, tally]): SplitGroup => ({ value, reached: tally.reached, medianMs: tally.medians() }))
      .sort((a, b) => b.reached[0]! - a.reached[0]! || (a.value < b.value ? -1 : 1))])) as Record<Split, SplitGroup[]>;
    return { name: def.name, period, sessions: first, steps, splits };
  }
}

/**
 * A row of funnelQuery (funnel-sql.ts: id, device, browser, channel, then each step's moment, null from the first
 * missed) into `times` from `at`; answers how many steps it reached.
 */
export function rowTimes(r: readonly unknown[], n: number, times: Float64Array, at: number): number {
  let depth = 0;
  for (let v = r[4]; depth < n && v !== null && v !== undefined; v = r[4 + ++depth]) times[at + depth] = Number(v);
  return depth;
}

export async function funnelReport(db: AnalyticsDb, def: FunnelDefinition, period: { from: number; to: number }, onProgress: OnProgress = () => undefined): Promise<FunnelReport> {
  const total = 3;
  await onProgress({ phase: 'matching steps', done: 0, total });
  const raw = await rowsOf(db, funnelQuery(def.steps, period, db.kind));
  await onProgress({ phase: 'counting', done: 1, total });
  const n = def.steps.length;
  // One pass over the sessions (100,000 of them in the bench), their moments in one flat array: no array per session.
  const counts = new FunnelCounts(n);
  const times = new Float64Array(raw.length * n);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    counts.add(times, i * n, rowTimes(r, n, times, i * n), r, String(r[0]));
  }
  await onProgress({ phase: 'splitting by device, browser, channel', done: 2, total });
  const report = counts.report(def, period);
  await onProgress({ phase: 'done', done: 3, total });
  return report;
}
