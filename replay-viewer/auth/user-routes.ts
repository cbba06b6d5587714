/**
 * Handlers of the account administration routes (/api/users…, administrators only,
 * declared in ../routes.ts). The gate writes each change to the audit trail after the
 * handler, with the details the handler notes in ctx.audit.
 */
import { VerbatimError } from '../../store/errors';
import { sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import { readFields, stringField } from './form-body';
import type { ViewerAccess } from './gate';
import { ROLES, isRole } from './roles';

export class UserRoutes {
  constructor(private readonly access: ViewerAccess) {}

  /** Accounts, each with how long its sign-in is still backing off (`signInWaitMs`, 0: may sign in now). */
  async list({ req, res }: RouteContext): Promise<void> {
    await this.access.throttle.sync();
    const users = this.access.accounts.list().map((u) => ({ ...u, signInWaitMs: this.access.throttle.accountWait(u.name) }));
    await sendJson(req, res, 200, { users });
  }

  async add(ctx: RouteContext): Promise<void> {
    const f = await readFields(ctx.req);
    ctx.audit.details.change = 'user-added';
    if (!isRole(f.role)) throw new VerbatimError('BAD_REQUEST', `role must be one of ${ROLES.join(', ')}`);
    const created = await this.access.accounts.add(stringField(f, 'name'), f.role, stringField(f, 'password'));
    ctx.audit.target = `user:${created.name}`;
    ctx.audit.details.newRole = created.role;
    await sendJson(ctx.req, ctx.res, 201, created);
  }

  async remove(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'user-removed');
    if (!(await this.access.accounts.remove(name))) throw new VerbatimError('NOT_FOUND', 'no such user');
    await this.access.sessions.destroyUser(name);
    await sendJson(ctx.req, ctx.res, 200, { removed: name });
  }

  async setRole(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'role-changed');
    const f = await readFields(ctx.req);
    if (!isRole(f.role)) throw new VerbatimError('BAD_REQUEST', 'unknown role');
    ctx.audit.details.newRole = f.role;
    await this.access.accounts.setRole(name, f.role);
    await this.access.sessions.destroyUser(name);
    await sendJson(ctx.req, ctx.res, 200, { name, role: f.role });
  }

  async setPassword(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'password-set');
    const f = await readFields(ctx.req);
    await this.access.accounts.setPassword(name, stringField(f, 'password'));
    await this.access.sessions.destroyUser(name);
    await this.access.throttle.clearAccount(name);
    await sendJson(ctx.req, ctx.res, 200, { name });
  }

  /** Lifts the sign-in backoff of a user name (sign-in-throttle.ts). */
  async unlock(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'unlocked');
    if (!this.access.accounts.get(name)) throw new VerbatimError('NOT_FOUND', 'no such user');
    await this.access.throttle.clearAccount(name);
    await sendJson(ctx.req, ctx.res, 200, { name });
  }

  async createToken(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'token-created');
    const f = await readFields(ctx.req);
    const token = await this.access.accounts.createToken(name, stringField(f, 'label'));
    ctx.audit.details.tokenId = token.id;
    await sendJson(ctx.req, ctx.res, 201, token);
  }

  async revokeToken(ctx: RouteContext): Promise<void> {
    const name = this.target(ctx, 'token-revoked');
    const tokenId = ctx.params.tokenId!;
    ctx.audit.details.tokenId = tokenId.slice(0, 64);
    if (!(await this.access.accounts.revokeToken(name, tokenId))) throw new VerbatimError('NOT_FOUND', 'no such token');
    await sendJson(ctx.req, ctx.res, 200, { revoked: tokenId });
  }

  /** The user a route names, noted with the change for the audit entry. */
  private target(ctx: RouteContext, change: string): string {
    const name = ctx.params.name!;
    ctx.audit.target = `user:${name.slice(0, 64)}`;
    ctx.audit.details.change = change;
    return name;
  }
}
