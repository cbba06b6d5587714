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

interface Row { id: string; device: string | null; browser: string | null; channel: string | null; t: (number | null)[] }

export async function funnelReport(db: AnalyticsDb, def: FunnelDefinition, period: { from: number; to: number }, onProgress: OnProgress = () => undefined): Promise<FunnelReport> {
  const total = 3;
  await onProgress({ phase: 'matching steps', done: 0, total });
  const raw = await rowsOf(db, funnelQuery(def.steps, period, db.kind));
  await onProgress({ phase: 'counting', done: 1, total });
  const n = def.steps.length;
  const rows: Row[] = raw.map((r) => ({
    id: String(r[0]), device: r[1] as string | null, browser: r[2] as string | null, channel: r[3] as string | null,
    t: r.slice(4, 4 + n).map((v) => (v === null || v === undefined ? null : Number(v))),
  }));
  const count = (list: Row[]) => {
    const reached = def.steps.map((_, k) => list.filter((r) => r.t[k] !== null).length);
    const medianMs = def.steps.map((_, k) => (k === 0 ? null : median(list.filter((r) => r.t[k] !== null).map((r) => r.t[k]! - r.t[k - 1]!))));
    return { reached, medianMs };
  };
  const all = count(rows);
  const first = all.reached[0] ?? 0;
  const steps: StepReport[] = def.steps.map((s, k) => {
    const dropped = k + 1 < n ? rows.filter((r) => r.t[k] !== null && r.t[k + 1] === null) : [];
    return {
      label: s.label, kind: s.kind, match: s.match, reached: all.reached[k]!,
      conversion: first ? all.reached[k]! / first : 0,
      fromPrevious: k === 0 ? 1 : all.reached[k - 1] ? all.reached[k]! / all.reached[k - 1]! : 0,
      medianMs: all.medianMs[k]!,
      dropped: dropped.length,
      drops: dropped.sort((a, b) => b.t[k]! - a.t[k]! || (a.id < b.id ? -1 : 1)).slice(0, MAX_DROPS_LISTED).map((r) => ({ session: r.id, at: r.t[k]! })),
    };
  });
  await onProgress({ phase: 'splitting by device, browser, channel', done: 2, total });
  const splits = Object.fromEntries(SPLITS.map((by) => {
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const v = r[by] ?? 'unknown';
      (groups.get(v) ?? groups.set(v, []).get(v)!).push(r);
    }
    const list = [...groups].map(([value, rs]) => ({ value, ...count(rs) })).sort((a, b) => b.reached[0]! - a.reached[0]! || (a.value < b.value ? -1 : 1));
    return [by, list];
  })) as Record<Split, SplitGroup[]>;
  await onProgress({ phase: 'done', done: 3, total });
  return { name: def.name, period, sessions: first, steps, splits };
}
