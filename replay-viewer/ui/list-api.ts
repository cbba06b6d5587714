/**
 * The session list's and the role homes' calls: a page of sessions in an order (GET /api/search with `sort`, `order`,
 * `from`, `to`, `at`, `cursor`; search/list-params.ts) and the user's own preferences (GET/PUT /api/me/prefs).
 */
import type { SearchResponse } from '../search/types';
import type { SortDir, SortKey } from '../search/list-order';
import { DEFAULT_PREFS, type UserPrefs } from '../prefs/prefs-shape';
import { ApiError } from './api';
import { whoAmI } from './me';

export interface ListRequest {
  q: string;
  sort: SortKey;
  order: SortDir;
  limit: number;
  from?: number;
  to?: number;
  at?: number;
  cursor?: string;
  facets?: string[];
}

/** One page; undefined when this viewer has no search index (404): the plain newest-first list then. */
export async function listPage(r: ListRequest): Promise<SearchResponse | undefined> {
  const params = new URLSearchParams({ q: r.q, sort: r.sort, order: r.order, limit: String(r.limit) });
  for (const name of ['from', 'to', 'at', 'cursor'] as const) if (r[name] !== undefined) params.set(name, String(r[name]));
  if (r.facets?.length) params.set('facets', r.facets.join(','));
  const res = await fetch(`/api/search?${params}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.ok) return (await res.json()) as SearchResponse;
  if (res.status === 404) return undefined;
  throw await apiError(res);
}

/** The signed-in user's preferences; the defaults without an access layer (nothing to keep them in). */
export async function getPrefs(): Promise<{ prefs: UserPrefs; stored: boolean }> {
  const res = await fetch('/api/me/prefs', { headers: { accept: 'application/json' }, credentials: 'same-origin' }).catch(() => undefined);
  if (res?.ok) return { prefs: (await res.json()) as UserPrefs, stored: true };
  return { prefs: { ...DEFAULT_PREFS, listColumns: [...DEFAULT_PREFS.listColumns] }, stored: false };
}

export async function savePrefs(prefs: UserPrefs): Promise<UserPrefs> {
  const res = await fetch('/api/me/prefs', {
    method: 'PUT', credentials: 'same-origin', body: JSON.stringify(prefs),
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-verbatim-csrf': (await whoAmI())?.csrf ?? '' },
  });
  if (!res.ok) throw await apiError(res);
  return (await res.json()) as UserPrefs;
}

async function apiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return new ApiError(res.status, body.error?.code ?? 'HTTP_ERROR', body.error?.message ?? `Request failed (${res.status})`);
}
