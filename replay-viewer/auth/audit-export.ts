/**
 * The audit trail as a file for an auditor's own tools: CSV through csv-stringify with formula escaping (a cell
 * starting with = + - @ tab or CR gets a leading `'`, as reviews/result-csv.ts does: actors, targets and details come
 * from requests, so they count as hostile), or one JSON document holding the entries and the chain status.
 */
import { stringify } from 'csv-stringify/sync';
import type { AuditEntry } from './audit-log';
import type { ChainStatus } from './audit-chain';

const HEADER = ['seq', 'at', 'actor', 'role', 'action', 'outcome', 'target', 'details', 'prev', 'hash'];

/** Oldest first, as the trail is written. */
export function auditCsv(entries: readonly AuditEntry[]): string {
  const rows = entries.map((e) => [String(e.seq), new Date(e.at).toISOString(), e.actor, e.role ?? '', e.action, e.outcome,
    e.target ?? '', e.details ? JSON.stringify(e.details) : '', e.prev, e.hash]);
  return stringify([HEADER, ...rows], { escape_formulas: true, record_delimiter: 'windows' });
}

export function auditJson(entries: readonly AuditEntry[], chain: ChainStatus, filter: Record<string, string | number | undefined>): string {
  return `${JSON.stringify({ format: 'verbatim-audit/1', filter, chain, entries }, null, 1)}\n`;
}
