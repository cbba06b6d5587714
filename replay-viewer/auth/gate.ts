/**
 * The viewer's access layer, in front of every route (server.ts calls gate()):
 * sign-in and sign-out, who the caller is (session cookie or API token), what
 * their role allows (roles.ts), CSRF checks on state-changing requests, the
 * user and audit-trail APIs, and an audit entry for every search, replay,
 * export, deletion, configuration change and sign-in attempt — written before
 * the data is served.
 *
 * With no accounts the viewer is open (the CLI allows that on 127.0.0.1 only);
 * requests are still audited, as actor "local".
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VerbatimError } from '../../store/errors';
import { baseHeaders, sendAttachment, sendJson } from '../http-responses';
import type { AccountStore } from './accounts';
import type { AuditEntryInput, AuditFilter, AuditLog } from './audit-log';
import { PAGE_CSP, auditPage, signInPage } from './pages';
import { can, isRole, ROLE_PERMISSIONS, ruleFor, type Role, type Permission } from './roles';
import { CSRF_HEADER, SESSION_COOKIE, WebSessions, cookieFor, readCookie, type WebSession } from './web-sessions';

export interface AccessOptions {
  accounts: AccountStore;
  audit: AuditLog;
  /** Mark the session cookie Secure (the viewer is served over TLS, directly or behind a terminating proxy). */
  secureCookies?: boolean;
  /** The customer a session belongs to (agents may only open sessions linked to a customer). */
  customerOf?: (sessionId: string) => Promise<string | undefined>;
  sessions?: WebSessions;
}

interface Principal {
  user: string;
  role?: Role;
  /** Open mode: no accounts exist. */
  open: boolean;
  via: 'cookie' | 'token' | 'open';
  session?: WebSession;
}

const MAX_FORM_BYTES = 16 * 1024;

export class ViewerAccess {
  readonly sessions: WebSessions;

  constructor(private readonly opts: AccessOptions) {
    this.sessions = opts.sessions ?? new WebSessions();
  }

  get open(): boolean {
    return this.opts.accounts.size === 0;
  }

