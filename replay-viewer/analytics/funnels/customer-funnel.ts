/**
 * A funnel per customer (`?per=customer`): one journey per customer across all of the customer's sessions in the
 * period, whatever their channel (web through the proxy or the gateway, a kiosk) or tab, so a customer who starts a
 * transfer on the web and finishes it at a kiosk converts once instead of dropping in one session and never starting
 * in the other. Sessions are tied to customers by the store's customer links (identity rules, docs/ACCESS.md); a session
 * with no customer is a journey of its own, as in the per-session funnel (the default).
 *
 * A session with no customer is read by the per-session funnel's statement (funnel-sql.ts), its step 1 limited to
 * such sessions. For the linked ones, every step's matching moments come from one statement (the same step sources,
 * UNION ALL: step 1 in the period, later steps from its start on, as the per-session funnel lets them follow past its
 * end) as numbers only (session row, step, moment; unordered, streamed), their sessions' facts from another, the customer of
 * each session from the store (customer ids never leave this function: the report holds session ids and counts
 * only). Steps are then taken across the journey's sessions greedy earliest, as the per-session funnel takes them
 * within one: step 1 is the journey's earliest match of it, step k the earliest match after step k-1's moment (equal
 * moments: the smaller session id). A journey that stopped at step k lists as a drop there with the session and
 * moment of its step k, so the replay opens in the session where the customer dropped. Splits (device, browser,
 * channel) are by the session of step 1.
 *
 * Where the time went (100,000 sessions, 30,000 linked, SQLite, CPU): the statement of every session's chain of
 * steps run whole and the unlinked kept (0.45 s), the linked sessions' 137,000 matches joined to their facts and
 * sorted by moment in SQL (0.65–0.9 s), a journey object and typed array per session, and collecting the garbage of
 * all that. Now: the chain for the unlinked only, the matches as numbers without a sort, streamed into one flat list
 * per session ([step, moment, …]), the linked sessions' facts once, journeys only as lists of sessions.
 */
import type { AnalyticsDb } from '../../search/search-index';
import { sql, frag, type Frag } from '../../search/sql-fragment';
import type { OnProgress } from '../query/progress';
import { eachRow } from '../query/run-query';
import type { FunnelDefinition } from './definition';
import { FunnelCounts, rowTimes, type FunnelReport } from './funnel-report';
import { funnelQuery, stepSource, type Backend } from './funnel-sql';

/** A linked session's customer, or undefined (the store's customer link). */
export type CustomerOf = (sessionId: string) => Promise<string | undefined>;

/**
 * The customer-linked sessions' step matches (step 1 in the period, later steps from its start on): the session's
 * row id, the step's index (0-based) and the moment; in no order (the journeys are put in order here, a sort in SQL
 * cost more than the rest of the statement).
 */
export function customerStepsQuery(def: FunnelDefinition, period: { from: number; to: number }, backend: Backend): Frag {
  const parts = def.steps.map((step, k) => {
    const { table, where } = stepSource(step, backend);
    const when = k === 0 ? frag('e.at >= ? AND e.at < ?', [period.from, period.to]) : frag('e.at >= ?', [period.from]);
    return sql(`SELECT e.sid, ${k} AS k, e.at FROM ${table} e JOIN sessions s ON s.sid = e.sid AND s.customer_linked WHERE `, when, ' AND ', where);
  });
  let union: Frag = parts[0]!;
  for (const p of parts.slice(1)) union = sql(union, ' UNION ALL ', p);
  return union;
}

/** Customer lookups in flight at once (the store's reads pool their connections). */
const CUSTOMER_LOOKUPS = 32;

/** The linked sessions' facts: id, device, browser, channel (as the funnel statements answer them), row id. */
const LINKED_SESSIONS = frag('SELECT id, device, browser, channel, sid FROM sessions WHERE customer_linked');

export async function customerFunnelReport(
  db: AnalyticsDb, def: FunnelDefinition, period: { from: number; to: number }, customerOf: CustomerOf, onProgress: OnProgress = () => undefined,
): Promise<FunnelReport> {
  const total = 4;
  const n = def.steps.length;
  await onProgress({ phase: 'matching steps', done: 0, total });
  const counts = new FunnelCounts(n);
  // Sessions without a customer: each a journey, counted as the per-session funnel counts it, straight from its rows
  // (no journey object: they are most of the sessions).
  const times = new Float64Array(n);
  await eachRow(db, funnelQuery(def.steps, period, db.kind, 'NOT u.customer_linked'), (r) => counts.add(times, 0, rowTimes(r, n, times, 0), r, String(r[0])));
  // Each linked session's matches, flat: [step, moment, step, moment, …].
  const bySession = new Map<number, number[]>();
  await eachRow(db, customerStepsQuery(def, period, db.kind), (r) => {
    const sid = Number(r[0]);
    let list = bySession.get(sid);
    if (!list) bySession.set(sid, (list = []));
    list.push(Number(r[1]), Number(r[2]));
  });
  const facts = new Map<number, unknown[]>();
  if (bySession.size) await eachRow(db, LINKED_SESSIONS, (r) => void (bySession.has(Number(r[4])) && facts.set(Number(r[4]), r)));
  await onProgress({ phase: 'finding customers', done: 1, total });
  const journeys = new Map<string, number[]>();
  const linked = [...bySession.keys()];
  // Asked CUSTOMER_LOOKUPS at a time: one at a time, a store over a network (PostgreSQL) would take one round trip
  // per linked session in turn (30,000 of them at the bench's scale).
  const customers: (string | undefined)[] = [];
  for (let i = 0; i < linked.length; i += CUSTOMER_LOOKUPS) {
    customers.push(...await Promise.all(linked.slice(i, i + CUSTOMER_LOOKUPS).map((sid) => customerOf(String(facts.get(sid)![0])))));
  }
  for (const [i, sid] of linked.entries()) {
    const id = String(facts.get(sid)![0]);
    const customer = customers[i];
    // Keys that cannot meet: a customer id and a session id never share a prefix.
    const key = customer === undefined ? `s:${id}` : `c:${customer}`;
    const sids = journeys.get(key);
    if (sids) sids.push(sid);
    else journeys.set(key, [sid]);
  }
  await onProgress({ phase: 'ordering steps', done: 2, total });
  const at = new Float64Array(n);
  for (const sids of journeys.values()) {
    let depth = 0;
    let first: unknown[] | undefined;
    let last = '';
    for (; depth < n; depth++) {
      // The earliest match of this step across the journey's sessions after the step before (equal moments: the
      // smaller session id).
      let best = Infinity;
      let bestSid = -1;
      let bestId = '';
      for (const sid of sids) {
        const list = bySession.get(sid)!;
        for (let i = 0; i < list.length; i += 2) {
          const t = list[i + 1]!;
          if (list[i] !== depth || (depth > 0 && t <= at[depth - 1]!) || t > best) continue;
          const id = String(facts.get(sid)![0]);
          if (t === best && id >= bestId) continue;
          best = t;
          bestSid = sid;
          bestId = id;
        }
      }
      if (bestSid < 0) break;
      at[depth] = best;
      last = bestId;
      if (depth === 0) first = facts.get(bestSid);
    }
    // A journey starts at step 1: a customer with later steps only has none.
    if (depth) counts.add(at, 0, depth, first!, last);
  }
  await onProgress({ phase: 'counting', done: 3, total });
  const report = counts.report(def, period);
  await onProgress({ phase: 'done', done: 4, total });
  return { ...report, per: 'customer' };
}

