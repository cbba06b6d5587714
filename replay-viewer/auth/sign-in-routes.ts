/**
 * Handlers of the sign-in routes: the page, the form/JSON sign-in, sign-out and
 * "who am I". Which route is which, and who may call it, is declared in ../routes.ts.
 *
 * Sign-in answers the same for an unknown user name and a wrong password (same
 * status, body, scrypt work and audit reason), and the throttle counts attempts per
 * user name whether the account exists or not, so nothing tells the two apart.
 */
import { VerbatimError } from '../../store/errors';
import { sendJson, sendPage } from '../http-responses';
import type { RouteContext } from '../route-table';
import { readFields, stringField } from './form-body';
import type { ViewerAccess } from './gate';
import { PAGE_CSP, signInPage } from './pages';
import { ROLE_PERMISSIONS } from './roles';
import { SESSION_MAX_AGE_S, cookieFor } from './web-sessions';

const WRONG = 'Wrong user name or password.';

export class SignInRoutes {
  constructor(private readonly access: ViewerAccess) {}

  page({ req, res, query }: RouteContext): void {
    if (this.access.open) return redirect(res, '/');
    sendPage(req, res, 200, signInPage(undefined, safeNext(query.get('next'))), PAGE_CSP);
  }

  async login({ req, res }: RouteContext): Promise<void> {
    const isForm = /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''));
    const fields = await readFields(req);
    const username = stringField(fields, 'username').trim().toLowerCase().slice(0, 256);
    const password = stringField(fields, 'password');
    const next = safeNext(stringField(fields, 'next') || null);
    const client = req.socket.remoteAddress ?? 'unknown';
    const refuse = async (err: VerbatimError, reason: string): Promise<void> => {
      // Only an existing account's name goes on the record: what else was typed there may be a password typed into
      // the wrong field, which must not reach the disk.
      const actor = !username ? '(empty)' : this.access.accounts.get(username) ? username : '(unknown user)';
      await this.access.audit.append({ actor, action: 'sign-in', outcome: 'failed', details: { reason, ip: client } });
      if (!isForm) throw err;
      if (typeof err.context.retryAfterSeconds === 'number') res.setHeader('Retry-After', String(err.context.retryAfterSeconds));
      sendPage(req, res, err.status, signInPage(err.message, next), PAGE_CSP);
    };

    // Checked and counted before the (asynchronous) password hash: see sign-in-throttle.ts.
    await this.access.throttle.sync();
    const admission = this.access.throttle.begin(client, username);
    if (!admission.ok) {
      const retryAfterSeconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      return refuse(new VerbatimError('THROTTLED', `Too many sign-in attempts. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds }), 'throttled');
    }
    const account = await this.access.accounts.signIn(username, password);
    if (!account) {
      await this.access.throttle.failed(admission.attempt);
      return refuse(new VerbatimError('UNAUTHENTICATED', WRONG), 'invalid');
    }
    await this.access.throttle.succeeded(admission.attempt);

    const session = this.access.sessions.create(account.name);
    await this.access.audit.append({ actor: account.name, role: account.role, action: 'sign-in', outcome: 'ok', details: { ip: client } });
    res.setHeader('Set-Cookie', cookieFor(session.token, !!this.access.opts.secureCookies, SESSION_MAX_AGE_S));
    if (isForm) return redirect(res, next, 303);
    await sendJson(req, res, 200, { user: account.name, role: account.role, csrf: session.csrf });
  }

  async logout({ req, res, principal }: RouteContext): Promise<void> {
    if (principal?.session) await this.access.sessions.destroy(principal.session.id);
    res.setHeader('Set-Cookie', cookieFor('', !!this.access.opts.secureCookies, 0));
    await sendJson(req, res, 200, { signedOut: true });
  }

  async me({ req, res, principal }: RouteContext): Promise<void> {
    const who = principal!;
    await sendJson(req, res, 200, {
      user: who.user, role: who.role ?? null, open: who.open, csrf: this.access.csrfToken(who),
      permissions: who.role ? [...ROLE_PERMISSIONS[who.role]] : 'all',
    });
  }
}

/** Only same-site relative paths: never an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function redirect(res: RouteContext['res'], location: string, status = 302): void {
  res.writeHead(status, { Location: location, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}
