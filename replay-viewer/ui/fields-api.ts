/** Typed access to the field-analytics and click-map API (analytics/fields/fields-routes.ts). */
import type { ClickMap, ClickMapPage, FieldsReport, FormSummary, Period } from '../analytics/fields/report-types';

export type { ClickMap, ClickMapPage, FieldsReport, FormSummary, Period };

async function getJson<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  const res = await fetch(`${path}?${qs}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `Request failed (${res.status})`);
  return body;
}

export const listForms = (p: Period) => getJson<{ forms: FormSummary[] }>('/api/analytics/fields', { ...p }).then((r) => r.forms);
export const getFieldsReport = (form: { host: string; url: string; form: string }, p: Period) =>
  getJson<FieldsReport>('/api/analytics/fields', { ...form, ...p });
export const listClickMapPages = (p: Period) => getJson<{ pages: ClickMapPage[] }>('/api/analytics/clickmap', { ...p }).then((r) => r.pages);
export const getClickMap = (page: { host: string; url: string; version: string }, p: Period) =>
  getJson<ClickMap>('/api/analytics/clickmap', { ...page, ...p });
