/**
 * Analytics tables beside the search index's hits (issue #14): each table is one module declaring its columns once
 * (define-table.ts: a kind and a row's value per column, both backends' types derived), plus the collector that
 * produces its rows from a session's records (fed beside search's extractor, extractor-port.ts). Rows travel in the
 * same IndexBatch as the hits, are written in the same transaction, erased with the session and created on an existing
 * index when it opens (CREATE IF NOT EXISTS). Every table has a `sid` column (the index's session row): erasure and
 * reset are generic.
 * Stored values must not be personal: URL patterns (url-pattern.ts), selectors, titles, never typed values.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import type { Hit } from '../../search/types';
import type { StruggleDetector } from '../struggle/index';

export interface AnalyticsColumn {
  name: string;
  sqlite: 'INTEGER' | 'REAL' | 'TEXT';
  /** The PostgreSQL type; also the array type rows are sent as (`<pg>[]`, unnested server-side). */
  pg: 'bigint' | 'float8' | 'text';
}

export interface AnalyticsTable<R = unknown> {
  /** Table name in both backends, and the row's `table` in a batch. */
  name: string;
  /** In insert order, after `sid`. */
  columns: AnalyticsColumn[];
  /**
   * Columns (besides sid) that identify a row: a row met again (a re-read batch) updates `update` instead of doubling.
   * Empty with `update` given: one row per session. Both empty: rows are appended (no key).
   */
  key: string[];
  /** Columns a repeated row overwrites (empty: the first row stays). */
  update: string[];
  /** Secondary indexes, column lists (queries' access paths); `sid` leads the primary key. */
  indexes: string[][];
  values(row: R): unknown[];
}

/** One row for one table, as a collector emits it and a batch carries it (plain data: crosses the worker thread). */
/** Whether rows of the table are keyed (sid plus `key`), or appended. */
export const isKeyed = (t: AnalyticsTable<any>): boolean => t.key.length > 0 || t.update.length > 0;

export interface AnalyticsRow { table: string; row: unknown }

/** Produces one session's rows for its table(s), seeing what search's extractor saw and the hits it answered. */
export interface AnalyticsCollector {
  batch(batch: EventBatch, hits: readonly Hit[]): void;
  capture(capture: CapturedResource, hits: readonly Hit[]): void;
  /** Rows produced since the last drain. */
  drain(): AnalyticsRow[];
}

/**
 * What the index's extractor already reads for the session and lends its collectors, read only: its owner feeds it
 * each record before the collectors see that record. The struggle detector is the costly one (a page model per tab,
 * every rule re-judged): one per session, not one per reader.
 */
export interface SharedReaders { struggle?: StruggleDetector }

/** What one registration line adds: a table, and the collector that fills it (or none, when another one does). */
export interface AnalyticsModule {
  tables: AnalyticsTable<any>[];
  collector?: (shared: SharedReaders) => AnalyticsCollector;
}
