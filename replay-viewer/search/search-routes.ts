/**
 * The search API (declared in ../routes.ts):
 *   GET /api/search?q=&cursor=&limit=&facets=channel,status   SearchResponse (types.ts); no q: every session
 *       &sort=start|duration|pages|errors|score|channel&order=asc|desc   the order (list-order.ts; newest first by default)
 *       &from=<ms>&to=<ms>   started at or after from, before to;   &at=<ms>   (sort=start) the page starting at that time
 *   GET /api/sessions/<id>/matches?q=                          MatchesResponse: every matching moment of one session
 * A query that does not parse answers 400 QUERY_INVALID with the message and position (http-responses.ts). Agents get
 * customer-linked sessions only, as for replay. Nothing here logs the query: it may hold what a customer typed.
 */
import type { VerbatimStore } from '../../store/store';
import { VerbatimError, isVerbatimError } from '../../store/errors';
import { sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import { isValidSessionId } from '../replay/index';
import { auditedInvalidQuery, auditedQuery } from './audit-query';
import type { IndexKey } from './index-key';
import { QueryError, isQueryError, parseQuery } from './query/index';
import type { QueryNode } from './query/ast';
import { MAX_SEARCH_LIMIT, type SearchIndex } from './search-index';
import { listParams } from './list-params';
import { FACET_FIELDS } from './query-terms';
import type { MatchesResponse } from './types';

const DEFAULT_LIMIT = 50;
/** A customer with more sessions than this is searched through their newest ones. */
const MAX_CUSTOMER_SESSIONS = 5_000;
const EVERYTHING: QueryNode = { kind: 'and', items: [], start: 0, end: 0 };

export interface SearchRoutesOptions {
  now?: () => number;
}

export class SearchRoutes {
  constructor(private readonly index: SearchIndex, private readonly store: VerbatimStore, private readonly key: IndexKey,
    private readonly opts: SearchRoutesOptions = {}) {}

  /** What the audit entry says of the query (the gate records it before the answer is sent). */
  auditDetails(ctx: RouteContext): Record<string, string> {
    const q = ctx.query.get('q') ?? '';
    if (!q.trim()) return {};
    try {
      return { query: auditedQuery(this.parse(q), this.key) };
    } catch {
      return { query: auditedInvalidQuery(q, this.key) };
    }
  }

  async search(ctx: RouteContext): Promise<void> {
    await this.answeringQueryErrors(() => this.runSearch(ctx));
  }

  async matches(ctx: RouteContext): Promise<void> {
    await this.answeringQueryErrors(() => this.runMatches(ctx));
  }

  private async runSearch(ctx: RouteContext): Promise<void> {
    const { req, res, query } = ctx;
    const node = this.parse(query.get('q') ?? '');
    const facets = (query.get('facets') ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    for (const f of facets) if (!FACET_FIELDS.includes(f)) throw new VerbatimError('BAD_REQUEST', `No facet for ${f.slice(0, 40)}; one of ${FACET_FIELDS.join(', ')}`);
    const result = await this.index.search(node, {
      limit: limitOf(query), facets, ...listParams(query),
      customerLinkedOnly: agentOnly(ctx), customerSessions: await this.customerSessions(node),
    }).catch(asQueryError);
    await sendJson(req, res, 200, result);
  }

  private async runMatches(ctx: RouteContext): Promise<void> {
    const { req, res, params, query } = ctx;
    const id = params.id!;
    if (!isValidSessionId(id)) throw new VerbatimError('BAD_REQUEST', 'Malformed session id');
    const node = this.parse(query.get('q') ?? '');
    const matches = await this.index.matches(id, node, { customerSessions: await this.customerSessions(node) }).catch(asQueryError);
    const body: MatchesResponse = { matches };
    await sendJson(req, res, 200, body);
  }

  private parse(q: string): QueryNode {
    return q.trim() ? parseQuery(q, { now: (this.opts.now ?? Date.now)() }) : EVERYTHING;
  }

  /** A query that does not parse (or that the index cannot run) answers 400 QUERY_INVALID with its position. */
  private async answeringQueryErrors(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!isQueryError(err)) throw err;
      throw new VerbatimError('QUERY_INVALID', err.message, { position: err.position });
    }
  }

  private customerSessions(node: QueryNode): Promise<Map<string, string[]>> {
    return customerSessionsOf(node, this.store);
  }
}

/** `customer:` values through the store's blind customer index (also for review runs, ../reviews/). */
export async function customerSessionsOf(node: QueryNode, store: VerbatimStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const walk = async (n: QueryNode): Promise<void> => {
    if (n.kind === 'and' || n.kind === 'or') for (const i of n.items) await walk(i);
    else if (n.kind === 'then') for (const s of n.steps) await walk(s);
    else if (n.kind === 'not') await walk(n.item);
    else if (n.kind === 'keyword' && n.field === 'customer' && !out.has(n.value)) {
      out.set(n.value, (await store.sessionsOfCustomer(n.value)).slice(0, MAX_CUSTOMER_SESSIONS));
    }
  };
  await walk(node);
  return out;
}

/** Agents search customer-linked sessions only, as they may replay only those (routes.ts, customerScoped). */
function agentOnly(ctx: RouteContext): boolean {
  return !!ctx.principal && !ctx.principal.open && ctx.principal.role === 'agent';
}

/** What the index refuses in a well-formed query (a prefix too short to be indexed) is the query's fault: 400 with where. */
function asQueryError(err: unknown): never {
  if (isVerbatimError(err, 'BAD_REQUEST') && typeof err.context.position === 'number') throw new QueryError(err.message, err.context.position);
  throw err;
}

function limitOf(query: URLSearchParams): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_SEARCH_LIMIT) {
    throw new VerbatimError('BAD_REQUEST', `Query parameter limit must be between 1 and ${MAX_SEARCH_LIMIT}`);
  }
  return Number(raw);
}
