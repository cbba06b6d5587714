/**
 * The viewer's access layer. server.ts finds the route in the one route table
 * (../routes.ts) and asks admit() before the handler runs: who the caller is
 * (session cookie, API token, or anyone in open mode), the CSRF token on
 * state-changing requests, the route's permission and customer scope, and the
 * audit entry for reads — written before the data is served. State changes are
 * audited by recordWrite() once the handler has run. Nothing here lists routes:
 * every rule comes from the route being served.
 *
 * With no accounts the viewer is open (the CLI allows that on loopback only):
 * every permission, still audited as actor "local", still CSRF-checked, and the
 * server refuses foreign Host headers (allowed-hosts.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { VerbatimError, isVerbatimError } from '../../store/errors';
import { isWrite, type Route, type RouteContext } from '../route-table';
import type { AccountStore } from './accounts';
import type { AuditEntryInput, AuditLog } from './audit-log';
import { csrfMatches } from './csrf';
import type { AuditAction, Principal } from './principal';
import { can, type Permission } from './roles';
import { SignInThrottle } from './sign-in-throttle';
import { SESSION_COOKIE, SESSION_MAX_AGE_S, WebSessions, cookieFor, readCookie } from './web-sessions';

export interface AccessOptions {
  accounts: AccountStore;
  audit: AuditLog;
  /** Mark the session cookie Secure (the viewer is served over TLS, directly or behind a terminating proxy). */
  secureCookies?: boolean;
  /** The customer a session belongs to (agents may only open sessions linked to a customer). */
  customerOf?: (sessionId: string) => Promise<string | undefined>;
  sessions?: WebSessions;
  throttle?: SignInThrottle;
}

/** Query parameters worth keeping in a read's audit entry (filters, never contents). */
const AUDITED_QUERY = ['customer', 'q', 'channel', 'terminal', 'track', 'at', 'format', 'actor', 'action', 'target', 'outcome', 'session', 'from', 'to', 'before'];

export class ViewerAccess {
  readonly sessions: WebSessions;
  readonly throttle: SignInThrottle;
  /** Open mode has no web session: state changes then carry this token (GET /api/me gives it, same-origin only). */
  private readonly openCsrf = randomBytes(24).toString('base64url');

  constructor(readonly opts: AccessOptions) {
    this.sessions = opts.sessions ?? new WebSessions();
    this.throttle = opts.throttle ?? new SignInThrottle();
  }

  get accounts(): AccountStore {
    return this.opts.accounts;
  }

  get audit(): AuditLog {
    return this.opts.audit;
  }

  get open(): boolean {
    // Never open while the accounts could not be read yet (a database down at start): that is not "no accounts".
    return this.opts.accounts.read && this.opts.accounts.size === 0;
  }

  /**
   * Lets the request through to its handler (false), or answers it here (true: a
   * signed-out page view sent to the sign-in page). Refusals throw a coded error.
   */
  async admit(route: Route, ctx: RouteContext): Promise<boolean> {
    if (route.allow === 'public' || route.allow === 'terminal' || route.allow === 'local-token') return false;
    const { req, method, pathname } = ctx;
    // `verbatim users …` or another instance may have changed the accounts, or signed someone out, meanwhile.
    await Promise.all([this.opts.accounts.refresh(), this.sessions.refresh()]);
    const who = this.identify(req);
    if (who?.session?.renewed) ctx.res.setHeader('Set-Cookie', cookieFor(who.session.renewed, !!this.opts.secureCookies, SESSION_MAX_AGE_S));
    if (!who) {
      if (!isWrite(method) && !pathname.startsWith('/api/') && !pathname.startsWith('/archive/')) {
        const target = req.url ?? '/';
        ctx.res.writeHead(302, { Location: `/signin?next=${encodeURIComponent(target)}`, 'Cache-Control': 'no-store', 'Content-Length': 0 });
        ctx.res.end();
        return true;
      }
      throw new VerbatimError('UNAUTHENTICATED', 'Sign in first');
    }
    ctx.principal = who;
    const expected = this.csrfToken(who);
    if (isWrite(method) && expected !== null && !csrfMatches(req, expected)) {
      await this.record(req, who, { action: 'csrf-rejected', outcome: 'denied', details: { path: pathname, method } });
      throw new VerbatimError('CSRF', 'Missing or wrong CSRF token');
    }
    if (route.allow === 'signed-in') return false;

    const { allowed, scopedOut, audit, sessionId } = await this.decide(route, ctx, who);
    if (!allowed || scopedOut) {
      await this.record(req, who, { action: audit ?? 'access', outcome: 'denied', target: sessionId, details: { path: pathname, method } });
      throw new VerbatimError('FORBIDDEN', scopedOut ? 'Agents may only open sessions linked to a customer' : 'Your role may not use this');
    }
    if (audit && !isWrite(method)) await this.recordRead(route, ctx, who, audit, sessionId);
    return false;
  }

