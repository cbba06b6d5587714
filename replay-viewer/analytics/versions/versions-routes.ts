/**
 * The site versions API (declared in ../../routes.ts; analysts and compliance, audited):
 *   GET /api/analytics/versions?from=&to=&host=            { versions: SiteVersionSummary[] }  per site, newest first
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
import type { VersionDiff } from './report-types';

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

  async compare(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const host = query.get('host') ?? '';
    if (!host || host.length > MAX_HOST) throw new VerbatimError('BAD_REQUEST', 'host is required (at most 300 characters)');
    const [a, b] = (['a', 'b'] as const).map((k) => {
      const v = query.get(k) ?? '';
      if (!VERSION.test(v)) throw new VerbatimError('BAD_REQUEST', `${k} must be a version id (12 hex digits)`);
      return v;
    }) as [string, string];
    const db = this.index.analyticsDb();
    const [from, to] = await Promise.all([versionSummary(db, host, a), versionSummary(db, host, b)]);
    if (!from || !to) throw new VerbatimError('NOT_FOUND', `${host} has no version ${!from ? a : b}`, { host });
    const [before, after] = await Promise.all([versionAssets(db, a), versionAssets(db, b)]);
    sendJson(req, res, 200, { host, from, to, ...diffAssets(before, after) } satisfies VersionDiff);
  }

  /** The audit entry names what was looked at (hosts and version ids: nothing personal). */
  auditDetails(ctx: RouteContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['host', 'a', 'b', 'from', 'to']) {
      const v = ctx.query.get(k);
      if (v !== null) out[k] = v.slice(0, MAX_HOST);
    }
    return out;
  }
}
