/** Typed access to the reviews API (replay-viewer/reviews/review-routes.ts); changes carry the CSRF token from /api/me. */
import type { SearchesResponse } from '../reviews/review-routes';
import type { Mark, MarkStatus, RunSummary, RunView, SavedSearch, Schedule } from '../reviews/types';
import { call as callApi, type ErrorBody } from './api-call';
import { QueryError } from './search-api';

export type { Mark, MarkStatus, RunSummary, RunView, SavedSearch, Schedule, SearchesResponse };

/** A saved search's malformed query comes back as a QueryError, with its position, for the editor to point at. */
const queryError = (e: ErrorBody) => (e.code === 'QUERY_INVALID' ? new QueryError(e.message ?? 'The query is not valid', e.position ?? 0) : undefined);
const call = <T>(method: string, path: string, body?: unknown) => callApi<T>(method, path, body, queryError);

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
