/**
 * Typed access to the analytics API (replay-viewer/analytics/analytics-routes.ts). Reports over a period arrive as
 * NDJSON: progress lines, then the result (or an error line); `onProgress` sees each progress line as it comes.
 */
import type { Funnel, FunnelDefinition } from '../analytics/funnels/definition';
import type { FunnelReport } from '../analytics/funnels/funnel-report';
import type { StepSuggestions } from '../analytics/funnels/step-suggestions';
import type { JourneyReport } from '../analytics/journeys/journey-report';
import type { Progress } from '../analytics/query/progress';
import { ApiError } from './api';
import { call, failed } from './api-call';

export type { Funnel, FunnelDefinition, FunnelReport, JourneyReport, Progress, StepSuggestions };

async function streamed<T>(path: string, onProgress: (p: Progress) => void): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/x-ndjson' }, credentials: 'same-origin' });
  if (!res.ok || !res.body) return failed(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl)) as { progress?: Progress; result?: T; error?: { code: string; message: string } };
      buffered = buffered.slice(nl + 1);
      if (line.progress) onProgress(line.progress);
      if (line.error) throw new ApiError(500, line.error.code, line.error.message);
      if (line.result) return line.result;
    }
    if (done) throw new ApiError(500, 'INCOMPLETE', 'The report ended before its result');
  }
}

export interface Period { from: string; to: string }
const periodQuery = (p: Period) => `from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`;

export const listFunnels = () => call<{ funnels: Funnel[] }>('GET', '/api/analytics/funnels');
export const saveFunnel = (def: FunnelDefinition) => call<{ funnel: Funnel }>('POST', '/api/analytics/funnels', def);
export const updateFunnel = (id: string, def: FunnelDefinition) => call<{ funnel: Funnel }>('PUT', `/api/analytics/funnels/${encodeURIComponent(id)}`, def);
export const deleteFunnel = (id: string) => call<unknown>('DELETE', `/api/analytics/funnels/${encodeURIComponent(id)}`);
/** `per: 'customer'`: journeys across each customer's sessions and channels (the server's customer-funnel.ts). */
export const funnelReport = (id: string, p: Period, onProgress: (p: Progress) => void, per: 'session' | 'customer' = 'session') =>
  streamed<FunnelReport>(`/api/analytics/funnels/${encodeURIComponent(id)}/report?${periodQuery(p)}${per === 'customer' ? '&per=customer' : ''}`, onProgress);
export const funnelSteps = (p: Period) => call<StepSuggestions>('GET', `/api/analytics/funnel-steps?${periodQuery(p)}`);
export const journeyReport = (p: Period, onProgress: (p: Progress) => void) => streamed<JourneyReport>(`/api/analytics/journeys?${periodQuery(p)}`, onProgress);

export type JourneyPick = { step: number; from: string; to: string } | { path: string[] };
export function journeySessions(p: Period, pick: JourneyPick): Promise<{ sessions: { session: string; at: number }[]; total: number }> {
  const q = new URLSearchParams({ from: p.from, to: p.to });
  if ('path' in pick) for (const url of pick.path) q.append('path', url);
  else { q.set('step', String(pick.step)); q.set('from_url', pick.from); q.set('to_url', pick.to); }
  return call('GET', `/api/analytics/journeys/sessions?${q}`);
}

/** The replay at a moment. */
export const replayAt = (session: string, at: number) => `/sessions/${encodeURIComponent(session)}?at=${Math.round(at)}`;
