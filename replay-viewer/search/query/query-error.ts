/**
 * The one error the query language raises. It carries the offset of the offending character so the viewer can
 * underline it and the API can answer 400 with `info()` as the body. Dependency-free (bundled into the browser).
 */
import type { QueryErrorInfo } from './ast';

export class QueryError extends Error {
  readonly code = 'QUERY_INVALID' as const;
  /** 0-based UTF-16 offset into the query; 0 ≤ position ≤ query length. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'QueryError';
    this.position = position;
  }

  info(): QueryErrorInfo {
    return { code: this.code, message: this.message, position: this.position };
  }
}

export function isQueryError(err: unknown): err is QueryError {
  return err instanceof QueryError;
}

/** A piece of the query quoted for a message, cut short so a hostile 2,000-character word does not fill the answer. */
export function shown(text: string): string {
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}
