/**
 * What a viewer route is (method, pattern, who may call it, what the audit trail
 * records, the handler) and the lookup over the declared routes (find-my-way, the
 * radix router of Fastify: see docs/ARCHITECTURE.md for why). The routes themselves
 * are declared once, in routes.ts; the gate (auth/gate.ts) reads its rules from them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import type { AuditAction, Principal } from './auth/principal';
import type { Permission } from './auth/roles';
import { VerbatimError } from '../store/errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `public`: anyone (the sign-in page and form, the favicon);
 * - `signed-in`: any signed-in user, whatever the role (UI pages, /api/me, sign-out);
 * - `terminal`: a kiosk terminal; the collector checks its token itself (proxy/collector/routes.ts);
 * - `local-token`: a caller on this machine with the token of `<data>/verbatim.run`, checked by the handler
 *   (`verbatim status`, scripts/status.ts);
 * - a list of permissions: a signed-in user whose role has at least one of them.
 * There is no default: a route that is not declared is not served (404), and every
 * declared route names its rule.
 */
export type Allow = 'public' | 'signed-in' | 'terminal' | 'local-token' | readonly Permission[];

/** A narrower request on the same route, told apart by a query parameter (e.g. `?customer=`). */
export interface Narrowing {
  query: string;
  allow: readonly Permission[];
  audit?: AuditAction;
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  pathname: string;
  query: URLSearchParams;
  /** Path parameters, percent-decoded (`*` is the rest of the path, still encoded as sent). */
  params: Record<string, string | undefined>;
  /** Who is calling; set by the gate (undefined without the access layer and on public routes). */
  principal?: Principal;
  /** State-changing routes: what the handler adds to the audit entry the gate writes after it. */
  audit: { target?: string; details: Record<string, string | number | boolean | undefined> };
}

export interface Route {
  /** GET routes answer HEAD too. */
  method: HttpMethod;
  /** find-my-way pattern: `/api/sessions/:id`, `/archive/*`. */
  path: string;
  /** One line for docs/ACCESS.md. */
  summary: string;
  allow: Allow;
  narrowedBy?: Narrowing;
  /**
   * What the audit trail records: reads are written before the data is served, state
   * changes after the handler (ok, or failed with the error's code). None for routine
   * reads (UI assets, archived resources, /api/me).
   */
  audit?: AuditAction;
  /**
   * A read's audit details from the request, in place of the query parameters the gate keeps by default (search:
   * the query with its personal values hashed, search/audit-query.ts).
   */
  auditDetails?: (ctx: RouteContext) => Record<string, string>;
  /** What a read's audit entry names as its target when it concerns no session (a review run). */
  auditTarget?: (ctx: RouteContext) => string | undefined;
  /** The session a request concerns (audit target, agents' customer scope). */
  sessionOf?: (ctx: RouteContext) => string | undefined;
  /** Agents may only reach sessions linked to a customer. */
  customerScoped?: boolean;
  handler: (ctx: RouteContext) => Promise<void> | void;
}

export type RouteMatch = { route: Route; params: RouteContext['params'] };

export function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** The lookup over the declared routes. A pattern declared twice for one method throws at start. */
export class RouteTable {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 512 });
  private readonly methods = new Set<string>();

  constructor(readonly routes: readonly Route[]) {
    for (const route of routes) {
      const methods = route.method === 'GET' ? ['GET', 'HEAD'] : [route.method];
      for (const m of methods) this.methods.add(m);
      this.router.on(methods as FindMyWay.HTTPMethod[], route.path, () => undefined, route);
    }
  }

  /** The route for a request, or NOT_FOUND / METHOD_NOT_ALLOWED (with the methods that path does take). */
  find(method: string, pathname: string): RouteMatch {
    const found = this.router.find(method as FindMyWay.HTTPMethod, pathname);
    if (found) return { route: found.store as Route, params: found.params };
    const allow = [...this.methods].filter((m) => m !== method && this.router.find(m as FindMyWay.HTTPMethod, pathname));
    if (allow.length) throw new VerbatimError('METHOD_NOT_ALLOWED', `${method} is not supported here`, { allow: allow.join(', ') });
    throw new VerbatimError('NOT_FOUND', 'Not found');
  }
}
