/**
 * Every error Verbatim raises on purpose carries a stable code, an HTTP status
 * for the servers that report it, and context for the log (never secrets).
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  PAYLOAD_INVALID: 400,
  UNAUTHORIZED: 401,
  SESSION_FORGED: 403,
  NOT_FOUND: 404,
  SESSION_UNKNOWN: 404,
  CAPTURE_MISSING: 404,
  LEGAL_HOLD: 409,
  PAYLOAD_TOO_LARGE: 413,
  BLOB_MISSING: 500,
  UNSUPPORTED: 501,
  STORE_CORRUPT: 500,
  STORE_NOT_OPEN: 503,
  STORE_WRITE_FAILED: 507,
  /** A session's key file is not a key (a disk that filled up half-way): the session can never be written again. */
  SESSION_KEY_DAMAGED: 500,
  UPSTREAM_FAILED: 502,
  CONFIG_INVALID: 500,
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
