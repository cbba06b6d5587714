/** Typed access to the site versions API (analytics/versions/versions-routes.ts). */
import type { SiteVersionSummary, VersionDiff } from '../analytics/versions/report-types';
import type { Period } from '../analytics/fields/report-types';
import { getWithQuery } from './api-call';

export type { SiteVersionSummary, VersionDiff };

export const listVersions = (p: Period) => getWithQuery<{ versions: SiteVersionSummary[] }>('/api/analytics/versions', { ...p }).then((r) => r.versions);
export const compareVersions = (host: string, a: string, b: string) => getWithQuery<VersionDiff>('/api/analytics/versions/compare', { host, a, b });
