/**
 * Roles by function and what each may do. Enforced by the gate (gate.ts) on
 * every request, not only hidden in the UI. docs/ACCESS.md has the table.
 */
export const ROLES = ['agent', 'analyst', 'compliance', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  /** List sessions filtered by customer id (contact-centre lookup). */
  | 'sessions.byCustomer'
  /** List and search all sessions. */
  | 'sessions.list'
  /** Read one session's metadata. */
  | 'session.read'
  /** Replay: events and archived resources. */
  | 'session.replay'
  /** Technical panels: the network log (captures). */
  | 'session.technical'
  | 'session.export'
  | 'session.hold'
  /** Deletion, erasure, retention. */
  | 'session.delete'
  | 'users.manage'
  | 'config.manage'
  | 'audit.read';

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  agent: new Set(['sessions.byCustomer', 'session.read', 'session.replay']),
  analyst: new Set(['sessions.byCustomer', 'sessions.list', 'session.read', 'session.replay', 'session.technical']),
  compliance: new Set(['sessions.byCustomer', 'sessions.list', 'session.read', 'session.replay', 'session.technical', 'session.export', 'session.hold']),
  admin: new Set(['users.manage', 'config.manage', 'session.delete']),
  auditor: new Set(['audit.read']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** What a request is, for authorization and for the audit trail. */
export interface RouteRule {
  /** Permissions of which the caller needs at least one. */
  anyOf: Permission[];
  /** Audit action recorded for this request (none for routine reads such as archived assets). */
  audit?: 'search' | 'view' | 'replay' | 'technical' | 'export' | 'hold' | 'delete' | 'config' | 'audit-read';
  sessionId?: string;
  /** Agents may only open sessions linked to a customer. */
  customerScoped?: boolean;
}

const SESSION = /^\/api\/sessions\/([^/]+)(?:\/(.*))?$/;

/**
 * Maps a request to the permission it needs. Undefined = no rule: denied (an API
 * added later must be given a rule here before a signed-in user can reach it).
 */
export function ruleFor(method: string, pathname: string, query: URLSearchParams): RouteRule | undefined {
  const write = method !== 'GET' && method !== 'HEAD';
  if (pathname.startsWith('/archive/')) {
    // Archived resources of a replay: the same scope as the replay, not audited one by one.
    const sessionId = /^\/archive\/([^/]+)\//.exec(pathname)?.[1];
    return write ? undefined : { anyOf: ['session.replay'], sessionId, customerScoped: true };
  }
  if (pathname === '/api/sessions' || pathname === '/api/sessions/') {
    if (write) return undefined;
    return query.get('customer') ? { anyOf: ['sessions.byCustomer', 'sessions.list'], audit: 'search' }
      : { anyOf: ['sessions.list'], audit: query.toString() ? 'search' : undefined };
  }
  const customer = /^\/api\/customers\/([^/]+)\/sessions\/?$/.exec(pathname);
  if (customer) return write ? undefined : { anyOf: ['sessions.byCustomer', 'sessions.list'], audit: 'search' };
  const m = SESSION.exec(pathname);
  if (m) {
    const sessionId = decodeURIComponent(m[1]!);
    const sub = m[2] ?? '';
    if (method === 'DELETE' || /(^|\/)(erase|delete)$/.test(sub)) return { anyOf: ['session.delete'], audit: 'delete', sessionId };
    if (/(^|\/)(hold|legal-hold)$/.test(sub)) return { anyOf: ['session.hold'], audit: 'hold', sessionId };
    if (/(^|\/)(export|evidence|wacz|warc)(\/|$|\.)/.test(sub)) return write ? undefined : { anyOf: ['session.export'], audit: 'export', sessionId };
    if (write) return undefined;
    if (sub === '' ) return { anyOf: ['session.read'], audit: 'view', sessionId, customerScoped: true };
    if (sub === 'events' || sub === 'events/') return { anyOf: ['session.replay'], audit: 'replay', sessionId, customerScoped: true };
    if (sub === 'captures' || sub === 'captures/') return { anyOf: ['session.technical'], audit: 'technical', sessionId };
    return undefined;
  }
  // Store health and drop counts (scripts/status.ts): operators and auditors, not audited (a routine read).
  if (pathname === '/api/status') return write ? undefined : { anyOf: ['config.manage', 'audit.read'] };
  if (/^\/api\/(retention|config|erasure|erase)(\/|$)/.test(pathname)) return { anyOf: ['config.manage'], audit: write ? 'config' : undefined };
  if (/^\/api\/(hold|legal-hold)(\/|$)/.test(pathname)) return { anyOf: ['session.hold'], audit: write ? 'hold' : undefined };
  if (/^\/api\/export(\/|$)/.test(pathname)) return { anyOf: ['session.export'], audit: 'export' };
  return undefined;
}
