/**
 * The search index's contract, backend-neutral: the embedded SQLite FTS5 index (sqlite/, the default) and the
 * PostgreSQL one (postgres/) implement it and pass the same suite (test/contract/). The index is derived data: it
 * follows the store's change feed (follower.ts), never the store's files, and can be rebuilt from the store at any
 * time (`verbatim reindex`).
 */
import type { AnalyticsRow } from '../analytics/index/analytics-table';
import type { Hit, HitKind, SearchResponse } from './types';
import type { QueryNode } from './query/ast';
import type { ListOrder } from './list-order';

/** What the index knows about a session as a whole (facts the query's keyword/number/time fields filter on). */
export interface SessionFacts {
  id: string;
  channel: string;
  terminal?: string;
  browser?: string;
  os?: string;
  device?: string;
  country?: string;
  startedAt: number;
  endedAt: number;
  pageCount: number;
  durationMs: number;
  activeMs: number;
  /** The struggle score so far, 0–100 (analytics/struggle/score.ts); never lowered by a later batch. */
  struggleScore?: number;
  customerLinked: boolean;
  /** Personal (a URL may carry a customer number): the backend keeps it sealed, never in the clear. */
  entryUrl?: string;
}

/**
 * One applied batch of the change feed: everything it changes, written together with the new cursor in one
 * transaction, so a restart neither loses nor repeats a batch (exactly-once).
 */
export interface IndexBatch {
  /** The feed seq after this batch. */
  cursor: number;
  /**
   * A derived job's write (derived/trust-job.ts), made beside the follower's pages: the feed cursor stays where the
   * follower left it (`cursor` is ignored).
   */
  keepCursor?: boolean;
  /** Sessions created or updated (upserted whole; a missing field is cleared). */
  sessions: SessionFacts[];
  /** Hits to add, per session. */
  hits: { sessionId: string; hits: Hit[] }[];
  /**
   * Drop these sessions' hits of these kinds before adding (a re-read source, e.g. a session's WebSocket log). With
   * `texts`, only the hits whose text is one of them (the dwell job's `struggle` hits beside ingest's: the texts are
   * sealed, so the backend opens the session's hits of those kinds to tell).
   */
  replaceKinds?: { sessionId: string; kinds: HitKind[]; texts?: string[] }[];
  /** Analytics rows to add, per session (analytics/index/): written with the hits, erased with the session. */
  analytics?: { sessionId: string; rows: AnalyticsRow[] }[];
  /** The trust job's fidelity scores (0–100; null: the session could not be checked). */
  fidelity?: { sessionId: string; score: number | null }[];
  /** Sessions linked to a customer since. */
  customerLinked?: string[];
  /** Sessions erased: nothing of them may stay searchable or readable. */
  erased?: string[];
}

export interface SearchOptions {
  limit: number;
  /** Opaque cursor from a previous answer's `next` (made for the same `order`). */
  cursor?: string;
  /** The order of the answer (list-order.ts); newest first when absent. */
  order?: ListOrder;
  /** Only sessions that started at or after this (epoch ms)… */
  startedFrom?: number;
  /** …and before this (exclusive). */
  startedBefore?: number;
  /** Keyword fields (and `status` for status classes) to count over all matching sessions. */
  facets?: string[];
  /** Only customer-linked sessions (agents). */
  customerLinkedOnly?: boolean;
  /** `customer:` terms resolved to session ids by the caller (the store's blind customer index). */
  customerSessions?: ReadonlyMap<string, readonly string[]>;
}

export interface MatchOptions {
  customerSessions?: ReadonlyMap<string, readonly string[]>;
}

export type Match = SearchResponse['results'][number]['firstMatch'] & {};

export interface SearchIndex {
  open(): Promise<void>;
  close(): Promise<void>;
  /** The feed seq up to which every change is applied (0: nothing yet). */
  cursor(): Promise<number>;
  apply(batch: IndexBatch): Promise<void>;
  /** Drops everything (reindex from scratch). */
  reset(): Promise<void>;
  search(query: QueryNode, options: SearchOptions): Promise<SearchResponse>;
  /**
   * The ids of every session the query matches, in no order, unpaged and uncounted: one statement, for a derived
   * job that must know them all (derived/dwell-job.ts), where paging through search() repeated the match per page.
   */
  sessionIds(query: QueryNode): Promise<string[]>;
  /** Every matching moment of one session, oldest first. */
  matches(sessionId: string, query: QueryNode, options?: MatchOptions): Promise<Match[]>;
  /** A key/value of the index's own bookkeeping (the reindex marker). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string | undefined): Promise<void>;
  /** How many sessions and hits it holds (tests, status). */
  counts(): Promise<{ sessions: number; hits: number }>;
  /** The connection analytics queries read through (analytics/index/analytics-db.ts). */
  analyticsDb(): AnalyticsDb;
}

export type AnalyticsDb =
  | { kind: 'sqlite'; db: import('better-sqlite3').Database }
  | { kind: 'postgres'; pool: import('pg').Pool };

/** A session's score as the backends keep it: a whole number 0–100 (a hostile or missing value is 0). */
export function scoreOf(f: Pick<SessionFacts, 'struggleScore'>): number {
  const n = f.struggleScore;
  return typeof n === 'number' && Number.isFinite(n) ? Math.min(100, Math.max(0, Math.round(n))) : 0;
}

/** A fidelity score as the backends keep it: a whole number 0–100, or null (not checked, or not a number). */
export function fidelityOf(score: number | null | undefined): number | null {
  return typeof score === 'number' && Number.isFinite(score) ? Math.min(100, Math.max(0, Math.round(score))) : null;
}

/** Exact totals up to this many sessions; beyond it `totalCapped`. */
export const TOTAL_CAP = 10_000;
export const MAX_SEARCH_LIMIT = 200;
