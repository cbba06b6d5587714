/**
 * Reads of the versions index (tables.ts) through the index's connection, the same SQL on SQLite and PostgreSQL:
 * versions per site with first/last seen and session and page counts, a version's assets, and what changed between
 * two versions of a site. Assets are read only for versions some page still holds (a provisional version, replaced
 * once a late capture arrived, is left out), and only for sessions not erased (rows go with their session).
 */
import { query } from '../fields/queries';
import type { Period } from '../fields/report-types';
import type { AnalyticsDb } from '../../search/search-index';
import type { AssetKind } from '../site-version';
import type { SiteVersionSummary, VersionAssetRow, VersionDiff } from './report-types';

const MAX_VERSIONS = 500;
const MAX_ASSETS = 5_000;

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const period = (p: Period) => [p.from ?? 0, p.to ?? Number.MAX_SAFE_INTEGER];

const SUMMARY = `SELECT host, version, MIN(at) AS first_seen, MAX(at) AS last_seen, COUNT(DISTINCT sid) AS sessions, COUNT(*) AS pages,
  MAX(assets) AS assets FROM page_versions`;

const summaryOf = (r: Record<string, unknown>): SiteVersionSummary => ({
  host: String(r.host), version: String(r.version), firstSeen: num(r.first_seen), lastSeen: num(r.last_seen),
  sessions: num(r.sessions), pages: num(r.pages), assets: num(r.assets),
});

/** Every site's versions seen in the period (by page load), newest first within a site. */
export async function listVersions(db: AnalyticsDb, p: Period, host?: string): Promise<SiteVersionSummary[]> {
  const rows = await query(db, `${SUMMARY} WHERE at >= ? AND at < ?${host ? ' AND host = ?' : ''}
    GROUP BY host, version ORDER BY host, first_seen DESC, version LIMIT ${MAX_VERSIONS}`, [...period(p), ...(host ? [host] : [])]);
  return rows.map(summaryOf);
}

/** One version of one site over all time, or undefined when no page load of the site has it. */
export async function versionSummary(db: AnalyticsDb, host: string, version: string): Promise<SiteVersionSummary | undefined> {
  const rows = await query(db, `${SUMMARY} WHERE host = ? AND version = ? GROUP BY host, version`, [host, version]);
  return rows[0] ? summaryOf(rows[0]) : undefined;
}

export async function versionAssets(db: AnalyticsDb, version: string): Promise<VersionAssetRow[]> {
  const rows = await query(db, `SELECT DISTINCT kind, url, digest, size FROM version_assets
    WHERE version = ? AND sid IN (SELECT sid FROM page_versions WHERE version = ?) ORDER BY kind, url, digest LIMIT ${MAX_ASSETS}`, [version, version]);
  return rows.map((r) => ({ kind: String(r.kind) as AssetKind, url: String(r.url), digest: String(r.digest), size: num(r.size) }));
}

/** What changed from `from` to `to` (either order of first seen is fine): assets added, removed, changed, by kind and URL. */
export function diffAssets(before: readonly VersionAssetRow[], after: readonly VersionAssetRow[]): Pick<VersionDiff, 'added' | 'removed' | 'changed' | 'unchanged'> {
  const byKey = (list: readonly VersionAssetRow[]) => {
    const m = new Map<string, VersionAssetRow>();
    for (const a of list) if (!m.has(`${a.kind} ${a.url}`)) m.set(`${a.kind} ${a.url}`, a);
    return m;
  };
  const a = byKey(before);
  const b = byKey(after);
  const out: Pick<VersionDiff, 'added' | 'removed' | 'changed' | 'unchanged'> = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [k, x] of b) {
    const y = a.get(k);
    if (!y) out.added.push(x);
    else if (y.digest !== x.digest) out.changed.push({ kind: x.kind, url: x.url, before: { digest: y.digest, size: y.size }, after: { digest: x.digest, size: x.size } });
    else out.unchanged++;
  }
  for (const [k, y] of a) if (!b.has(k)) out.removed.push(y);
  return out;
}
