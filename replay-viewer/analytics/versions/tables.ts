/**
 * The versions index (issue #16 item 2), two tables on the analytics plumbing (analytics/index/: same transaction
 * as the hits, erased with the session, created on open; one registration line):
 * - page_versions   one row per page load (keyed by page id): its host, URL pattern, moment and site version, and
 *                   how many assets made it. Versions per site, first and last seen, session and page counts are
 *                   aggregates over it.
 * - version_assets  a version's assets (kind, host/path, body digest, stored size), once per session that saw it:
 *                   rows never go stale (a version id is the hash of exactly these lines), and a version whose
 *                   every session is erased leaves nothing behind.
 * Captures and batches reach the feed in either order, so a page load's version is worked out again whenever a
 * capture lands in its window (site-version.ts) and the row rewritten when it changed; a version that no page holds
 * any more is left out by the queries (they join page_versions). Shared assets only: sealed (per-customer) bodies
 * never count, and URLs carry no query.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow } from '../index/analytics-table';
import { defineTable, int, text } from '../index/define-table';
import { urlPattern } from '../index/url-pattern';
import { ASSET_GRACE_MS, SiteVersions, UNVERSIONED, assetLine, fingerprint, kindOf, type VersionAsset } from '../site-version';
import { PageLoads, type PageLoad } from './page-loads';

/** How far a capture can be from a page's first event and still be one of its assets (site-version.ts's window). */
const WINDOW_BEFORE_MS = 30_000;
const MAX_URL = 500;

export interface PageVersionRow { pageId: string; at: number; host: string; url: string; version: string; assets: number }
export interface VersionAssetDbRow { version: string; asset: VersionAsset }

export const pageVersionsTable = defineTable<PageVersionRow>()({
  name: 'page_versions',
  columns: {
    page_id: text((r) => r.pageId),
    at: int((r) => Math.trunc(r.at)),
    host: text((r) => r.host),
    url: text((r) => r.url.slice(0, MAX_URL)),
    version: text((r) => r.version),
    assets: int((r) => r.assets),
  },
  key: ['page_id'],
  update: ['at', 'host', 'url', 'version', 'assets'],
  // The versions list (grouped per host and version in index order) and `version:` searches (by prefix).
  indexes: [['host', 'version', 'at', 'sid'], ['version', 'sid']],
});

export const versionAssetsTable = defineTable<VersionAssetDbRow>()({
  name: 'version_assets',
  columns: {
    version: text((r) => r.version),
    kind: text((r) => r.asset.kind),
    url: text((r) => r.asset.url.slice(0, MAX_URL)),
    digest: text((r) => r.asset.digest),
    size: int((r) => Math.trunc(r.asset.size)),
  },
  key: ['version', 'kind', 'url', 'digest'],
  update: [],
  indexes: [['version', 'kind', 'url', 'digest', 'size']],
});

interface Tracked { load: PageLoad; own: string; assets: VersionAsset[]; written?: string }

export function createVersionsCollector(): AnalyticsCollector {
  const versions = new SiteVersions();
  const loads = new PageLoads();
  const tracked: Tracked[] = [];
  const assetsWritten = new Set<string>();
  let out: AnalyticsRow[] = [];

  const own = (t: Tracked) => {
    t.assets = versions.assetsOf(t.load.url, t.load.at);
    t.own = t.assets.length ? fingerprint(t.assets.map(assetLine)) : UNVERSIONED;
  };
  // The same rule as session-versions.ts: a load with no captured asset takes its host's previous version.
  const settle = () => {
    const lastByHost = new Map<string, { version: string; assets: VersionAsset[] }>();
    for (const t of tracked) {
      const v = t.own ? { version: t.own, assets: t.assets } : lastByHost.get(t.load.host);
      if (v) lastByHost.set(t.load.host, v);
      const version = v?.version ?? UNVERSIONED;
      // Nothing known yet is never written: after a restart the follower meets a page without its earlier captures,
      // and must not blank the row it wrote before.
      if (!version || version === t.written) continue;
      t.written = version;
      const place = urlPattern(t.load.url);
      out.push({ table: pageVersionsTable.name, row: { pageId: t.load.pageId, at: t.load.at, host: t.load.host, url: place?.pattern ?? '/', version, assets: t.own ? t.assets.length : 0 } satisfies PageVersionRow });
      if (!assetsWritten.has(version)) {
        assetsWritten.add(version);
        for (const asset of v!.assets) out.push({ table: versionAssetsTable.name, row: { version, asset } satisfies VersionAssetDbRow });
      }
    }
  };

  return {
    batch(batch: EventBatch) {
      const load = loads.batch(batch);
      if (!load) return;
      const t: Tracked = { load, own: UNVERSIONED, assets: [] };
      own(t);
      tracked.push(t);
      tracked.sort((a, b) => a.load.at - b.load.at);
      settle();
    },
    capture(c: CapturedResource) {
      versions.capture(c);
      if (typeof c?.startedAt !== 'number' || (c.destination !== 'document' && !kindOf(c))) return;
      const near = tracked.filter((t) => c.startedAt >= t.load.at - WINDOW_BEFORE_MS && c.startedAt <= t.load.at + ASSET_GRACE_MS);
      if (!near.length) return;
      near.forEach(own);
      settle();
    },
    drain() {
      const rows = out;
      out = [];
      return rows;
    },
  };
}

export const versionsModule: AnalyticsModule = { tables: [pageVersionsTable, versionAssetsTable], collector: createVersionsCollector };
