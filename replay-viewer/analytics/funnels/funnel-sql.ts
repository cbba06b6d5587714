/**
 * A funnel as one SQL statement, the same for both backends but for pattern matching: each step is the session's
 * earliest matching moment after the previous step's (step 1: within the period), so a session counts at step k
 * when it did steps 1..k in that order, across its tabs. Greedy earliest matching: the most a session can convert.
 * Written as a chain of correlated lookups rather than joins: each is an index seek per session (page_views and
 * interactions, markers and requests are indexed by session, then what steps match, then time).
 * Answers one row per session that reached step 1: its id, device, browser, channel and each step's moment (null
 * from the first step it did not reach).
 */
import { frag, sql, type Frag } from '../../search/sql-fragment';
import { parseRequestMatch, type FunnelStep } from './definition';

export type Backend = 'sqlite' | 'postgres';

/**
 * A pattern (`*` any run of characters) on a column (a URL pattern, a marker name) as GLOB (SQLite) or LIKE
 * (PostgreSQL), other wildcards escaped.
 */
function patternMatch(column: 'url' | 'name', pattern: string, backend: Backend): Frag {
  if (!pattern.includes('*')) return frag(`e.${column} = ?`, [pattern]);
  if (backend === 'sqlite') {
    // GLOB is case-sensitive and uses the column's index for a literal prefix; its own wildcards are escaped as classes.
    return frag(`e.${column} GLOB ?`, [pattern.replace(/[?[\]]/g, (c) => `[${c}]`)]);
  }
  return frag(`e.${column} LIKE ? ESCAPE '\\'`, [pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%')]);
}

/** A step's table and condition on its rows `e` (also the per-customer funnel's, customer-funnel.ts). */
export function stepSource(step: FunnelStep, backend: Backend): { table: string; where: Frag } {
  if (step.kind === 'page') return { table: 'page_views', where: patternMatch('url', step.match, backend) };
  if (step.kind === 'marker') return { table: 'markers', where: patternMatch('name', step.match, backend) };
  if (step.kind === 'request') {
    // Checked when the funnel was saved (definition.ts); a match that no longer reads matches nothing.
    const r = parseRequestMatch(step.match);
    if (!r) return { table: 'requests', where: frag('1 = 0', []) };
    const method = r.method ? frag('e.method = ? AND ', [r.method]) : frag('', []);
    const host = r.host ? frag('e.host = ? AND ', [r.host]) : frag('', []);
    const status = r.status ? frag(' AND e.status >= ? AND e.status < ?', [r.status.from, r.status.to]) : frag('', []);
    return { table: 'requests', where: sql(method, host, patternMatch('url', r.path, backend), status) };
  }
  return { table: 'interactions', where: frag('e.kind = ? AND e.selector = ?', [step.kind, step.match]) };
}

/**
 * `sessions`: a condition on the session row `u` that step 1's sessions must meet (the per-customer funnel's sessions
 * with no customer), checked before any later step is looked up.
 */
export function funnelQuery(steps: readonly FunnelStep[], period: { from: number; to: number }, backend: Backend, sessions?: string): Frag {
  // Step 1: each session's first matching moment in the period (the match's own index, then one group per session).
  const first = stepSource(steps[0]!, backend);
  let q: Frag = sql(`SELECT e.sid, MIN(e.at) AS t1 FROM ${first.table} e WHERE `, frag('e.at >= ? AND e.at < ?', [period.from, period.to]), ' AND ', first.where, ' GROUP BY e.sid');
  // Grouped first, then joined: the groups stay in session order, so the later steps' seeks walk their indexes in
  // order (PostgreSQL joined before grouping: a hash aggregate, seeks in random order, 0.8-0.9 s of server CPU
  // against 0.5 s at 100,000 sessions).
  if (sessions) q = sql('SELECT g.sid, g.t1 FROM (', q, `) g JOIN sessions u ON u.sid = g.sid AND ${sessions}`);
  // Step k: one seek per session that got this far, on the (sid, match, at) index; null once a step was missed (the
  // CASE skips the probe: 30–60 % fewer of them at the later steps), so every session of step 1 stays, with the
  // moments it reached. Each level is a subquery fenced so neither backend inlines it (SQLite: a LIMIT; PostgreSQL:
  // OFFSET 0): inlined, each step would repeat the lookups of every step before it; fenced, SQLite streams it (a
  // co-routine) rather than writing it to a temporary table as a MATERIALIZED CTE did.
  const fence = backend === 'sqlite' ? 'LIMIT -1' : 'OFFSET 0';
  const cols = ['sid', 't1'];
  steps.slice(1).forEach((step, i) => {
    const k = i + 2;
    const { table, where } = stepSource(step, backend);
    q = sql(`SELECT ${cols.map((c) => `p.${c}`).join(', ')}, CASE WHEN p.t${k - 1} IS NOT NULL THEN (SELECT MIN(e.at) FROM ${table} e WHERE e.sid = p.sid AND e.at > p.t${k - 1} AND `, where,
      `) END AS t${k} FROM (`, q, `) p ${fence}`);
    cols.push(`t${k}`);
  });
  const times = steps.map((_, i) => `x.t${i + 1}`).join(', ');
  return sql('SELECT s.id, s.device, s.browser, s.channel, ', times, ' FROM (', q, ') x JOIN sessions s ON s.sid = x.sid');
}
