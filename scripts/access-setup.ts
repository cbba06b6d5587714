/**
 * Wiring of the access layer for `verbatim start` and `verbatim users`: the
 * account file, the first admin, the audit trail, the customer index and the
 * identity rules. The viewer refuses to serve beyond loopback without accounts.
 */
import path from 'node:path';
import { loadIdentityRules, type IdentityHook } from '../proxy/index';
import { AccountStore, AuditLog, ROLES, ViewerAccess, isRole } from '../replay-viewer/auth/index';
import { CustomerIndex } from '../store/customer-index';
import { VerbatimError } from '../store/errors';
import type { VerbatimConfig } from './config';

export const ACCOUNTS_FILE = 'viewer-accounts.json';
export const AUDIT_FILE = 'audit.log';
export const CUSTOMERS_FILE = 'customers.jsonl';

export interface AccessSetup {
  access: ViewerAccess;
  customers: CustomerIndex;
  identity: IdentityHook;
  /** Printed at start: how the viewer is protected. */
  summary: string;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

/** `redact`: applied to what the audit trail records (the CLI passes the masker). */
export async function setUpAccess(config: VerbatimConfig, redact?: (s: string) => string): Promise<AccessSetup> {
  const accounts = await AccountStore.open(path.join(config.dataDir, ACCOUNTS_FILE));
  const audit = await AuditLog.open(path.join(config.dataDir, AUDIT_FILE), Date.now, redact);
  let created = false;
  if (accounts.size === 0 && config.adminPassword) {
    await accounts.add('admin', 'admin', config.adminPassword);
    await audit.append({ actor: 'verbatim', action: 'config', outcome: 'ok', target: 'user:admin', details: { change: 'first-admin-created' } });
    created = true;
  }
  if (accounts.size === 0 && !isLoopback(config.host)) {
    throw new VerbatimError('CONFIG_INVALID',
      `refusing to serve the viewer on ${config.host} without accounts: set VERBATIM_ADMIN_PASSWORD or run "verbatim users add admin --role admin"`);
  }
  const customers = await CustomerIndex.open(path.join(config.dataDir, CUSTOMERS_FILE));
  const rules = config.identityFile
    ? await loadIdentityRules(config.identityFile, true)
    : await loadIdentityRules(path.join(config.dataDir, 'identity.json'), false);
  const access = new ViewerAccess({
    accounts, audit, secureCookies: config.secureCookies,
    customerOf: async (id) => customers.customerOf(id),
  });
  const summary = accounts.size === 0
    ? 'open (no accounts; loopback only; requests are still audited)'
    : `sign-in required (${accounts.size} account${accounts.size === 1 ? '' : 's'}${created ? ', first admin "admin" created' : ''})`;
  return { access, customers, identity: { rules, customers }, summary };
}

/** `verbatim users add <name> --role R` (password from stdin), `list`, `remove <name>`, `unlock <name>`, `passwd <name>`. */
export async function usersCommand(config: VerbatimConfig, readSecret: () => Promise<string>, out: (s: string) => void): Promise<number> {
  const accounts = await AccountStore.open(path.join(config.dataDir, ACCOUNTS_FILE));
  const audit = await AuditLog.open(path.join(config.dataDir, AUDIT_FILE));
  const [action, name] = config.args;
  const record = (change: string, extra: Record<string, string> = {}) =>
    audit.append({ actor: 'cli', action: 'config', outcome: 'ok', target: name ? `user:${name}` : undefined, details: { change, ...extra } });
  if (action === 'list' || action === undefined) {
    for (const a of accounts.list()) {
      out(`${a.name}\t${a.role}${a.lockedUntil > Date.now() ? '\tLOCKED' : ''}\t${a.tokens.length} token(s)\n`);
    }
    return 0;
  }
  if (!name) {
    out('usage: verbatim users add <name> --role agent|analyst|compliance|admin|auditor | list | remove <name> | unlock <name> | passwd <name>\n');
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
      await record('user-removed');
      out(`User ${name} removed.\n`);
      return 0;
    case 'unlock':
      await accounts.unlock(name);
      await record('unlocked');
      out(`User ${name} unlocked.\n`);
      return 0;
    case 'passwd':
      await accounts.setPassword(name, await readSecret());
      await record('password-set');
      out(`Password of ${name} set.\n`);
      return 0;
    default:
      out(`unknown action "${action}"\n`);
      return 2;
  }
}
