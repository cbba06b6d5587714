/** JSON calls for the administrator, audit and analytics screens; changes carry the CSRF token from /api/me. */
import { ApiError } from './api';
import { whoAmI } from './me';

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-verbatim-csrf'] = (await whoAmI())?.csrf ?? '';
  }
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.ok) return (await res.json()) as T;
  const error = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error ?? {};
  throw new ApiError(res.status, error.code ?? 'HTTP_ERROR', error.message ?? `Request failed (${res.status})`);
}

/** A path segment, encoded. */
export const seg = (s: string): string => encodeURIComponent(s);

/** GET `path` with the defined `params` as its query string. */
export function getWithQuery<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) qs.set(k, String(v));
  return call<T>('GET', `${path}?${qs}`);
}
