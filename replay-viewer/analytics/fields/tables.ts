/**
 * The field-analytics and click-map tables (analytics/index/ plumbing: one module, one registration line):
 * - form_fields   one row per field touched per page view (fields/rows.ts FieldRow), keyed by page and field.
 * - click_points  one row per click gesture, keyed by page, moment and selector; read per page pattern and site
 *                 version, so a map never mixes two layouts.
 * - scroll_depths one row per page view: the deepest point shown.
 * Rows are made once per page view when it ends (collector.ts), so a re-read batch rewrites the same keys.
 */
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow, AnalyticsTable, SharedReaders } from '../index/analytics-table';
import { createStruggleDetector } from '../struggle/index';
import { createFieldCollector } from './collector';
import type { ClickRow, FieldAnalyticsRows, FieldRow, ScrollRow } from './rows';

const MAX_TEXT = 300;
const text = (s: string | undefined) => (s ?? '').slice(0, MAX_TEXT);
const flag = (b: boolean) => (b ? 1 : 0);

export const formFieldsTable: AnalyticsTable<FieldRow> = {
  name: 'form_fields',
  columns: [
    { name: 'page_id', sqlite: 'TEXT', pg: 'text' },
    { name: 'at', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'host', sqlite: 'TEXT', pg: 'text' },
    { name: 'url', sqlite: 'TEXT', pg: 'text' },
    { name: 'form', sqlite: 'TEXT', pg: 'text' },
    { name: 'field', sqlite: 'TEXT', pg: 'text' },
    { name: 'label', sqlite: 'TEXT', pg: 'text' },
    { name: 'fill_ms', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'hesitations', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'corrections', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'errors', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'submitted', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'drop_off', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'left_at', sqlite: 'INTEGER', pg: 'bigint' },
  ],
  key: ['page_id', 'form', 'field'],
  update: ['at', 'host', 'url', 'label', 'fill_ms', 'hesitations', 'corrections', 'errors', 'submitted', 'drop_off', 'left_at'],
  // Covering one form's report over a period: its aggregates read the index alone, per field in index order, and a
  // field's median is an OFFSET into its fill times in order. PostgreSQL cuts the long name to 63 characters, which
  // stays unique among these tables' indexes.
  indexes: [
    ['host', 'url', 'form', 'field', 'fill_ms', 'at', 'sid', 'page_id', 'submitted', 'hesitations', 'corrections', 'errors', 'drop_off', 'left_at', 'label'],
    // The form's views (sid, page_id) counted in index order, no sort.
    ['host', 'url', 'form', 'sid', 'page_id', 'at', 'submitted'],
  ],
  values: (r) => [
    text(r.pageId), Math.trunc(r.at), text(r.host), text(r.url), text(r.form), text(r.field), text(r.label),
    r.fillMs === undefined ? null : Math.trunc(r.fillMs), r.hesitations, r.corrections, r.errors, flag(r.submitted), flag(r.dropOff),
    r.leftAt === undefined ? null : Math.trunc(r.leftAt),
  ],
};

export const clickPointsTable: AnalyticsTable<ClickRow> = {
  name: 'click_points',
  columns: [
    { name: 'page_id', sqlite: 'TEXT', pg: 'text' },
    { name: 'at', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'host', sqlite: 'TEXT', pg: 'text' },
    { name: 'url', sqlite: 'TEXT', pg: 'text' },
    { name: 'version', sqlite: 'TEXT', pg: 'text' },
    { name: 'selector', sqlite: 'TEXT', pg: 'text' },
    { name: 'fx', sqlite: 'REAL', pg: 'float8' },
    { name: 'fy', sqlite: 'REAL', pg: 'float8' },
    { name: 'dead', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'rage', sqlite: 'INTEGER', pg: 'bigint' },
  ],
  key: ['page_id', 'at', 'selector'],
  update: ['host', 'url', 'version', 'fx', 'fy', 'dead', 'rage'],
  // Covering the map's aggregate (grouped by selector in index order, no table reads), and the latest view.
  indexes: [['host', 'url', 'version', 'selector', 'at', 'dead', 'rage', 'fx', 'fy'], ['host', 'url', 'version', 'at']],
  values: (r) => [
    text(r.pageId), Math.trunc(r.at), text(r.host), text(r.url), text(r.version), text(r.selector), r.fx ?? null, r.fy ?? null, flag(r.dead), flag(r.rage),
  ],
};

export const scrollDepthsTable: AnalyticsTable<ScrollRow> = {
  name: 'scroll_depths',
  columns: [
    { name: 'page_id', sqlite: 'TEXT', pg: 'text' },
    { name: 'at', sqlite: 'INTEGER', pg: 'bigint' },
    { name: 'host', sqlite: 'TEXT', pg: 'text' },
    { name: 'url', sqlite: 'TEXT', pg: 'text' },
    { name: 'version', sqlite: 'TEXT', pg: 'text' },
    { name: 'max_pct', sqlite: 'INTEGER', pg: 'bigint' },
  ],
  key: ['page_id'],
  update: ['at', 'host', 'url', 'version', 'max_pct'],
  indexes: [['host', 'url', 'version', 'at', 'max_pct']],
  values: (r) => [text(r.pageId), Math.trunc(r.at), text(r.host), text(r.url), text(r.version), Math.trunc(r.maxPct)],
};

/**
 * The collector the index runs per session. It reads the index's struggle detector when it is lent one (the struggle
 * hits' own, already fed each record before this sees it: never fed again here); alone (tools, tests) it keeps and
 * feeds one of its own.
 */
export function createFieldAnalyticsCollector(shared: SharedReaders = {}): AnalyticsCollector {
  const own = shared.struggle ? undefined : createStruggleDetector();
  const fields = createFieldCollector(shared.struggle ?? own!);
  return {
    batch(batch) {
      own?.batch(batch);
      fields.batch(batch);
    },
    capture(capture) {
      own?.capture(capture);
      fields.capture(capture);
    },
    drain: () => asRows(fields.take()),
  };
}

export function asRows(r: FieldAnalyticsRows): AnalyticsRow[] {
  return [
    ...r.fields.map((row) => ({ table: formFieldsTable.name, row })),
    ...r.clicks.map((row) => ({ table: clickPointsTable.name, row })),
    ...r.scrolls.map((row) => ({ table: scrollDepthsTable.name, row })),
  ];
}

export const fieldAnalyticsModule: AnalyticsModule = {
  tables: [formFieldsTable, clickPointsTable, scrollDepthsTable],
  collector: createFieldAnalyticsCollector,
};
