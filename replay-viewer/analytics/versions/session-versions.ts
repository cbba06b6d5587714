/**
 * One session's page loads with the site version each was served (site-version.ts), computed from its stored
 * batches and captures: for the session API (`GET /api/sessions/<id>/versions`) and the evidence export. The
 * versions index (tables.ts) computes the same from the change feed.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import { SiteVersions, UNVERSIONED, assetLine, fingerprint, type VersionAsset } from '../site-version';
import { PageLoads, type PageLoad } from './page-loads';
import type { PageLoadVersion } from './report-types';

export function sessionVersions(batches: readonly EventBatch[], captures: readonly CapturedResource[]): PageLoadVersion[] {
  const versions = new SiteVersions();
  for (const c of captures) versions.capture(c);
  const loads = new PageLoads();
  for (const b of batches) loads.batch(b);
  return versionsOfLoads(loads.all(), versions).map(({ load, version, assets }) => ({ pageId: load.pageId, url: load.url, at: load.at, version, assets: assets.length }));
}

/**
 * Each load's version in time order: from its own captured assets, else (everything came from the browser's cache)
 * the version of the session's latest earlier load on the same host.
 */
export function versionsOfLoads(loads: readonly PageLoad[], versions: SiteVersions): { load: PageLoad; version: string; assets: VersionAsset[] }[] {
  const lastByHost = new Map<string, string>();
  return [...loads].sort((a, b) => a.at - b.at).map((load) => {
    const assets = versions.assetsOf(load.url, load.at);
    const version = assets.length ? fingerprint(assets.map(assetLine)) : lastByHost.get(load.host) ?? UNVERSIONED;
    if (version) lastByHost.set(load.host, version);
    return { load, version, assets };
  });
}
