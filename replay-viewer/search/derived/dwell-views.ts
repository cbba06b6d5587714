/**
 * The dwell job's reads of the analytics table page_views (analytics/index/page-views.ts), the same answers on both
 * index backends: which URLs (host + URL pattern) have enough views since a moment to judge, busiest first, and one URL's
 * views, newest first. Each read is bounded: one URL at a time, and (SQLite) the grouping by URL in ranges of rows.
 */
import { rowsOf } from '../../analytics/query/run-query';
import type { AnalyticsDb } from '../search-index';
import { frag } from '../sql-fragment';

/** page_views rows grouped per statement on SQLite (a few tens of ms each). */
const GROUP_ROWS = 10_000;

export interface DwellUrl { host: string; url: string; views: number }
export interface DwellView { sessionId: string; pageId: string; at: number; ms: number }

/**
 * On SQLite, whose statements run on the caller's thread, the views are grouped a range of rowids at a time with a
 * yield between ranges (one GROUP BY over 200,000 views held the event loop 0.3–0.6 s); PostgreSQL groups them in one
 * statement on its server. Either way, the same URLs in the same order (busiest first, then host, then URL).
 */
export async function urlsToJudge(db: AnalyticsDb, since: number, minViews: number, maxUrls: number, breathe: () => Promise<void> = async () => undefined): Promise<DwellUrl[]> {
  if (db.kind === 'postgres') {
    const rows = await rowsOf(db, frag(`SELECT host, url, COUNT(*) AS n FROM page_views WHERE at >= ? AND host IS NOT NULL AND url IS NOT NULL
      GROUP BY host, url HAVING COUNT(*) >= ? ORDER BY n DESC, host, url LIMIT ?`, [since, minViews, maxUrls]));
    return rows.map(([host, url, n]) => ({ host: String(host), url: String(url), views: Number(n) }));
  }
  const byUrl = new Map<string, DwellUrl>();
  const last = Number((await rowsOf(db, frag('SELECT MAX(rowid) FROM page_views')))[0]?.[0] ?? 0);
  for (let from = 0; from < last; from += GROUP_ROWS) {
    const rows = await rowsOf(db, frag(`SELECT host, url, COUNT(*) FROM page_views WHERE rowid > ? AND rowid <= ? AND at >= ?
      AND host IS NOT NULL AND url IS NOT NULL GROUP BY host, url`, [from, from + GROUP_ROWS, since]));
    for (const [host, url, n] of rows) {
      const key = `${String(host)}\n${String(url)}`;
      const u = byUrl.get(key);
      if (u) u.views += Number(n);
      else byUrl.set(key, { host: String(host), url: String(url), views: Number(n) });
    }
    await breathe();
  }
  return [...byUrl.values()].filter((u) => u.views >= minViews).sort(busiestFirst).slice(0, maxUrls);
}

/** ORDER BY n DESC, host, url as SQLite's BINARY collation orders text (UTF-8 bytes: code points, not UTF-16 units). */
function busiestFirst(a: DwellUrl, b: DwellUrl): number {
  return b.views - a.views || byCodePoint(a.host, b.host) || byCodePoint(a.url, b.url);
}

function byCodePoint(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export async function viewsOf(db: AnalyticsDb, u: Pick<DwellUrl, 'host' | 'url'>, since: number, limit: number): Promise<DwellView[]> {
  const rows = await rowsOf(db, frag(`SELECT s.id, v.page_id, v.at, v.dwell_ms FROM page_views v JOIN sessions s ON s.sid = v.sid
    WHERE v.url = ? AND v.host = ? AND v.at >= ? ORDER BY v.at DESC LIMIT ?`, [u.url, u.host, since, limit]));
  return rows.map(([id, pageId, at, ms]) => ({ sessionId: String(id), pageId: String(pageId), at: Number(at), ms: Number(ms) }));
}
