/**
 * What the funnel editor offers as steps of the new kinds (GET /api/analytics/funnel-steps?from&to): the marker names
 * and the request patterns seen over a period, most sessions first. Names and patterns only (both tables hold
 * nothing else personal-free or not); one grouped scan of each table in the period, cheap next to a report.
 */
import type { AnalyticsDb } from '../../search/search-index';
import { frag } from '../../search/sql-fragment';
import { rowsOf } from '../query/run-query';

export const MAX_SUGGESTIONS = 50;

export interface StepSuggestions {
  markers: { name: string; sessions: number }[];
  /** `METHOD /pattern`, writes before reads, then by sessions. */
  requests: { match: string; sessions: number }[];
}

export async function stepSuggestions(db: AnalyticsDb, period: { from: number; to: number }): Promise<StepSuggestions> {
  const p = [period.from, period.to, MAX_SUGGESTIONS];
  const markers = await rowsOf(db, frag(
    'SELECT name, COUNT(DISTINCT sid) AS n FROM markers WHERE at >= ? AND at < ? GROUP BY name ORDER BY n DESC, name LIMIT ?', p));
  const requests = await rowsOf(db, frag(
    `SELECT method, url, COUNT(DISTINCT sid) AS n FROM requests WHERE at >= ? AND at < ? GROUP BY method, url
     ORDER BY CASE WHEN method = 'GET' THEN 1 ELSE 0 END, n DESC, url, method LIMIT ?`, p));
  return {
    markers: markers.map((r) => ({ name: String(r[0]), sessions: Number(r[1]) })),
    requests: requests.map((r) => ({ match: `${String(r[0])} ${String(r[1])}`, sessions: Number(r[2]) })),
  };
}
