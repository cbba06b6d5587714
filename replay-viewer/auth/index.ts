/** The viewer's access layer: accounts, roles, sign-in, CSRF, API tokens and the audit trail. */
export { AccountStore, DEFAULT_LOCKOUT, MIN_PASSWORD_LENGTH, type Account, type PublicAccount, type LockoutPolicy } from './accounts';
export { AuditLog, type AuditEntry, type AuditFilter } from './audit-log';
export { ViewerAccess, type AccessOptions } from './gate';
export { ROLES, ROLE_PERMISSIONS, can, isRole, ruleFor, type Role, type Permission } from './roles';
export { CSRF_HEADER, SESSION_COOKIE, WebSessions } from './web-sessions';
