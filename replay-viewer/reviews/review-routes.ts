/**
 * The reviews API (declared in ../routes.ts; who may call what in docs/ACCESS.md). The gate audits every call: reads
 * before the data is served, changes after the handler with what it notes in ctx.audit. Queries appear in the trail
 * with their personal values hashed (../search/audit-query.ts), notes never (only their length).
 */
import type { IncomingMessage } from 'node:http';
import { VerbatimError } from '../../store/errors';
import { readJson } from '../../store/bounded-json';
import { sendAttachment, sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import { auditedInvalidQuery, auditedQuery } from '../search/audit-query';
import type { IndexKey } from '../search/index-key';
import { parseQuery } from '../search/query/index';
import { resultCsv } from './result-csv';
import { verifyResult } from './result-signature';
import type { ReviewService } from './review-service';
import type { Mark, Period, RunSummary, SavedSearch } from './types';

const BODY_LIMIT = 16 * 1024;

/** GET /api/reviews/searches */
export interface SearchesResponse { searches: (SavedSearch & { lastRun?: RunSummary })[] }

export class ReviewRoutes {
  constructor(private readonly service: ReviewService, private readonly key: IndexKey) {}

  async listSearches({ req, res }: RouteContext): Promise<void> {
    const runs = await this.service.repo.listRuns();
    const searches = (await this.service.repo.listSearches()).sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({ ...s, lastRun: runs.find((r) => r.savedSearch.id === s.id) }));
    const body: SearchesResponse = { searches };
    await sendJson(req, res, 200, body);
  }

  async createSearch(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'saved-search-created';
    const body = await readBody(ctx.req);
    const search = await this.service.createSearch(body, ctx.principal?.user ?? 'local');
    this.noteSearch(ctx, search);
    await sendJson(ctx.req, ctx.res, 201, { search });
  }

  async updateSearch(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'saved-search-updated';
    ctx.audit.target = `saved-search:${ctx.params.id}`;
    const search = await this.service.updateSearch(ctx.params.id!, await readBody(ctx.req));
    this.noteSearch(ctx, search);
    await sendJson(ctx.req, ctx.res, 200, { search });
  }

  async deleteSearch(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'saved-search-deleted';
    ctx.audit.target = `saved-search:${ctx.params.id}`;
    await this.service.deleteSearch(ctx.params.id!);
    await sendJson(ctx.req, ctx.res, 200, { deleted: ctx.params.id });
  }

  /** POST /api/reviews/searches/:id/runs {from, to}: epoch ms or ISO 8601 (a bare date is midnight UTC); to is exclusive. */
  async run(ctx: RouteContext): Promise<void> {
    ctx.audit.target = `saved-search:${ctx.params.id}`;
    ctx.audit.details.trigger = 'on-demand';
    const search = await this.service.existing(ctx.params.id!);
    const body = await readBody(ctx.req);
    const period: Period = { from: timeOf(body.from, 'from'), to: timeOf(body.to, 'to') };
    Object.assign(ctx.audit.details, { name: search.name, query: this.audited(search.query), from: period.from, to: period.to });
    const { run } = await this.service.run(search, period, ctx.principal?.user ?? 'local', 'on-demand');
    const { rows: _rows, format: _format, ...summary } = run.result;
    Object.assign(ctx.audit.details, { run: summary.runId, count: summary.count, truncated: summary.truncated });
    await sendJson(ctx.req, ctx.res, 201, { run: summary });
  }

  async listRuns({ req, res, query }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, { runs: await this.service.repo.listRuns(query.get('search') || undefined) });
  }

  async getRun({ req, res, params }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, (await this.service.view(params.id!)).view);
  }

  /** The kept file as it is (JSON: the signed bytes), or CSV with each session's current mark. */
  async download({ req, res, params, query }: RouteContext): Promise<void> {
    const format = query.get('format') ?? 'json';
    const { view, text } = await this.service.view(params.id!);
    const base = `verbatim-review-${view.result.runId}`;
    if (format === 'json') {
      sendAttachment(req, res, { filename: `${base}.json`, contentType: 'application/json; charset=utf-8', body: Buffer.from(text) });
    } else if (format === 'csv') {
      const current = new Map<string, Mark>(Object.entries(view.marks).map(([id, m]) => [id, m.current]));
      sendAttachment(req, res, { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: Buffer.from(resultCsv(view.result, current)) });
    } else throw new VerbatimError('BAD_REQUEST', 'format must be csv or json');
  }

  /** Re-checks the kept file's signature against the store's key. */
  async verify({ req, res, params }: RouteContext): Promise<void> {
    const kept = await this.service.repo.getRun(params.id!);
    if (!kept) throw new VerbatimError('NOT_FOUND', 'No such review run');
    await sendJson(req, res, 200, verifyResult(kept.text));
  }

  async mark(ctx: RouteContext): Promise<void> {
    ctx.audit.target = `review-run:${ctx.params.id}`;
    const body = await readBody(ctx.req);
    if (typeof body.sessionId === 'string') ctx.audit.details.session = body.sessionId.slice(0, 128);
    const mark = await this.service.mark(ctx.params.id!, body, ctx.principal?.user ?? 'local');
    Object.assign(ctx.audit.details, { status: mark.status, noteLength: mark.note.length });
    await sendJson(ctx.req, ctx.res, 201, { mark });
  }

  private noteSearch(ctx: RouteContext, s: SavedSearch): void {
    ctx.audit.target = `saved-search:${s.id}`;
    Object.assign(ctx.audit.details, { name: s.name, query: this.audited(s.query), schedule: s.schedule });
  }

  private audited(q: string): string {
    if (!q.trim()) return '';
    try {
      return auditedQuery(parseQuery(q), this.key);
    } catch {
      return auditedInvalidQuery(q, this.key);
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return readJson(req, BODY_LIMIT);
}

function timeOf(raw: unknown, name: string): number {
  const t = typeof raw === 'number' ? raw
    : typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/.test(raw) ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : raw)
      : Number.NaN;
  if (!Number.isSafeInteger(t)) throw new VerbatimError('BAD_REQUEST', `${name} must be epoch ms or an ISO 8601 UTC time (2026-11-01 or 2026-11-01T08:00Z)`);
  return t;
}
