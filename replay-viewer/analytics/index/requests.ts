/**
 * requests (issue #14 item 5, funnel steps by request): the proxy's captures a funnel can name as
 * `METHOD /path-pattern [2xx]` — a bank's "payment sent" is usually exactly a `POST /api/transfers` answered 2xx.
 * Documents, frames, fetch/XHR (Sec-Fetch-Dest `empty`) and every write method are kept; static assets (scripts,
 * styles, images, fonts…) are not journey steps and would outnumber the rest. Read from search's `request` hits
 * (request-hits.ts: Verbatim's own endpoints left out), the path reduced to its pattern (url-pattern.ts): no query,
 * no id, no account number.
 */
import type { CapturedResource } from '../../../store/records';
import type { Hit } from '../../search/types';
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow } from './analytics-table';
import { defineTable, int, text } from './define-table';
import { pathPattern } from './url-pattern';

const STEP_DESTINATIONS = new Set(['', 'document', 'iframe', 'frame', 'empty']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_REQUESTS = 5_000;
const MAX_HOST = 200;

export interface RequestRow { at: number; method: string; host: string; url: string; status: number | null }

export const requestsTable = defineTable<RequestRow>()({
  name: 'requests',
  columns: {
    at: int((r) => Math.trunc(r.at)),
    method: text((r) => r.method),
    host: text((r) => r.host.slice(0, MAX_HOST)),
    url: text((r) => r.url),
    status: int((r) => r.status),
  },
  // A capture re-read after a restart updates rather than doubles.
  key: ['at', 'method', 'url'],
  update: ['host', 'status'],
  // Step 1 by method and pattern, in session order; later steps per session (funnel-sql.ts).
  indexes: [['method', 'url', 'sid', 'at'], ['sid', 'method', 'url', 'at']],
});

/** Whether a capture can be a funnel step: not a static asset. */
export function isStepRequest(capture: CapturedResource, method: string): boolean {
  const dest = typeof capture?.destination === 'string' ? capture.destination : '';
  return WRITE_METHODS.has(method) || STEP_DESTINATIONS.has(dest);
}

export function createRequestCollector(): AnalyticsCollector {
  let count = 0;
  let out: AnalyticsRow[] = [];
  return {
    batch() {},
    capture(capture: CapturedResource, hits: readonly Hit[]) {
      for (const h of hits) {
        if (h.kind !== 'request' || !h.method || !h.host || h.path === undefined || count >= MAX_REQUESTS) continue;
        if (!isStepRequest(capture, h.method)) continue;
        count++;
        const row: RequestRow = { at: h.at, method: h.method, host: h.host, url: pathPattern(h.path), status: h.status ?? null };
        out.push({ table: requestsTable.name, row });
      }
    },
    drain() {
      const rows = out;
      out = [];
      return rows;
    },
  };
}

export const requestsModule: AnalyticsModule = { tables: [requestsTable], collector: createRequestCollector };
