/** Typed access to the site versions API (analytics/versions/versions-routes.ts). */
import type { SiteVersionSummary, VersionDiff } from '../analytics/versions/report-types';
import type { Period } from '../analytics/fields/report-types';

export type { SiteVersionSummary, VersionDiff };

async function getJson<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const res = await fetch(`${path}?${qs}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `Request failed (${res.status})`);
  return body;
}

export const listVersions = (p: Period) => getJson<{ versions: SiteVersionSummary[] }>('/api/analytics/versions', { ...p }).then((r) => r.versions);
export const compareVersions = (host: string, a: string, b: string) => getJson<VersionDiff>('/api/analytics/versions/compare', { host, a, b });
