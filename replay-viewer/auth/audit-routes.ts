/**
 * Handlers of the audit trail routes (auditors and administrators, declared in ../routes.ts; the trail is append-only:
 * GET only). The page itself is the viewer UI (ui/audit-page.ts); these answer its data.
 */
import { VerbatimError } from '../../store/errors';
import { sendAttachment, sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import { chainStatus } from './audit-chain';
import { auditCsv, auditJson } from './audit-export';
import type { AuditFilter } from './audit-log';
import type { ViewerAccess } from './gate';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

export class AuditRoutes {
  constructor(private readonly access: ViewerAccess) {}

  /** A page of the trail, newest first: `?before=<seq>` of the last entry shown gives the next. */
  async entries({ req, res, query }: RouteContext): Promise<void> {
    const filter = filterOf(query);
    const limit = Math.min(filter.limit ?? DEFAULT_PAGE, MAX_PAGE);
    await sendJson(req, res, 200, await this.access.audit.page({ ...filter, limit }));
  }

  async verify({ req, res }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await chainStatus(this.access.audit));
  }

  /** Every matching entry, oldest first: `?format=csv`, `json`, or JSON lines (the default). */
  async export({ req, res, query }: RouteContext): Promise<void> {
    const filter = filterOf(query);
    const entries = (await this.access.audit.query({ ...filter, before: undefined, limit: undefined })).reverse();
    const format = query.get('format') ?? 'jsonl';
    if (format === 'csv') {
      sendAttachment(req, res, { filename: 'verbatim-audit.csv', contentType: 'text/csv; charset=utf-8', body: Buffer.from(auditCsv(entries)) });
    } else if (format === 'json') {
      const { limit: _l, before: _b, ...shown } = filter;
      const body = Buffer.from(auditJson(entries, await chainStatus(this.access.audit), shown));
      sendAttachment(req, res, { filename: 'verbatim-audit.json', contentType: 'application/json; charset=utf-8', body });
    } else if (format === 'jsonl') {
      const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
      sendAttachment(req, res, { filename: 'verbatim-audit.jsonl', contentType: 'application/x-ndjson; charset=utf-8', body });
    } else {
      throw new VerbatimError('BAD_REQUEST', 'format must be csv, json or jsonl');
    }
  }
}

/** Filters from the query; `session` is the target of the entries that concern one session. */
function filterOf(query: URLSearchParams): AuditFilter {
  return {
    actor: query.get('actor') || undefined, action: query.get('action') || undefined,
    target: query.get('session') || query.get('target') || undefined, outcome: query.get('outcome') || undefined,
    from: numberParam(query, 'from'), to: numberParam(query, 'to'), limit: numberParam(query, 'limit'),
    before: numberParam(query, 'before'),
  };
}

function numberParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d{1,16}$/.test(raw)) throw new VerbatimError('BAD_REQUEST', `Query parameter ${name} must be a non-negative integer`);
  return Number(raw);
}
