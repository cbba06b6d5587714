/** Typed access to the viewer's JSON API (replay-viewer/api-routes.ts). */
import type { ApiSession } from '../api-routes';
import type { ExportFormat } from '../export-route';
import type { ApiNetworkLog, ApiWebSocketMessage } from '../replay/network-log';
import type { FidelityReport } from '../replay/fidelity';
import type { RecordedEvent } from '../../store/records';
import { JSON_REQUEST, takeEarly } from './early-requests';

export type { ApiNetworkLog, ApiSession, ApiWebSocketMessage, ExportFormat };

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function get(path: string): Promise<Response> {
  // A player page's head script may have asked already (early-requests.ts).
  const res = await (takeEarly(path) ?? fetch(path, JSON_REQUEST));
  if (res.ok) return res;
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

async function getJson<T>(path: string): Promise<T> {
  return (await (await get(path)).json()) as T;
}

export function listSessions(query: { limit?: number; after?: { startedAt: number; id: string }; channel?: string; terminal?: string; customer?: string } = {}): Promise<ApiSession[]> {
  const params = new URLSearchParams();
  if (query.customer) params.set('customer', query.customer);
  if (query.channel) params.set('channel', query.channel);
  if (query.terminal) params.set('terminal', query.terminal);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.after) params.set('after', `${query.after.startedAt}:${query.after.id}`);
  const qs = params.toString();
  return getJson<ApiSession[]>(`/api/sessions${qs ? `?${qs}` : ''}`);
}

export function getSession(id: string): Promise<ApiSession> {
  return getJson<ApiSession>(`/api/sessions/${encodeURIComponent(id)}`);
}

export interface TabTrack { index: number; pageIds: string[]; startedAt: number; endedAt: number; url: string }
export interface SessionEvents { events: RecordedEvent[]; tracks: TabTrack[]; track: number }

/** One tab's events: `track`, else the tab in use at `at`, else the first. */
export function getEvents(id: string, select: { track?: number; at?: number } = {}): Promise<SessionEvents> {
  const params = new URLSearchParams();
  if (select.track !== undefined) params.set('track', String(select.track));
  if (select.at !== undefined) params.set('at', String(select.at));
  const qs = params.toString();
  return getJson<SessionEvents>(`/api/sessions/${encodeURIComponent(id)}/events${qs ? `?${qs}` : ''}`);
}

/** The network log: HTTP captures and WebSocket messages (roles with technical views). */
export function getNetworkLog(id: string): Promise<ApiNetworkLog> {
  return getJson<ApiNetworkLog>(`/api/sessions/${encodeURIComponent(id)}/captures`);
}

/** How far to trust the replay: where each resource comes from, what the recording could not hold. */
export function getFidelity(id: string): Promise<FidelityReport> {
  return getJson<FidelityReport>(`/api/sessions/${encodeURIComponent(id)}/fidelity`);
}

/** A session's export as a file, named as the server names it. */
export async function getExport(id: string, format: ExportFormat): Promise<{ blob: Blob; filename: string }> {
  const res = await get(`/api/sessions/${encodeURIComponent(id)}/export?format=${format}`);
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `verbatim-${id}.${format}`;
  return { blob: await res.blob(), filename };
}
