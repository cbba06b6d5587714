/**
 * Every error Verbatim raises on purpose carries a stable code, an HTTP status
 * for the servers that report it, and context for the log (never secrets).
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  PAYLOAD_INVALID: 400,
  /** A search query that does not parse (the answer carries the position: replay-viewer/search/query/). */
  QUERY_INVALID: 400,
  /** A bearer secret or terminal token is missing or wrong (collector, the exporter's private viewer). */
  UNAUTHORIZED: 401,
  /** The viewer: nobody is signed in (or the API token is unknown). */
  UNAUTHENTICATED: 401,
  SESSION_FORGED: 403,
  /** The viewer: the caller's role may not use this route (or, for agents, this session). */
  FORBIDDEN: 403,
  /** The viewer: a state-changing request without the CSRF token or from another origin. */
  CSRF: 403,
  NOT_FOUND: 404,
  SESSION_UNKNOWN: 404,
  CAPTURE_MISSING: 404,
  /** The route exists, not with this method (the answer carries Allow). */
  METHOD_NOT_ALLOWED: 405,
  LEGAL_HOLD: 409,
  /** S3 Object Lock keeps this object until its retain-until date: it cannot be deleted (erasure crypto-shreds instead). */
  OBJECT_LOCKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** The viewer: a Host header naming none of the viewer's own addresses (DNS rebinding). */
  HOST_NOT_ALLOWED: 421,
  /** Sign-in attempts from this client or for this user name are backing off (the answer carries Retry-After). */
  THROTTLED: 429,
  /** Not raised on purpose: what a client sees of an unexpected error. */
  INTERNAL: 500,
  BLOB_MISSING: 500,
  UNSUPPORTED: 501,
  STORE_CORRUPT: 500,
  STORE_NOT_OPEN: 503,
  STORE_WRITE_FAILED: 507,
  /**
   * The store did not acknowledge a write in time (an object store or database that stopped answering): the client is
   * answered rather than held, and resends; the write may still land, and a resend of one that did is ignored.
   */
  STORE_SLOW: 503,
  /**
   * A shared backend (several writers): a chain head, the change feed or the checkpoint log moved under this write.
   * The commit queue reloads and retries; callers only see it when retries ran out.
   */
  STORE_CONFLICT: 409,
  /**
   * A shared body this write names or uploads was deleted, or is being deleted, by another writer's garbage collection
   * (several writers, postgres/body-deletions.ts). The store checks again or stores it again; callers see BLOB_MISSING.
   */
  BODY_DELETED: 409,
  /** This instance's checkpoint-signing key is not the one the shared store's checkpoints were signed with. */
  SIGNING_KEY_MISMATCH: 500,
  /** A session's key file is not a key (a disk that filled up half-way): the session can never be written again. */
  SESSION_KEY_DAMAGED: 500,
  UPSTREAM_FAILED: 502,
  /** The object store (S3) answered an error or stayed unreachable after the retries; the context names op, key, status. */
  OBJECT_STORAGE_FAILED: 503,
  UPSTREAM_TIMEOUT: 504,
  TARGET_REFUSED: 403,
  CLIENT_REFUSED: 403,
  PROXY_AUTH_REQUIRED: 407,
  CONFIG_INVALID: 500,
  /** Shared state (store/shared-state.ts): a document changed since it was read; re-read and apply the change again. */
  VERSION_STALE: 409,
  /** `verbatim migrate --to`: the target store holds data that is not this migration's own unfinished copy. */
  MIGRATION_TARGET_NOT_EMPTY: 409,
  /** A file two Verbatim processes share (accounts, audit trail) stayed locked by the other one. */
  FILE_LOCKED: 503,
  /** The search worker thread died holding a page of the change feed: the follower re-reads it from the index's cursor. */
  SEARCH_WORKER_LOST: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class VerbatimError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerbatimError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.context = context;
  }
}

export function isVerbatimError(err: unknown, code?: ErrorCode): err is VerbatimError {
  return err instanceof VerbatimError && (code === undefined || err.code === code);
}
