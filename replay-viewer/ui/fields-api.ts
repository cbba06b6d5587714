/** Typed access to the field-analytics and click-map API (analytics/fields/fields-routes.ts). */
import type { ClickMap, ClickMapPage, FieldsReport, FormSummary, Period } from '../analytics/fields/report-types';
import { getWithQuery } from './api-call';

export type { ClickMap, ClickMapPage, FieldsReport, FormSummary, Period };

export const listForms = (p: Period) => getWithQuery<{ forms: FormSummary[] }>('/api/analytics/fields', { ...p }).then((r) => r.forms);
export const getFieldsReport = (form: { host: string; url: string; form: string }, p: Period) =>
  getWithQuery<FieldsReport>('/api/analytics/fields', { ...form, ...p });
export const listClickMapPages = (p: Period) => getWithQuery<{ pages: ClickMapPage[] }>('/api/analytics/clickmap', { ...p }).then((r) => r.pages);
export const getClickMap = (page: { host: string; url: string; version: string }, p: Period) =>
  getWithQuery<ClickMap>('/api/analytics/clickmap', { ...page, ...p });