  /** Returns true when the request was answered here (signed out, denied, or an access route). */
  async gate(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const method = req.method ?? 'GET';

    if (pathname === '/signin') {
      if (method !== 'GET' && method !== 'HEAD') return this.deny(req, res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
      if (this.open) return redirect(res, '/');
      return sendPage(req, res, 200, signInPage(undefined, safeNext(query.get('next'))));
    }
    if (pathname === '/auth/login') return this.login(req, res);

    const who = this.identify(req);
    if (!who) {
      if (pathname.startsWith('/api/') || pathname.startsWith('/archive/') || pathname.startsWith('/auth/') || (method !== 'GET' && method !== 'HEAD')) {
        return this.deny(req, res, 401, 'UNAUTHENTICATED', 'Sign in first');
      }
      return redirect(res, `/signin?next=${encodeURIComponent(target)}`);
    }
    const write = method !== 'GET' && method !== 'HEAD';
    if (write && who.via === 'cookie' && !this.csrfOk(req, who.session!)) {
      await this.record(req, who, { action: 'csrf-rejected', outcome: 'denied', details: { path: pathname, method } });
      return this.deny(req, res, 403, 'CSRF', 'Missing or wrong CSRF token');
    }

    if (pathname === '/auth/logout') {
      if (!write) return this.deny(req, res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
      if (who.session) this.sessions.destroy(who.session.id);
      await this.record(req, who, { action: 'sign-out', outcome: 'ok' });
      res.setHeader('Set-Cookie', cookieFor('', !!this.opts.secureCookies, 0));
      await sendJson(req, res, 200, { signedOut: true });
      return true;
    }
    if (pathname === '/api/me') {
      await sendJson(req, res, 200, {
        user: who.user, role: who.role ?? null, open: who.open, csrf: who.session?.csrf ?? null,
        permissions: who.role ? [...ROLE_PERMISSIONS[who.role]] : 'all',
      });
      return true;
    }
    if (pathname === '/api/users' || pathname.startsWith('/api/users/')) return this.users(req, res, who, pathname, method);
    if (pathname === '/audit' || pathname.startsWith('/api/audit')) return this.auditRoutes(req, res, who, pathname, query);

    // UI pages and assets: any signed-in user (the data behind them is guarded below).
    if (!pathname.startsWith('/api/') && !pathname.startsWith('/archive/')) return false;

    const rule = ruleFor(method, pathname, query);
    if (!rule) {
      if (who.open) return false;
      await this.record(req, who, { action: 'access', outcome: 'denied', details: { path: pathname, method } });
      return this.deny(req, res, 403, 'FORBIDDEN', 'Your role may not use this');
    }
    const allowed = who.open || rule.anyOf.some((p) => can(who.role!, p));
    let scopedOut = false;
    if (allowed && !who.open && rule.customerScoped && rule.sessionId && who.role === 'agent' && this.opts.customerOf) {
      scopedOut = !(await this.opts.customerOf(rule.sessionId));
    }
    if (!allowed || scopedOut) {
      await this.record(req, who, { action: rule.audit ?? 'access', outcome: 'denied', target: rule.sessionId, details: { path: pathname, method } });
      return this.deny(req, res, 403, 'FORBIDDEN', scopedOut ? 'Agents may only open sessions linked to a customer' : 'Your role may not use this');
    }
    if (rule.audit) {
      const details: AuditEntryInput['details'] = { path: pathname, method };
      for (const key of ['customer', 'q', 'channel', 'terminal', 'track', 'at', 'format']) {
        const v = query.get(key);
        if (v !== null) details[key] = v.slice(0, 200);
      }
      const customer = /^\/api\/customers\/([^/]+)\//.exec(pathname)?.[1];
      await this.record(req, who, { action: rule.audit, outcome: 'ok', target: rule.sessionId ?? (customer ? `customer:${decodeURIComponent(customer)}` : undefined), details });
    }
    return false;
  }

  /** Who is calling: API token, session cookie, or anyone in open mode. */
  private identify(req: IncomingMessage): Principal | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const account = this.opts.accounts.byToken(auth.slice(7).trim());
      return account ? { user: account.name, role: account.role, open: false, via: 'token' } : undefined;
    }
    const session = this.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (session) {
      const account = this.opts.accounts.get(session.user);
      if (account) return { user: account.name, role: account.role, open: false, via: 'cookie', session };
      this.sessions.destroy(session.id);
    }
    if (this.open) return { user: 'local', open: true, via: 'open' };
    return undefined;
  }

