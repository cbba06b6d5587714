/** Handlers of the audit trail routes (auditors only, declared in ../routes.ts; the trail is append-only: GET only). */
import { sendAttachment, sendJson, sendPage } from '../http-responses';
import type { RouteContext } from '../route-table';
import type { AuditFilter } from './audit-log';
import type { ViewerAccess } from './gate';
import { PAGE_CSP, auditPage } from './pages';

export class AuditRoutes {
  constructor(private readonly access: ViewerAccess) {}

  async page({ req, res, query }: RouteContext): Promise<void> {
    const filter = filterOf(query);
    const log = this.access.audit;
    sendPage(req, res, 200, auditPage(await log.query({ ...filter, limit: filter.limit ?? 500 }), filter, await log.verify()), PAGE_CSP);
  }

  async entries({ req, res, query }: RouteContext): Promise<void> {
    const filter = filterOf(query);
    await sendJson(req, res, 200, { entries: await this.access.audit.query({ ...filter, limit: filter.limit ?? 1000 }) });
  }

  async verify({ req, res }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.access.audit.verify());
  }

  async export({ req, res, query }: RouteContext): Promise<void> {
    const entries = (await this.access.audit.query(filterOf(query))).reverse();
    const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
    sendAttachment(req, res, { filename: 'verbatim-audit.jsonl', contentType: 'application/x-ndjson; charset=utf-8', body });
  }
}

function filterOf(query: URLSearchParams): AuditFilter {
  return {
    actor: query.get('actor') || undefined, action: query.get('action') || undefined,
    target: query.get('target') || undefined, outcome: query.get('outcome') || undefined,
    from: numberParam(query.get('from')), to: numberParam(query.get('to')), limit: numberParam(query.get('limit')),
  };
}

function numberParam(raw: string | null): number | undefined {
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}
