/**
 * The dwell job's reads of the analytics table page_views (analytics/index/page-views.ts), the same on both index
 * backends: which URLs (host + URL pattern) have enough views since a moment to judge, busiest first, and one URL's
 * views, newest first. Each read is bounded by its LIMIT: one URL at a time, so a large table is read in chunks.
 */
import { rowsOf } from '../../analytics/query/run-query';
import type { AnalyticsDb } from '../search-index';
import { frag } from '../sql-fragment';

export interface DwellUrl { host: string; url: string; views: number }
export interface DwellView { sessionId: string; pageId: string; at: number; ms: number }

export async function urlsToJudge(db: AnalyticsDb, since: number, minViews: number, maxUrls: number): Promise<DwellUrl[]> {
  const rows = await rowsOf(db, frag(`SELECT host, url, COUNT(*) AS n FROM page_views WHERE at >= ? AND host IS NOT NULL AND url IS NOT NULL
    GROUP BY host, url HAVING COUNT(*) >= ? ORDER BY n DESC, host, url LIMIT ?`, [since, minViews, maxUrls]));
  return rows.map(([host, url, n]) => ({ host: String(host), url: String(url), views: Number(n) }));
}

export async function viewsOf(db: AnalyticsDb, u: Pick<DwellUrl, 'host' | 'url'>, since: number, limit: number): Promise<DwellView[]> {
  const rows = await rowsOf(db, frag(`SELECT s.id, v.page_id, v.at, v.dwell_ms FROM page_views v JOIN sessions s ON s.sid = v.sid
    WHERE v.url = ? AND v.host = ? AND v.at >= ? ORDER BY v.at DESC LIMIT ?`, [u.url, u.host, since, limit]));
  return rows.map(([id, pageId, at, ms]) => ({ sessionId: String(id), pageId: String(pageId), at: Number(at), ms: Number(ms) }));
}
