/**
 * Which store read failures pass (the follower waits and reads the change again) and which are the record's own
 * (it is skipped, logged by seq). An object store that timed out or answered 5xx, a database restarting, a store
 * recovering from a failed write: the record is fine and will be readable. Only what reading again cannot change is
 * permanent: a record that does not decrypt or decode (STORE_CORRUPT, SESSION_KEY_DAMAGED, a format error). Skipping
 * a change for a passing failure left the session out of the index for good (nothing reads a skipped change again).
 */
import { isVerbatimError } from '../../store/errors';

/** The store's own codes for a backend that will answer again. */
const PASSING_CODES = new Set(['OBJECT_STORAGE_FAILED', 'STORE_SLOW', 'STORE_WRITE_FAILED', 'STORE_CONFLICT', 'FILE_LOCKED']);

/** Network errors, and PostgreSQL's connection exceptions (class 08), shutdown (57P01–57P03) and "too many connections". */
const PASSING_RAW = /^(ETIMEDOUT|ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|08...|57P0[123]|53300)$/;

export function isPassingReadError(err: unknown): boolean {
  if (isVerbatimError(err)) return PASSING_CODES.has(err.code);
  const e = err as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  if (typeof e?.code === 'string' && PASSING_RAW.test(e.code)) return true;
  if (e?.name === 'TimeoutError') return true;
  const status = e?.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}
