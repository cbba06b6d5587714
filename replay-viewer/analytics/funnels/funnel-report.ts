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
}

/** Counts of one group of sessions (all, or one device…): sessions per step, and each step's gaps from the previous. */
class Tally {
  readonly reached: number[];
  readonly gaps: number[][];
  constructor(n: number) {
    this.reached = new Array<number>(n).fill(0);
    this.gaps = Array.from({ length: n }, () => []);
  }
  add(t: readonly number[], depth: number): void {
    for (let k = 0; k < depth; k++) {
      this.reached[k]! += 1;
      if (k) this.gaps[k]!.push(t[k]! - t[k - 1]!);
    }
  }
  medians(): (number | null)[] {
    return this.gaps.map((g, k) => (k === 0 ? null : median(g)));
  }
}

export async function funnelReport(db: AnalyticsDb, def: FunnelDefinition, period: { from: number; to: number }, onProgress: OnProgress = () => undefined): Promise<FunnelReport> {
  const total = 3;
  await onProgress({ phase: 'matching steps', done: 0, total });
  const raw = await rowsOf(db, funnelQuery(def.steps, period, db.kind));
  await onProgress({ phase: 'counting', done: 1, total });
  const n = def.steps.length;
  // One pass over the sessions (100,000 of them in the bench): each adds to the whole and to its device, browser and
  // channel groups; drops are kept per step as row indexes, sorted once at the end.
  const all = new Tally(n);
  const groups: Record<Split, Map<string, Tally>> = { device: new Map(), browser: new Map(), channel: new Map() };
  const dropRows: number[][] = Array.from({ length: n }, () => []);
  const times: number[][] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const t: number[] = [];
    let depth = 0;
    while (depth < n && r[4 + depth] !== null && r[4 + depth] !== undefined) t.push(Number(r[4 + depth++]));
    times[i] = t;
    all.add(t, depth);
    if (depth < n) dropRows[depth - 1]!.push(i);
    SPLITS.forEach((by, j) => {
      const v = (r[1 + j] as string | null) ?? 'unknown';
      let tally = groups[by].get(v);
      if (!tally) groups[by].set(v, (tally = new Tally(n)));
      tally.add(t, depth);
    });
  }
  const first = all.reached[0] ?? 0;
  const medians = all.medians();
  const steps: StepReport[] = def.steps.map((s, k) => {
    const dropped = dropRows[k]!;
    const newest = dropped.sort((a, b) => times[b]![k]! - times[a]![k]! || (String(raw[a]![0]) < String(raw[b]![0]) ? -1 : 1)).slice(0, MAX_DROPS_LISTED);
    return {
      label: s.label, kind: s.kind, match: s.match, reached: all.reached[k]!,
      conversion: first ? all.reached[k]! / first : 0,
      fromPrevious: k === 0 ? 1 : all.reached[k - 1] ? all.reached[k]! / all.reached[k - 1]! : 0,
      medianMs: medians[k]!,
      dropped: dropped.length,
      drops: newest.map((i) => ({ session: String(raw[i]![0]), at: times[i]![k]! })),
    };
  });
  await onProgress({ phase: 'splitting by device, browser, channel', done: 2, total });
  const splits = Object.fromEntries(SPLITS.map((by) => [by, [...groups[by]]
    .map(([value, tally]) => ({ value, reached: tally.reached, medianMs: tally.medians() }))
    .sort((a, b) => b.reached[0]! - a.reached[0]! || (a.value < b.value ? -1 : 1))])) as Record<Split, SplitGroup[]>;
  await onProgress({ phase: 'done', done: 3, total });
  return { name: def.name, period, sessions: first, steps, splits };
}
