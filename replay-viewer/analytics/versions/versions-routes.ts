/**
 * The site versions API (declared in ../../routes.ts; analysts and compliance, audited):
 *   GET /api/analytics/versions?from=&to=&host=            { versions: SiteVersionSummary[] }  per site, newest first
 *   GET /api/analytics/versions/assets?host=&version=      { version: SiteVersionSummary, assets: VersionAssetRow[] }
 *   GET /api/analytics/versions/compare?host=&a=&b=        VersionDiff: what changed from version a to version b
 * `from`/`to` are epoch ms (to exclusive); absent: all time. Bad parameters answer 400 with the reason; a version the
 * site never had answers 404.
 */
import { VerbatimError } from '../../../store/errors';
import { sendJson } from '../../http-responses';
import type { RouteContext } from '../../route-table';
import type { SearchIndex } from '../../search/search-index';
import { periodOf } from '../fields/fields-routes';
import { diffAssets, listVersions, versionAssets, versionSummary } from './queries';
import type { VersionAssets, VersionDiff } from './report-types';

const MAX_HOST = 300;
const VERSION = /^[0-9a-f]{12}$/;

export class VersionsRoutes {
  constructor(private readonly index: SearchIndex) {}

  async list(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const host = query.get('host') || undefined;
    if (host && host.length > MAX_HOST) throw new VerbatimError('BAD_REQUEST', `host is longer than ${MAX_HOST} characters`);
    sendJson(req, res, 200, { versions: await listVersions(this.index.analyticsDb(), periodOf(query), host) });
  }

  /** One version of a site with its asset list (kind, host/path, digest, size). */
  async assets(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const host = hostOf(query);
    const [version] = versionsOf(query, ['version']);
    const db = this.index.analyticsDb();
    const summary = await versionSummary(db, host, version!);
    if (!summary) throw new VerbatimError('NOT_FOUND', `${host} has no version ${version}`, { host });
    sendJson(req, res, 200, { version: summary, assets: await versionAssets(db, version!) } satisfies VersionAssets);
  }

  async compare(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const host = hostOf(query);
    const [a, b] = versionsOf(query, ['a', 'b']) as [string, string];
    const db = this.index.analyticsDb();
    const [from, to] = await Promise.all([versionSummary(db, host, a), versionSummary(db, host, b)]);
    if (!from || !to) throw new VerbatimError('NOT_FOUND', `${host} has no version ${!from ? a : b}`, { host });
    const [before, after] = await Promise.all([versionAssets(db, a), versionAssets(db, b)]);
    sendJson(req, res, 200, { host, from, to, ...diffAssets(before, after) } satisfies VersionDiff);
  }

  /** The audit entry names what was looked at (hosts and version ids: nothing personal). */
  auditDetails(ctx: RouteContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['host', 'version', 'a', 'b', 'from', 'to']) {
      const v = ctx.query.get(k);
      if (v !== null) out[k] = v.slice(0, MAX_HOST);
    }
    return out;
  }
}

function hostOf(query: URLSearchParams): string {
  const host = query.get('host') ?? '';
  if (!host || host.length > MAX_HOST) throw new VerbatimError('BAD_REQUEST', 'host is required (at most 300 characters)');
  return host;
}

function versionsOf(query: URLSearchParams, names: readonly string[]): string[] {
  return names.map((k) => {
    const v = query.get(k) ?? '';
    if (!VERSION.test(v)) throw new VerbatimError('BAD_REQUEST', `${k} must be a version id (12 hex digits)`);
    return v;
  });
}
