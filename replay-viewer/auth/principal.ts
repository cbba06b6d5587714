/** Who is calling the viewer, and the actions the audit trail records. */
import type { Role } from './roles';
import type { WebSession } from './web-sessions';

export interface Principal {
  user: string;
  role?: Role;
  /** Open mode: no accounts exist (loopback only); every permission, still audited as "local". */
  open: boolean;
  via: 'cookie' | 'token' | 'open';
  session?: WebSession;
}

export type AuditAction =
  | 'search' | 'view' | 'replay' | 'technical' | 'export' | 'hold' | 'delete' | 'config'
  | 'audit-read' | 'audit-export' | 'sign-in' | 'sign-out'
  | 'review-config' | 'review-run' | 'review-read' | 'review-download' | 'review-mark'
  /** A user's own viewer preferences (../prefs/). */
  | 'prefs'
  | 'analytics-read'
  | 'live' | 'live-end'
  | 'analytics' | 'analytics-config'
  /** Notes on a session (../notes/): read, added, edited, deleted. */
  | 'note-read' | 'note-add' | 'note-edit' | 'note-delete';
