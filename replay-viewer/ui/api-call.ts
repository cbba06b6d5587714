/** JSON calls for the administrator, audit, analytics and review screens; changes carry the CSRF token from /api/me. */
import { ApiError } from './api';
import { whoAmI } from './me';

/** The `error` of a failed answer's JSON body. */
export interface ErrorBody { code?: string; message?: string; position?: number }

/** Turns a screen's own error codes into its own errors (undefined: an ApiError as usual). */
export type RefineError = (error: ErrorBody) => Error | undefined;

/** Throws the error a failed answer carries: an ApiError, unless `refine` makes something more specific of it. */
export async function failed(res: Response, refine?: RefineError): Promise<never> {
  const error = ((await res.json().catch(() => ({}))) as { error?: ErrorBody }).error ?? {};
  throw refine?.(error) ?? new ApiError(res.status, error.code ?? 'HTTP_ERROR', error.message ?? `Request failed (${res.status})`);
}

export async function call<T>(method: string, path: string, body?: unknown, refine?: RefineError): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-verbatim-csrf'] = (await whoAmI())?.csrf ?? '';
  }
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  return res.ok ? ((await res.json()) as T) : failed(res, refine);
}

/** A path segment, encoded. */
export const seg = (s: string): string => encodeURIComponent(s);

/** GET `path` with the defined `params` as its query string. */
export function getWithQuery<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  return call<T>('GET', `${path}?${qs}`);
}
