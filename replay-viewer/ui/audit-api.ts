/** Typed access to the audit trail API (auth/audit-routes.ts). */
import type { ChainStatus } from '../auth/audit-chain';
import type { AuditEntry, AuditPage } from '../auth/audit-log';
import { call } from './api-call';

export type { AuditEntry, AuditPage, ChainStatus };

/** The filters the page keeps in its URL; times in epoch ms (UTC days picked on the page). */
export interface AuditQuery {
  actor?: string;
  action?: string;
  session?: string;
  from?: number;
  to?: number;
}

export function auditParams(q: AuditQuery): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p;
}

export const auditPage = (q: AuditQuery, limit: number, before?: number) => {
  const p = auditParams(q);
  p.set('limit', String(limit));
  if (before !== undefined) p.set('before', String(before));
  return call<AuditPage>('GET', `/api/audit?${p}`);
};
export const chainStatus = () => call<ChainStatus>('GET', '/api/audit/verify');
export const exportUrl = (q: AuditQuery, format: 'csv' | 'json') => {
  const p = auditParams(q);
  p.set('format', format);
  return `/api/audit/export?${p}`;
};
