/** Typed access to the search API (GET /api/search, GET /api/sessions/:id/matches; shapes in ../search/types.ts). */
import type { MatchesResponse, SearchResponse } from '../search/types';
import type { QueryErrorInfo } from '../search/query/ast';
import { ApiError } from './api';

export type { MatchesResponse, SearchResponse };
export type Match = MatchesResponse['matches'][number];

export const FACETS = ['channel', 'device', 'browser', 'os', 'country'] as const;

/** A malformed query (HTTP 400 QUERY_INVALID): the message and where in the query the problem is. */
export class QueryError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

/** One page of results; `undefined` when this viewer has no search API (404: not deployed). */
export async function searchSessions(q: string, cursor?: string, limit = 25): Promise<SearchResponse | undefined> {
  const params = new URLSearchParams({ q, limit: String(limit), facets: FACETS.join(',') });
  if (cursor) params.set('cursor', cursor);
  const res = await fetch(`/api/search?${params}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (res.ok) return (await res.json()) as SearchResponse;
  if (res.status === 404) return undefined;
  const body = (await res.json().catch(() => ({}))) as { error?: Partial<QueryErrorInfo> & { code?: string } };
  const error = body.error ?? {};
  if (res.status === 400 && error.code === 'QUERY_INVALID') {
    throw new QueryError(error.message ?? 'The query is not valid', Number.isInteger(error.position) ? error.position! : 0);
  }
  throw new ApiError(res.status, error.code ?? 'HTTP_ERROR', error.message ?? `Request failed (${res.status})`);
}

/** Every matching moment of one session, sorted; undefined when the API is missing or refuses (the player works without). */
export async function sessionMatches(sessionId: string, q: string): Promise<Match[] | undefined> {
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(sessionId)}/matches?${new URLSearchParams({ q })}`, {
      headers: { accept: 'application/json' }, credentials: 'same-origin',
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as MatchesResponse;
    return Array.isArray(body.matches) ? [...body.matches].sort((a, b) => a.at - b.at) : undefined;
  } catch {
    return undefined;
  }
}
