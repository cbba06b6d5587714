/**
 * The analytics API (declared in ../routes.ts; analysts and compliance only, docs/ACCESS.md). Every read is audited
 * by the gate before it is served; saved-funnel changes after, with what they changed. Views over a period stream
 * their progress (query/progress-stream.ts).
 *   GET    /api/analytics/funnels                     saved funnels
 *   POST   /api/analytics/funnels                     save one ({name, steps: [{kind, match, label?}]})
 *   PUT    /api/analytics/funnels/:id                 change one
 *   DELETE /api/analytics/funnels/:id                 delete one
 *   GET    /api/analytics/funnels/:id/report?from&to  FunnelReport, streamed (&per=customer: journeys across each
 *                                                     customer's sessions, funnels/customer-funnel.ts)
 *   GET    /api/analytics/funnel-steps?from&to        marker names and request patterns seen (the editor's suggestions)
 *   GET    /api/analytics/journeys?from&to            JourneyReport, streamed
 *   GET    /api/analytics/journeys/sessions?from&to&step&from_url&to_url | &path=a&path=b   sessions of a link or path
 */
import { readJson } from '../../store/bounded-json';
import { VerbatimError } from '../../store/errors';
import { sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import type { SearchIndex } from '../search/search-index';
import { parseDefinition } from './funnels/definition';
import type { FunnelRepository } from './funnels/funnel-repository';
import { customerFunnelReport, type CustomerOf } from './funnels/customer-funnel';
import { funnelReport } from './funnels/funnel-report';
import { stepSuggestions } from './funnels/step-suggestions';
import { PATH_DEPTH } from './index/session-paths';
import { journeyReport, journeySessions, type JourneySelection } from './journeys/journey-report';
import { periodOf } from './query/period';
import { streamWithProgress } from './query/progress-stream';

const BODY_LIMIT = 16 * 1024;
const ID = /^[0-9a-f]{16}$/;
const MAX_URL_PARAM = 1_000;

export class AnalyticsRoutes {
  constructor(
    private readonly index: SearchIndex, private readonly funnels: FunnelRepository, private readonly now: () => number = Date.now,
    /** The store's customer links, for `per=customer` (without it, every session is its own journey). */
    private readonly customerOf: CustomerOf = async () => undefined,
  ) {}

  async listFunnels({ req, res }: RouteContext): Promise<void> {
    const funnels = (await this.funnels.list()).sort((a, b) => a.name.localeCompare(b.name));
    await sendJson(req, res, 200, { funnels });
  }

  async createFunnel(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'funnel-created';
    const funnel = await this.funnels.create(parseDefinition(await readJson(ctx.req, BODY_LIMIT)), ctx.principal?.user ?? 'local');
    this.note(ctx, funnel);
    await sendJson(ctx.req, ctx.res, 201, { funnel });
  }

  async updateFunnel(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'funnel-updated';
    const id = idOf(ctx);
    ctx.audit.target = `funnel:${id}`;
    const funnel = await this.funnels.update(id, parseDefinition(await readJson(ctx.req, BODY_LIMIT)));
    this.note(ctx, funnel);
    await sendJson(ctx.req, ctx.res, 200, { funnel });
  }

  async deleteFunnel(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'funnel-deleted';
    const id = idOf(ctx);
    ctx.audit.target = `funnel:${id}`;
    const funnel = await this.funnels.remove(id);
    ctx.audit.details.name = funnel.name;
    await sendJson(ctx.req, ctx.res, 200, { deleted: id });
  }

  async funnelReport(ctx: RouteContext): Promise<void> {
    const funnel = await this.funnels.get(idOf(ctx));
    const period = periodOf(ctx.query, this.now());
    const db = this.index.analyticsDb();
    const per = ctx.query.get('per') ?? 'session';
    if (per !== 'session' && per !== 'customer') throw new VerbatimError('BAD_REQUEST', 'per must be session or customer');
    await streamWithProgress(ctx.res, (onProgress) => per === 'customer'
      ? customerFunnelReport(db, funnel, period, this.customerOf, onProgress)
      : funnelReport(db, funnel, period, onProgress));
  }

  async funnelSteps(ctx: RouteContext): Promise<void> {
    await sendJson(ctx.req, ctx.res, 200, await stepSuggestions(this.index.analyticsDb(), periodOf(ctx.query, this.now())));
  }

  async journeys(ctx: RouteContext): Promise<void> {
    const period = periodOf(ctx.query, this.now());
    const db = this.index.analyticsDb();
    await streamWithProgress(ctx.res, (onProgress) => journeyReport(db, period, onProgress));
  }

  async journeySessions(ctx: RouteContext): Promise<void> {
    const q = ctx.query;
    const period = periodOf(q, this.now());
    const sel = selectionOf(q);
    await sendJson(ctx.req, ctx.res, 200, await journeySessions(this.index.analyticsDb(), period, sel));
  }

  /** What a read's audit entry keeps: the period and the funnel or link (patterns, never personal). */
  auditDetails(ctx: RouteContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of ['from', 'to', 'step', 'from_url', 'to_url', 'path', 'per']) {
      const v = ctx.query.get(k);
      if (v !== null) out[k] = v.slice(0, 200);
    }
    return out;
  }

  auditTarget(ctx: RouteContext): string | undefined {
    return ctx.params.id ? `funnel:${ctx.params.id.slice(0, 40)}` : undefined;
  }

  private note(ctx: RouteContext, f: { id: string; name: string; steps: unknown[] }): void {
    ctx.audit.target = `funnel:${f.id}`;
    Object.assign(ctx.audit.details, { name: f.name, steps: JSON.stringify(f.steps).slice(0, 2_000) });
  }
}

function idOf(ctx: RouteContext): string {
  const id = ctx.params.id ?? '';
  if (!ID.test(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed funnel id');
  return id;
}

function selectionOf(q: URLSearchParams): JourneySelection {
  const text = (name: string): string => {
    const v = q.get(name);
    if (!v || v.length > MAX_URL_PARAM) throw new VerbatimError('BAD_REQUEST', `${name} is required (at most ${MAX_URL_PARAM} characters)`);
    return v;
  };
  if (q.has('path')) {
    const path = q.getAll('path');
    if (!path.length || path.length > PATH_DEPTH || path.some((p) => !p || p.length > MAX_URL_PARAM)) throw new VerbatimError('BAD_REQUEST', `A path has at most ${PATH_DEPTH} pages`);
    return { path };
  }
  const step = Number(q.get('step'));
  if (!Number.isInteger(step) || step < 0 || step >= PATH_DEPTH) throw new VerbatimError('BAD_REQUEST', `step must be 0 to ${PATH_DEPTH - 1}`);
  return { step, from: text('from_url'), to: text('to_url') };
}
