/** The viewer's access layer: accounts, roles, sign-in and its throttle, CSRF, API tokens and the audit trail. */
export { AccountStore, MIN_PASSWORD_LENGTH, type Account, type PublicAccount } from './accounts';
export { AuditLog, type AuditEntry, type AuditFilter } from './audit-log';
export { CSRF_HEADER } from './csrf';
export { ViewerAccess, type AccessOptions } from './gate';
export type { AuditAction, Principal } from './principal';
export { ROLES, ROLE_PERMISSIONS, can, isRole, rolesWith, type Role, type Permission } from './roles';
export { ACCOUNT_BACKOFF, CLIENT_BACKOFF, SignInThrottle, type BackoffPolicy } from './sign-in-throttle';
export { SESSION_COOKIE, WebSessions, loadWebSessionKey } from './web-sessions';
