/** Typed access to the viewer's JSON API (replay-viewer/api-routes.ts). */
import type { ApiSession } from '../api-routes';
import type { RecordedEvent } from '../../store/records';

export type { ApiSession };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (!res.ok) {
    let code = 'HTTP_ERROR';
    let message = `Request failed (${res.status})`;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the generic message
    }
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

export function listSessions(query: { limit?: number; before?: number } = {}): Promise<ApiSession[]> {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.before !== undefined) params.set('before', String(query.before));
  const qs = params.toString();
  return getJson<ApiSession[]>(`/api/sessions${qs ? `?${qs}` : ''}`);
}

export function getSession(id: string): Promise<ApiSession> {
  return getJson<ApiSession>(`/api/sessions/${encodeURIComponent(id)}`);
}

export async function getEvents(id: string): Promise<RecordedEvent[]> {
  return (await getJson<{ events: RecordedEvent[] }>(`/api/sessions/${encodeURIComponent(id)}/events`)).events;
}
