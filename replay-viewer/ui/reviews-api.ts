/** Typed access to the reviews API (replay-viewer/reviews/review-routes.ts); changes carry the CSRF token from /api/me. */
import type { SearchesResponse } from '../reviews/review-routes';
import type { Mark, MarkStatus, RunSummary, RunView, SavedSearch, Schedule } from '../reviews/types';
import { ApiError } from './api';
import { whoAmI } from './me';
import { QueryError } from './search-api';

export type { Mark, MarkStatus, RunSummary, RunView, SavedSearch, Schedule, SearchesResponse };

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    headers['x-verbatim-csrf'] = (await whoAmI())?.csrf ?? '';
  }
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.ok) return (await res.json()) as T;
  const error = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; position?: number } }).error ?? {};
  if (error.code === 'QUERY_INVALID') throw new QueryError(error.message ?? 'The query is not valid', error.position ?? 0);
  throw new ApiError(res.status, error.code ?? 'HTTP_ERROR', error.message ?? `Request failed (${res.status})`);
}

export const listSavedSearches = () => call<SearchesResponse>('GET', '/api/reviews/searches');
export const saveSearch = (s: { name: string; query: string; schedule: Schedule }) => call<{ search: SavedSearch }>('POST', '/api/reviews/searches', s);
export const updateSearch = (id: string, s: Partial<{ name: string; query: string; schedule: Schedule }>) =>
  call<{ search: SavedSearch }>('PUT', `/api/reviews/searches/${encodeURIComponent(id)}`, s);
export const deleteSearch = (id: string) => call<unknown>('DELETE', `/api/reviews/searches/${encodeURIComponent(id)}`);
/** from / to: `YYYY-MM-DD` (UTC midnight); to is exclusive. */
export const runSearch = (id: string, from: string, to: string) => call<{ run: RunSummary }>('POST', `/api/reviews/searches/${encodeURIComponent(id)}/runs`, { from, to });
export const listRuns = () => call<{ runs: RunSummary[] }>('GET', '/api/reviews/runs');
export const getRun = (id: string) => call<RunView>('GET', `/api/reviews/runs/${encodeURIComponent(id)}`);
export const markSession = (runId: string, sessionId: string, status: MarkStatus, note: string) =>
  call<{ mark: Mark }>('POST', `/api/reviews/runs/${encodeURIComponent(runId)}/marks`, { sessionId, status, note });
export const downloadUrl = (runId: string, format: 'csv' | 'json') => `/api/reviews/runs/${encodeURIComponent(runId)}/download?format=${format}`;
