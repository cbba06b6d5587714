/**
 * The rows both backends keep for sessions and hits, as they come back from a query, and how a row becomes an answer:
 * the facts, the entry URL and the snippet unsealed with the index key. Backend-neutral (SQLite gives 0/1 for a
 * boolean, PostgreSQL true/false).
 */
import type { IndexKey } from './index-key';
import { snippetOf } from './snippet';
import type { HitKind, SearchResult } from './types';

export interface SessionRow {
  sid: number; id: string; channel: string; terminal: string | null; browser: string | null; os: string | null;
  device: string | null; country: string | null; started_at: number; ended_at: number; page_count: number;
  duration_ms: number; active_ms: number; customer_linked: number | boolean; entry_url: Buffer | null; score: number;
  /** Error hits (JavaScript errors) the session holds, kept by the backend as hits come and go. */
  errors: number;
}

export interface HitRow { hid: number; at: number; kind: HitKind; snippet: Buffer | null }

/** The hit's text around the query's words, unsealed (its seal is bound to its session). */
export function hitSnippet(key: IndexKey, h: HitRow, sessionId: string, wanted: string[]): string {
  return h.snippet ? snippetOf(key.open(h.snippet, `hit:${sessionId}`), wanted) : '';
}

export function searchResult(key: IndexKey, r: SessionRow, moments: { count: number; first?: HitRow } | undefined, wanted: string[]): SearchResult {
  const session: SearchResult['session'] = {
    id: r.id, startedAt: r.started_at, endedAt: r.ended_at, channel: r.channel, pageCount: r.page_count,
    durationMs: r.duration_ms, customerLinked: r.customer_linked === true || r.customer_linked === 1, struggleScore: r.score,
    errorCount: Number(r.errors ?? 0),
  };
  for (const [k, v] of [['terminal', r.terminal], ['browser', r.browser], ['os', r.os], ['device', r.device], ['country', r.country]] as const) {
    if (v !== null) session[k] = v;
  }
  if (r.entry_url) session.entryUrl = key.open(r.entry_url, `entry:${r.id}`);
  const result: SearchResult = { session, matchCount: moments?.count ?? 0 };
  const first = moments?.first;
  if (first) result.firstMatch = { at: first.at, kind: first.kind, snippet: hitSnippet(key, first, r.id, wanted) };
  return result;
}
