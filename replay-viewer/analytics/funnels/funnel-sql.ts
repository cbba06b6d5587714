/**
 * A funnel as one SQL statement, the same for both backends but for pattern matching: each step is the session's
 * earliest matching moment after the previous step's (step 1: within the period), so a session counts at step k
 * when it did steps 1..k in that order, across its tabs. Greedy earliest matching: the most a session can convert.
 * Answers one row per session that reached step 1: its id, device, browser, channel and each step's moment (null
 * from the first step it did not reach).
 */
import { frag, sql, type Frag } from '../../search/sql-fragment';
import type { FunnelStep } from './definition';

export type Backend = 'sqlite' | 'postgres';

/** A page pattern (`*` any run of characters) as GLOB (SQLite) or LIKE (PostgreSQL), other wildcards escaped. */
function patternMatch(pattern: string, backend: Backend): Frag {
  if (!pattern.includes('*')) return frag('e.url = ?', [pattern]);
  if (backend === 'sqlite') {
    // GLOB is case-sensitive and uses the url index for a literal prefix; its own wildcards are escaped as classes.
    return frag('e.url GLOB ?', [pattern.replace(/[?[\]]/g, (c) => `[${c}]`)]);
  }
  return frag("e.url LIKE ? ESCAPE '\\'", [pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%')]);
}

function stepSource(step: FunnelStep, backend: Backend): { table: string; where: Frag } {
  if (step.kind === 'page') return { table: 'page_views', where: patternMatch(step.match, backend) };
  return { table: 'interactions', where: frag('e.kind = ? AND e.selector = ?', [step.kind, step.match]) };
}

export function funnelQuery(steps: readonly FunnelStep[], period: { from: number; to: number }, backend: Backend): Frag {
  const ctes: Frag[] = steps.map((step, i) => {
    const { table, where } = stepSource(step, backend);
    if (i === 0) {
      return sql(`s1 AS (SELECT e.sid, MIN(e.at) AS t FROM ${table} e WHERE `, frag('e.at >= ? AND e.at < ?', [period.from, period.to]), ' AND ', where, ' GROUP BY e.sid)');
    }
    return sql(`s${i + 1} AS (SELECT e.sid, MIN(e.at) AS t FROM ${table} e JOIN s${i} p ON p.sid = e.sid WHERE e.at > p.t AND `, where, ' GROUP BY e.sid)');
  });
  const times = steps.map((_, i) => `s${i + 1}.t AS t${i + 1}`).join(', ');
  const joins = steps.slice(1).map((_, i) => ` LEFT JOIN s${i + 2} ON s${i + 2}.sid = s1.sid`).join('');
  let withSql: Frag = frag('WITH ');
  ctes.forEach((c, i) => { withSql = sql(withSql, i ? ', ' : '', c); });
  return sql(withSql, ` SELECT s.id, s.device, s.browser, s.channel, ${times} FROM s1 JOIN sessions s ON s.sid = s1.sid${joins}`);
}
