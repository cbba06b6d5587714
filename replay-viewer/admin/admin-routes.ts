/**
 * Handlers of the administrator screen's data (/api/admin/…, administrators only, declared in ../routes.ts):
 * kiosk terminals (enrol, revoke, last seen, reported queue), the recording policy (read-only) and store health with
 * an on-demand verify. Accounts have their own routes (../auth/user-routes.ts). Every change is audited by the gate
 * with the details noted here.
 */
import { VerbatimError } from '../../store/errors';
import { readFields, stringField } from '../auth/form-body';
import { sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import type { PolicyView, TerminalAdmin } from './admin-ports';
import type { StoreHealthMonitor } from './store-health';

export interface AdminSources {
  terminals?: TerminalAdmin;
  policy?: () => PolicyView;
  storeHealth?: StoreHealthMonitor;
}

export class AdminRoutes {
  constructor(private readonly sources: AdminSources) {}

  async terminals({ req, res }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, { terminals: await this.terminalAdmin().list() });
  }

  async enrol(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'terminal-enrolled';
    const id = stringField(await readFields(ctx.req), 'id');
    ctx.audit.target = `terminal:${id.slice(0, 64)}`;
    const token = await this.terminalAdmin().enrol(id);
    await sendJson(ctx.req, ctx.res, 201, { id, token });
  }

  async revoke(ctx: RouteContext): Promise<void> {
    const id = ctx.params.id!;
    ctx.audit.details.change = 'terminal-revoked';
    ctx.audit.target = `terminal:${id.slice(0, 64)}`;
    if (!(await this.terminalAdmin().revoke(id))) throw new VerbatimError('NOT_FOUND', 'no such terminal');
    await sendJson(ctx.req, ctx.res, 200, { revoked: id });
  }

  async policy({ req, res }: RouteContext): Promise<void> {
    if (!this.sources.policy) throw new VerbatimError('UNSUPPORTED', 'this viewer was started without the recording policy');
    await sendJson(req, res, 200, this.sources.policy());
  }

  async storeHealth({ req, res }: RouteContext): Promise<void> {
    await sendJson(req, res, 200, await this.monitor().snapshot());
  }

  async startVerify(ctx: RouteContext): Promise<void> {
    ctx.audit.details.change = 'store-verify-started';
    ctx.audit.target = 'store';
    await sendJson(ctx.req, ctx.res, 202, this.monitor().startVerify(ctx.principal?.user ?? 'local'));
  }

  private terminalAdmin(): TerminalAdmin {
    if (!this.sources.terminals) throw new VerbatimError('UNSUPPORTED', 'this viewer was started without the kiosk collector');
    return this.sources.terminals;
  }

  private monitor(): StoreHealthMonitor {
    if (!this.sources.storeHealth) throw new VerbatimError('UNSUPPORTED', 'this viewer was started without store health');
    return this.sources.storeHealth;
  }
}
