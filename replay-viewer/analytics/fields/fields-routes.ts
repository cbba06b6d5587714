/**
 * The field-analytics and click-map API (declared in ../../routes.ts; analysts and compliance, audited):
 *   GET /api/analytics/fields?from=&to=                      { forms: FormSummary[] }
 *   GET /api/analytics/fields?host=&url=&form=&from=&to=     FieldsReport
 *   GET /api/analytics/clickmap?from=&to=                    { pages: ClickMapPage[] }
 *   GET /api/analytics/clickmap?host=&url=&version=&from=&to= ClickMap
 * `from`/`to` are epoch ms (to exclusive); absent: all time. Bad parameters answer 400 with the reason.
 */
import { VerbatimError } from '../../../store/errors';
import { sendJson } from '../../http-responses';
import type { RouteContext } from '../../route-table';
import type { SearchIndex } from '../../search/search-index';
import { clickMap, clickMapPages, fieldsReport, listForms } from './queries';
import type { Period } from './report-types';

const MAX_PARAM = 300;

export class FieldAnalyticsRoutes {
  constructor(private readonly index: SearchIndex) {}

  async fields(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const p = periodOf(query);
    const db = this.index.analyticsDb();
    if (!query.has('host') && !query.has('url') && !query.has('form')) return sendJson(req, res, 200, { forms: await listForms(db, p) });
    const form = { host: text(query, 'host'), url: text(query, 'url'), form: text(query, 'form', true) };
    sendJson(req, res, 200, await fieldsReport(db, form, p));
  }

  async clickmap(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const p = periodOf(query);
    const db = this.index.analyticsDb();
    if (!query.has('host') && !query.has('url') && !query.has('version')) return sendJson(req, res, 200, { pages: await clickMapPages(db, p) });
    const page = { host: text(query, 'host'), url: text(query, 'url'), version: text(query, 'version', true) };
    sendJson(req, res, 200, await clickMap(db, page, p));
  }

  /** The audit entry names what was looked at (patterns and selectors only: nothing personal). */
  auditDetails(ctx: RouteContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['host', 'url', 'form', 'version', 'from', 'to']) {
      const v = ctx.query.get(k);
      if (v !== null) out[k] = v.slice(0, MAX_PARAM);
    }
    return out;
  }
}

function text(query: URLSearchParams, name: string, emptyOk = false): string {
  const v = query.get(name);
  if (v === null || (!v && !emptyOk)) throw new VerbatimError('BAD_REQUEST', `Missing ${name}`);
  if (v.length > MAX_PARAM) throw new VerbatimError('BAD_REQUEST', `${name} is longer than ${MAX_PARAM} characters`);
  return v;
}

export function periodOf(query: URLSearchParams): Period {
  const out: Period = {};
  for (const k of ['from', 'to'] as const) {
    const raw = query.get(k);
    if (raw === null || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 0) throw new VerbatimError('BAD_REQUEST', `${k} must be a time in epoch milliseconds`);
    out[k] = n;
  }
  if (out.from !== undefined && out.to !== undefined && out.to <= out.from) throw new VerbatimError('BAD_REQUEST', 'to must be after from');
  return out;
}
