/**
 * Wiring of the access layer for `verbatim start` and `verbatim users`: the
 * accounts, the first admin, the audit trail (both in the store's shared state:
 * files in the data directory, or PostgreSQL shared by every instance), the
 * customer index and the identity rules. The viewer refuses to serve beyond
 * loopback without accounts.
 */
import path from 'node:path';
import { loadIdentityRules, type IdentityRule } from '../proxy/index';
import { AccountStore, AuditLog, ROLES, SignInThrottle, ViewerAccess, WebSessions, isRole, loadWebSessionKey } from '../replay-viewer/auth/index';
import { VerbatimError } from '../store/errors';
import type { StoreBase } from '../store/base/store-base';
import type { SharedState } from '../store/shared-state';
import type { VerbatimConfig } from './config';
import { keysDirOf } from './integrity-commands';
import { secureDataDir } from './data-dir';
import { openSharedState, sharedStateOf } from './shared-state-open';

export const ACCOUNTS_FILE = 'viewer-accounts.json';
export const AUDIT_FILE = 'audit.log';
export interface AccessSetup {
  access: ViewerAccess;
  /** Where the ingest pipeline reads customer ids (links land in the store's customer index). */
  identityRules: IdentityRule[];
  /** Printed at start: how the viewer is protected. */
  summary: string;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

/** `redact`: applied to what the audit trail records (the CLI passes the masker). */
export async function setUpAccess(config: VerbatimConfig, store: StoreBase, redact?: (s: string) => string): Promise<AccessSetup> {
  const shared = sharedStateOf(config, store);
  // Over a database that is down at start, the instance still starts (pages pass unrecorded); its viewer requires
  // sign-in, answers 503 until the accounts can be read, and creates the first admin then if it must.
  const accounts = await AccountStore.open({ state: shared.state, dataDir: config.dataDir, refreshMs: shared.refreshMs }, { unreadableAtStart: config.storeUrl ? 'retry' : 'throw' });
  const audit = await AuditLog.open(shared.state, Date.now, redact);
  const createFirstAdmin = async (): Promise<boolean> => {
    if (accounts.size !== 0 || !config.adminPassword) return false;
    try {
      await accounts.add('admin', 'admin', config.adminPassword);
      await audit.append({ actor: 'verbatim', action: 'config', outcome: 'ok', target: 'user:admin', details: { change: 'first-admin-created' } });
      return true;
    } catch (err) {
      // Instances sharing a store and started together: another one created the first admin a moment ago.
      await accounts.refresh(true);
      if (!accounts.get('admin')) throw err;
      return false;
    }
  };
  if (!accounts.read) {
    const retry = setInterval(() => {
      accounts.refresh(true).then(createFirstAdmin).then(() => clearInterval(retry), () => undefined);
    }, 2_000);
    retry.unref();
  }
  const created = accounts.read && await createFirstAdmin();
  if (accounts.read && accounts.size === 0 && !isLoopback(config.viewerHost)) {
    throw new VerbatimError('CONFIG_INVALID',
      `refusing to serve the viewer on ${config.viewerHost} without accounts: set VERBATIM_ADMIN_PASSWORD or run "verbatim users add admin --role admin"`);
  }
  const rules = config.identityFile
    ? await loadIdentityRules(config.identityFile, true)
    : await loadIdentityRules(path.join(config.dataDir, 'identity.json'), false);
  // Signed-in sessions every instance sharing the store (and its key directory) accepts and signs out together.
  const sessionKey = await loadWebSessionKey(keysDirOf(config));
  const sessions = new WebSessions({ key: sessionKey, state: shared.state, refreshMs: shared.refreshMs });
  // Failed sign-ins per user name counted across instances (a guesser spread over several viewers), names as HMACs.
  const throttle = new SignInThrottle({ shared: { state: shared.state, refreshMs: shared.refreshMs, key: sessionKey } });
  const access = new ViewerAccess({
    accounts, audit, secureCookies: config.secureCookies, sessions, throttle,
    customerOf: (id) => store.customerOf(id),
  });
  const summary = !accounts.read
    ? 'sign-in required (the accounts are read once the store answers)'
    : accounts.size === 0
      ? 'open (no accounts; loopback only; requests are still audited)'
      : `sign-in required (${accounts.size} account${accounts.size === 1 ? '' : 's'}${created ? ', first admin "admin" created' : ''})`;
  return { access, identityRules: rules, summary };
}

/** `verbatim users add <name> --role R` (password from stdin), `list`, `remove <name>`, `passwd <name>`. */
export async function usersCommand(config: VerbatimConfig, readSecret: () => Promise<string>, out: (s: string) => void): Promise<number> {
  await secureDataDir(config.dataDir);
  const shared = await openSharedState(config);
  try {
    const accounts = await AccountStore.open({ state: shared.state, dataDir: config.dataDir });
    const audit = await AuditLog.open(shared.state);
    return await usersAction(config, shared.state, accounts, audit, readSecret, out);
  } finally {
    await shared.close();
  }
}

async function usersAction(
  config: VerbatimConfig, state: SharedState, accounts: AccountStore, audit: AuditLog, readSecret: () => Promise<string>, out: (s: string) => void,
): Promise<number> {
  const [action, name] = config.args;
  const record = (change: string, extra: Record<string, string> = {}) =>
    audit.append({ actor: 'cli', action: 'config', outcome: 'ok', target: name ? `user:${name}` : undefined, details: { change, ...extra } });
  if (action === 'list' || action === undefined) {
    for (const a of accounts.list()) {
      out(`${a.name}\t${a.role}\t${a.tokens.length} token(s)\n`);
    }
    return 0;
  }
  if (!name) {
    out('usage: verbatim users add <name> --role agent|analyst|compliance|admin|auditor | list | remove <name> | passwd <name>\n');
    return 2;
  }
  switch (action) {
    case 'add': {
      const role = config.role ?? (name === 'admin' ? 'admin' : undefined);
      if (!isRole(role)) {
        out(`--role must be one of ${ROLES.join(', ')}\n`);
        return 2;
      }
      await accounts.add(name, role, await readSecret());
      await record('user-added', { newRole: role });
      out(`User ${name} (${role}) added.\n`);
      return 0;
    }
    case 'remove':
      if (!(await accounts.remove(name))) { out(`no user ${name}\n`); return 1; }
      await new WebSessions({ state }).destroyUser(name);
      await record('user-removed');
      out(`User ${name} removed.\n`);
      return 0;
    case 'unlock':
      // Accounts are no longer locked (docs/ACCESS.md): failures slow sign-in down in the running viewer's memory.
      out(`Nothing to unlock: failed sign-ins only slow ${name} down, for at most a minute. An administrator lifts that at once with POST /api/users/${name}/unlock.\n`);
      return 0;
    case 'passwd':
      await accounts.setPassword(name, await readSecret());
      // Signed out of every running viewer, as a password set from the viewer does.
      await new WebSessions({ state }).destroyUser(name);
      await record('password-set');
      out(`Password of ${name} set.\n`);
      return 0;
    default:
      out(`unknown action "${action}"\n`);
      return 2;
  }
}