  private csrfOk(req: IncomingMessage, session: WebSession): boolean {
    if (!sameOrigin(req)) return false;
    const presented = req.headers[CSRF_HEADER];
    return WebSessions.csrfMatches(session, typeof presented === 'string' ? presented : undefined);
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'POST') return this.deny(req, res, 405, 'METHOD_NOT_ALLOWED', 'use POST');
    // Login CSRF: a cross-site form cannot sign a victim in as someone else.
    if (!sameOrigin(req)) return this.deny(req, res, 403, 'CSRF', 'Cross-site sign-in refused');
    const isForm = /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));
    const fields = await readFields(req);
    const username = String(fields.username ?? '').trim().toLowerCase();
    const password = String(fields.password ?? '');
    const next = safeNext(typeof fields.next === 'string' ? fields.next : null);
    const result = await this.opts.accounts.signIn(username, password);
    const client = { ip: req.socket.remoteAddress };
    if (!result.ok) {
      await this.opts.audit.append({ actor: username.slice(0, 64) || '(empty)', action: 'sign-in', outcome: 'failed', details: { reason: result.reason, ...client } });
      const message = result.reason === 'locked' ? 'This account is locked after repeated failures. Try again later or ask an administrator.' : 'Wrong user name or password.';
      if (isForm) return sendPage(req, res, 401, signInPage(message, next));
      return this.deny(req, res, 401, result.reason === 'locked' ? 'LOCKED' : 'UNAUTHENTICATED', message);
    }
    const session = this.sessions.create(result.account.name);
    await this.opts.audit.append({ actor: result.account.name, role: result.account.role, action: 'sign-in', outcome: 'ok', details: client });
    res.setHeader('Set-Cookie', cookieFor(session.id, !!this.opts.secureCookies, 12 * 3600));
    if (isForm) return redirect(res, next, 303);
    await sendJson(req, res, 200, { user: result.account.name, role: result.account.role, csrf: session.csrf });
    return true;
  }

  private async users(req: IncomingMessage, res: ServerResponse, who: Principal, pathname: string, method: string): Promise<boolean> {
    if (!this.allowed(who, 'users.manage')) {
      await this.record(req, who, { action: 'config', outcome: 'denied', details: { path: pathname, method } });
      return this.deny(req, res, 403, 'FORBIDDEN', 'Only administrators manage users');
    }
    const accounts = this.opts.accounts;
    const m = /^\/api\/users(?:\/([^/]+)(?:\/(tokens|unlock|role|password)(?:\/([^/]+))?)?)?\/?$/.exec(pathname);
    if (!m) throw new VerbatimError('NOT_FOUND', 'Not found');
    const [, rawName, sub, tokenId] = m;
    const name = rawName ? decodeURIComponent(rawName) : undefined;
    const audit = (action: string, details: AuditEntryInput['details'] = {}) =>
      this.record(req, who, { action: 'config', outcome: 'ok', target: name ? `user:${name}` : undefined, details: { change: action, ...details } });
    if (!name && method === 'GET') return sendJson(req, res, 200, { users: accounts.list() }).then(() => true);
    if (!name && method === 'POST') {
      const f = await readFields(req);
      if (!isRole(f.role)) throw new VerbatimError('BAD_REQUEST', 'role must be one of agent, analyst, compliance, admin, auditor');
      const created = await accounts.add(String(f.name ?? ''), f.role, String(f.password ?? ''));
      await this.recordAs(req, who, { action: 'config', outcome: 'ok', target: `user:${created.name}`, details: { change: 'user-added', newRole: created.role } });
      await sendJson(req, res, 201, created);
      return true;
    }
    if (name && !sub && method === 'DELETE') {
      if (!(await accounts.remove(name))) throw new VerbatimError('NOT_FOUND', 'no such user');
      this.sessions.destroyUser(name);
      await audit('user-removed');
      await sendJson(req, res, 200, { removed: name });
      return true;
    }
    if (name && sub === 'role' && method === 'POST') {
      const f = await readFields(req);
      if (!isRole(f.role)) throw new VerbatimError('BAD_REQUEST', 'unknown role');
      await accounts.setRole(name, f.role);
      this.sessions.destroyUser(name);
      await audit('role-changed', { newRole: f.role });
      await sendJson(req, res, 200, { name, role: f.role });
      return true;
    }
    if (name && sub === 'password' && method === 'POST') {
      const f = await readFields(req);
      await accounts.setPassword(name, String(f.password ?? ''));
      this.sessions.destroyUser(name);
      await audit('password-set');
      await sendJson(req, res, 200, { name });
      return true;
    }
    if (name && sub === 'unlock' && method === 'POST') {
      await accounts.unlock(name);
      await audit('unlocked');
      await sendJson(req, res, 200, { name });
      return true;
    }
    if (name && sub === 'tokens' && method === 'POST' && !tokenId) {
      const f = await readFields(req);
      const token = await accounts.createToken(name, String(f.label ?? ''));
      await audit('token-created', { tokenId: token.id });
      await sendJson(req, res, 201, token);
      return true;
    }
    if (name && sub === 'tokens' && method === 'DELETE' && tokenId) {
      if (!(await accounts.revokeToken(name, tokenId))) throw new VerbatimError('NOT_FOUND', 'no such token');
      await audit('token-revoked', { tokenId });
      await sendJson(req, res, 200, { revoked: tokenId });
      return true;
    }
    throw new VerbatimError('NOT_FOUND', 'Not found');
  }

  private async auditRoutes(req: IncomingMessage, res: ServerResponse, who: Principal, pathname: string, query: URLSearchParams): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.deny(req, res, 405, 'METHOD_NOT_ALLOWED', 'The audit trail is append-only');
    if (!this.allowed(who, 'audit.read')) {
      await this.record(req, who, { action: 'audit-read', outcome: 'denied', details: { path: pathname } });
      return this.deny(req, res, 403, 'FORBIDDEN', 'Only auditors read the audit trail');
    }
    const filter: AuditFilter = {
      actor: query.get('actor') || undefined, action: query.get('action') || undefined,
      target: query.get('target') || undefined, outcome: query.get('outcome') || undefined,
      from: numberParam(query.get('from')), to: numberParam(query.get('to')), limit: numberParam(query.get('limit')),
    };
    const log = this.opts.audit;
    if (pathname === '/audit') {
      await this.record(req, who, { action: 'audit-read', outcome: 'ok' });
      return sendPage(req, res, 200, auditPage(await log.query({ ...filter, limit: filter.limit ?? 500 }), filter, await log.verify()));
    }
    if (pathname === '/api/audit' || pathname === '/api/audit/') {
      await this.record(req, who, { action: 'audit-read', outcome: 'ok' });
      await sendJson(req, res, 200, { entries: await log.query({ ...filter, limit: filter.limit ?? 1000 }) });
      return true;
    }
    if (pathname === '/api/audit/verify') {
      await sendJson(req, res, 200, await log.verify());
      return true;
    }
    if (pathname === '/api/audit/export') {
      await this.record(req, who, { action: 'audit-export', outcome: 'ok' });
      const entries = (await log.query(filter)).reverse();
      const body = Buffer.from(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''));
      sendAttachment(req, res, { filename: 'verbatim-audit.jsonl', contentType: 'application/x-ndjson; charset=utf-8', body });
      return true;
    }
    throw new VerbatimError('NOT_FOUND', 'Not found');
  }

  private allowed(who: Principal, permission: Permission): boolean {
    return who.open || (!!who.role && can(who.role, permission));
  }

  private record(req: IncomingMessage, who: Principal, entry: Omit<AuditEntryInput, 'actor' | 'role'>): Promise<unknown> {
    return this.recordAs(req, who, entry);
  }

  private recordAs(req: IncomingMessage, who: Principal, entry: Omit<AuditEntryInput, 'actor' | 'role'>): Promise<unknown> {
    return this.opts.audit.append({
      actor: who.user, role: who.role ?? (who.open ? 'open' : undefined), ...entry,
      details: { ...entry.details, via: who.via, ip: req.socket.remoteAddress },
    });
  }

  private async deny(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): Promise<boolean> {
    await sendJson(req, res, status, { error: { code, message } });
    return true;
  }
}

/**
 * Browsers say where a request comes from in Sec-Fetch-Site (sent whatever the referrer
 * policy; the viewer's no-referrer policy turns Origin into "null"). Without it: no
 * Origin (not a browser) or our own; "null" and foreign origins are refused.
 */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function numberParam(raw: string | null): number | undefined {
  return raw && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Only same-site relative paths: never an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function redirect(res: ServerResponse, location: string, status = 302): true {
  res.writeHead(status, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
  return true;
}

function sendPage(req: IncomingMessage, res: ServerResponse, status: number, html: string): true {
  const body = Buffer.from(html);
  baseHeaders(res);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store',
    'Content-Security-Policy': PAGE_CSP, 'X-Frame-Options': 'DENY',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** A small form or JSON body (sign-in, user administration). */
async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new VerbatimError('PAYLOAD_TOO_LARGE', 'body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (/json/i.test(String(req.headers['content-type'] ?? ''))) {
    try {
      const v = JSON.parse(text) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      throw new VerbatimError('BAD_REQUEST', 'body is not valid JSON');
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