  /**
   * For a page that carries another route's data in itself (the player page's keyframe, ui-routes.ts): `read()`'s
   * answer when the caller, admitted to the page already, may read `route` with this request's parameters;
   * undefined otherwise. The read is recorded as that route's would be, beside `read()` and before its answer is
   * handed back; a refusal is not recorded (the page's own request for that route is refused, and recorded, a
   * moment later), and `read()` is then not called.
   */
  async admitsToo<T>(route: Route, ctx: RouteContext, read: () => Promise<T>): Promise<T | undefined> {
    if (route.allow === 'public' || route.allow === 'terminal' || route.allow === 'local-token' || isWrite(ctx.method)) return undefined;
    const who = ctx.principal;
    if (!who) return undefined;
    if (route.allow === 'signed-in') return read();
    const { allowed, scopedOut, audit, sessionId } = await this.decide(route, ctx, who);
    if (!allowed || scopedOut) return undefined;
    const [, answer] = await Promise.all([audit ? this.recordRead(route, ctx, who, audit, sessionId) : undefined, read()]);
    return answer;
  }

  /** The route's permission and customer scope for this caller (no I/O but the customer lookup for agents). */
  private async decide(route: Route, ctx: RouteContext, who: Principal): Promise<{ allowed: boolean; scopedOut: boolean; audit?: AuditAction; sessionId?: string }> {
    const narrowed = route.narrowedBy && ctx.query.get(route.narrowedBy.query) ? route.narrowedBy : undefined;
    const anyOf: readonly Permission[] = narrowed?.allow ?? (route.allow as readonly Permission[]);
    const audit = narrowed?.audit ?? route.audit;
    const sessionId = route.sessionOf?.(ctx);
    const allowed = who.open || (!!who.role && anyOf.some((p) => can(who.role!, p)));
    let scopedOut = false;
    if (allowed && !who.open && route.customerScoped && sessionId && who.role === 'agent' && this.opts.customerOf) {
      scopedOut = !(await this.opts.customerOf(sessionId));
    }
    return { allowed, scopedOut, audit, sessionId };
  }

  /** A read's audit entry: the filters it was asked with (never contents), its target. */
  private async recordRead(route: Route, ctx: RouteContext, who: Principal, audit: AuditAction, sessionId: string | undefined): Promise<void> {
    const { req, method, pathname } = ctx;
    const details: AuditEntryInput['details'] = { path: pathname, method };
    if (route.auditDetails) Object.assign(details, route.auditDetails(ctx));
    else {
      for (const key of AUDITED_QUERY) {
        const v = ctx.query.get(key);
        if (v !== null) details[key] = v.slice(0, 200);
      }
    }
    const customer = pathname.startsWith('/api/customers/') ? ctx.params.id : undefined;
    await this.record(req, who, { action: audit, outcome: 'ok', target: sessionId ?? route.auditTarget?.(ctx) ?? (customer ? `customer:${customer}` : undefined), details });
  }

  /** After a state-changing route's handler: the change (or its failure) goes on the record. */
  async recordWrite(route: Route, ctx: RouteContext, error?: unknown): Promise<void> {
    if (!route.audit || !ctx.principal || !isWrite(ctx.method)) return;
    const details: AuditEntryInput['details'] = { ...ctx.audit.details };
    if (error !== undefined) details.error = isVerbatimError(error) ? error.code : 'INTERNAL';
    await this.record(ctx.req, ctx.principal, {
      action: route.audit, outcome: error === undefined ? 'ok' : 'failed',
      target: ctx.audit.target ?? route.sessionOf?.(ctx), details,
    });
  }

  /** The CSRF token the caller's state changes must carry (null: an API token, which no other site holds). */
  csrfToken(who: Principal): string | null {
    if (who.via === 'cookie') return who.session!.csrf;
    if (who.via === 'open') return this.openCsrf;
    return null;
  }

  /** Who is calling: API token, session cookie, or anyone in open mode. */
  identify(req: IncomingMessage): Principal | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const account = this.opts.accounts.byToken(auth.slice(7).trim());
      return account ? { user: account.name, role: account.role, open: false, via: 'token' } : undefined;
    }
    const session = this.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session) {
      const account = this.opts.accounts.get(session.user);
      // A session of a removed account is refused here (and its user's sessions were ended when it was removed).
      if (account) return { user: account.name, role: account.role, open: false, via: 'cookie', session };
    }
    if (this.open) return { user: 'local', open: true, via: 'open' };
    return undefined;
  }

  record(req: IncomingMessage, who: Principal, entry: Omit<AuditEntryInput, 'actor' | 'role' | 'action'> & { action: AuditAction | 'access' | 'csrf-rejected' }): Promise<unknown> {
    return this.opts.audit.append({
      actor: who.user, role: who.role ?? (who.open ? 'open' : undefined), ...entry,
      details: { ...entry.details, via: who.via, ip: req.socket.remoteAddress },
    });
  }
}
