/**
 * Roles by function and what each may do. Which permission each route needs is
 * declared with the route (../routes.ts); the gate (gate.ts) enforces it on every
 * request, not only hidden in the UI. docs/ACCESS.md has the table.
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
  | 'audit.read'
  /** Compliance reviews: saved searches, runs, marks (../reviews/). */
  | 'reviews.manage'
  /** Read review runs, their marks and signatures (no replay: that is session.replay). */
  | 'reviews.read'
  /** Delete anyone's note on a session (authors edit and delete their own; ../notes/). */
  | 'notes.moderate'
  /** Analytics over many sessions: field analytics, click maps, funnels, journey map (../analytics/), and saving funnel definitions. */
  | 'analytics.read';

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  agent: new Set(['sessions.byCustomer', 'session.read', 'session.replay']),
  analyst: new Set(['sessions.byCustomer', 'sessions.list', 'session.read', 'session.replay', 'session.technical', 'analytics.read']),
  compliance: new Set(['sessions.byCustomer', 'sessions.list', 'session.read', 'session.replay', 'session.technical', 'session.export', 'session.hold', 'reviews.manage', 'reviews.read', 'analytics.read', 'notes.moderate']),
  admin: new Set(['users.manage', 'config.manage', 'session.delete', 'audit.read']),
  auditor: new Set(['audit.read', 'reviews.read']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** The roles that hold a permission (docs/ACCESS.md's table is built from this and the route table). */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => ROLE_PERMISSIONS[r].has(permission));
}
