/**
 * GET and PUT /api/me/prefs (declared in ../routes.ts): the signed-in user's own viewer preferences (the session
 * list's columns). Nobody reads or changes another user's. A change is audited (action `prefs`) with what changed.
 */
import { VerbatimError } from '../../store/errors';
import { readFields } from '../auth/form-body';
import { sendJson } from '../http-responses';
import type { RouteContext } from '../route-table';
import { parsePrefs } from './prefs-shape';
import type { UserPrefsStore } from './user-prefs';

export class PrefsRoutes {
  constructor(private readonly prefs: UserPrefsStore) {}

  async get(ctx: RouteContext): Promise<void> {
    await sendJson(ctx.req, ctx.res, 200, await this.prefs.get(userOf(ctx)));
  }

  async put(ctx: RouteContext): Promise<void> {
    if (!/json/i.test(String(ctx.req.headers['content-type'] ?? ''))) throw new VerbatimError('BAD_REQUEST', 'send the preferences as JSON');
    const parsed = parsePrefs(await readFields(ctx.req));
    ctx.audit.details.change = 'list-columns';
    if ('error' in parsed) throw new VerbatimError('BAD_REQUEST', parsed.error);
    ctx.audit.details.listColumns = parsed.listColumns.join(',');
    await sendJson(ctx.req, ctx.res, 200, await this.prefs.set(userOf(ctx), parsed));
  }
}

function userOf(ctx: RouteContext): string {
  if (!ctx.principal) throw new VerbatimError('UNAUTHENTICATED', 'Sign in first');
  return ctx.principal.user;
}
