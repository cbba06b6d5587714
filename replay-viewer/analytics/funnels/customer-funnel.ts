/**
 * A funnel per customer (`?per=customer`): one journey per customer across all of the customer's sessions in the
 * period, whatever their channel (web through the proxy or the gateway, a kiosk) or tab, so a customer who starts a
 * transfer on the web and finishes it at a kiosk converts once instead of dropping in one session and never starting
 * in the other. Sessions are tied to customers by the store's customer links (identity rules, docs/ACCESS.md); a session
 * with no customer is a journey of its own, as in the per-session funnel (the default).
 *
 * A session with no customer is read by the per-session funnel's statement (funnel-sql.ts). For the linked ones, every
 * step's matching moments come from one statement (the same step sources, UNION ALL: step 1 in the period, later
 * steps from its start on, as the per-session funnel lets them follow past its end), the customer of each session from
 * the store (customer ids never leave this function: the report holds session ids and counts only). Steps are then
 * taken in time order across the journey's sessions, greedy earliest, as the per-session funnel takes them within one:
 * step k is the earliest match after step k-1's moment. A journey that stopped at step k lists as a drop there with
 * the session and moment of its step k, so the replay opens in the session where the customer dropped. Splits
 * (device, browser, channel) are by the session of step 1.
 */
import type { AnalyticsDb } from '../../search/search-index';
import { sql, frag, type Frag } from '../../search/sql-fragment';
import type { OnProgress } from '../query/progress';
import { rowsOf } from '../query/run-query';
import type { FunnelDefinition } from './definition';
import { NewestDrops, SPLITS, Tally, type FunnelReport, type Split, type SplitGroup, type StepReport } from './funnel-report';
import { funnelQuery, stepSource, type Backend } from './funnel-sql';

/** A linked session's customer, or undefined (the store's customer link). */
export type CustomerOf = (sessionId: string) => Promise<string | undefined>;

/**
 * The customer-linked sessions' step matches (step 1 in the period, later steps from its start on): session facts,
 * the step's index (0-based) and the moment, in time order.
 */
export function customerStepsQuery(def: FunnelDefinition, period: { from: number; to: number }, backend: Backend): Frag {
  const parts = def.steps.map((step, k) => {
    const { table, where } = stepSource(step, backend);
    const when = k === 0 ? frag('e.at >= ? AND e.at < ?', [period.from, period.to]) : frag('e.at >= ?', [period.from]);
    return sql(`SELECT e.sid, ${k} AS k, e.at FROM ${table} e WHERE `, when, ' AND ', where);
  });
  let union: Frag = parts[0]!;
  for (const p of parts.slice(1)) union = sql(union, ' UNION ALL ', p);
  return sql('SELECT s.id, s.device, s.browser, s.channel, x.k, x.at FROM (', union, ') x JOIN sessions s ON s.sid = x.sid WHERE s.customer_linked ORDER BY x.at, x.k, s.id');
}

/** The per-session funnel's rows of the sessions with no customer. */
function unlinkedQuery(def: FunnelDefinition, period: { from: number; to: number }, backend: Backend): Frag {
  return sql('SELECT f.* FROM (', funnelQuery(def.steps, period, backend), ') f JOIN sessions u ON u.id = f.id WHERE NOT u.customer_linked');
}

export async function customerFunnelReport(
  db: AnalyticsDb, def: FunnelDefinition, period: { from: number; to: number }, customerOf: CustomerOf, onProgress: OnProgress = () => undefined,
): Promise<FunnelReport> {
  const total = 4;
  const n = def.steps.length;
  await onProgress({ phase: 'matching steps', done: 0, total });
  const journeys = new Map<string, Journey>();
  // Sessions without a customer: each a journey, as the per-session funnel counts it.
  for (const r of await rowsOf(db, unlinkedQuery(def, period, db.kind))) {
    const j: Journey = { session: String(r[0]), device: r[1] as string | null, browser: r[2] as string | null, channel: r[3] as string | null, times: [], sessions: [] };
    for (let k = 0; k < n && r[4 + k] !== null && r[4 + k] !== undefined; k++) {
      j.times.push(Number(r[4 + k]));
      j.sessions.push(j.session);
    }
    journeys.set(`s:${j.session}`, j);
  }
  const rows = await rowsOf(db, customerStepsQuery(def, period, db.kind));
  await onProgress({ phase: 'finding customers', done: 1, total });
  const journeyOf = new Map<string, string>();
  for (const r of rows) {
    const id = String(r[0]);
    if (journeyOf.has(id)) continue;
    const customer = await customerOf(id);
    // Keys that cannot meet: a customer id and a session id never share a prefix.
    journeyOf.set(id, customer === undefined ? `s:${id}` : `c:${customer}`);
  }
  await onProgress({ phase: 'ordering steps', done: 2, total });
  for (const r of rows) {
    const session = String(r[0]);
    const k = Number(r[4]);
    const at = Number(r[5]);
    const key = journeyOf.get(session)!;
    let j = journeys.get(key);
    if (!j) {
      // A journey starts at step 1; matches of later steps before it do not count.
      if (k !== 0) continue;
      j = { session, device: r[1] as string | null, browser: r[2] as string | null, channel: r[3] as string | null, times: [], sessions: [] };
      journeys.set(key, j);
    }
    const depth = j.times.length;
    if (depth < n && k === depth && (depth === 0 || at > j.times[depth - 1]!)) {
      j.times.push(at);
      j.sessions.push(session);
    }
  }
  await onProgress({ phase: 'counting', done: 3, total });
  const report = tallyJourneys(def, period, journeys.values());
  await onProgress({ phase: 'done', done: 4, total });
  return { ...report, per: 'customer' };
}

/** One journey: the facts of its step-1 session, and each step reached with its moment and session. */
interface Journey { session: string; device: string | null; browser: string | null; channel: string | null; times: number[]; sessions: string[] }

/** The per-session report's counting (funnel-report.ts), over journeys. */
function tallyJourneys(def: FunnelDefinition, period: { from: number; to: number }, journeys: Iterable<Journey>): FunnelReport {
  const n = def.steps.length;
  const all = new Tally(n);
  const groups: Record<Split, Map<string, Tally>> = { device: new Map(), browser: new Map(), channel: new Map() };
  const drops = Array.from({ length: n }, () => new NewestDrops());
  const dropped = new Array<number>(n).fill(0);
  for (const j of journeys) {
    const times = Float64Array.from(j.times);
    const depth = j.times.length;
    all.add(times, 0, depth);
    if (depth < n) {
      dropped[depth - 1]! += 1;
      drops[depth - 1]!.add(j.sessions[depth - 1]!, j.times[depth - 1]!);
    }
    for (const by of SPLITS) {
      const v = j[by] ?? 'unknown';
      let tally = groups[by].get(v);
      if (!tally) groups[by].set(v, (tally = new Tally(n)));
      tally.add(times, 0, depth);
    }
  }
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
  const splits = Object.fromEntries(SPLITS.map((by) => [by, [...groups[by]]
    .map(([value, tally]): SplitGroup => ({ value, reached: tally.reached, medianMs: tally.medians() }))
    .sort((a, b) => b.reached[0]! - a.reached[0]! || (a.value < b.value ? -1 : 1))])) as Record<Split, SplitGroup[]>;
  return { name: def.name, period, sessions: first, steps, splits };
}
