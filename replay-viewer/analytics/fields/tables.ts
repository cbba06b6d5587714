/**
 * The field-analytics and click-map tables (analytics/index/ plumbing: one module, one registration line):
 * - form_fields   one row per field touched per page view (fields/rows.ts FieldRow), keyed by page and field.
 * - click_points  one row per click gesture, keyed by page, moment and selector; read per page pattern and site
 *                 version, so a map never mixes two layouts.
 * - scroll_depths one row per page view: the deepest point shown.
 * Rows are made once per page view when it ends (collector.ts), so a re-read batch rewrites the same keys.
 */
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow, SharedReaders } from '../index/analytics-table';
import { defineTable, int, real, text } from '../index/define-table';
import { createStruggleDetector } from '../struggle/index';
import { createFieldCollector } from './collector';
import type { ClickRow, FieldAnalyticsRows, FieldRow, ScrollRow } from './rows';

const MAX_TEXT = 300;
const clip = (s: string | undefined) => (s ?? '').slice(0, MAX_TEXT);
const flag = (b: boolean) => (b ? 1 : 0);

/** Where and when, the leading columns of all three tables (page view, moment, host, URL pattern). */
const PAGE_COLUMNS = {
  page_id: text((r: { pageId: string }) => clip(r.pageId)),
  at: int((r: { at: number }) => Math.trunc(r.at)),
  host: text((r: { host: string }) => clip(r.host)),
  url: text((r: { url: string }) => clip(r.url)),
};

export const formFieldsTable = defineTable<FieldRow>()({
  name: 'form_fields',
  columns: {
    ...PAGE_COLUMNS,
    form: text((r) => clip(r.form)),
    field: text((r) => clip(r.field)),
    label: text((r) => clip(r.label)),
    fill_ms: int((r) => r.fillMs === undefined ? null : Math.trunc(r.fillMs)),
    hesitations: int((r) => r.hesitations),
    corrections: int((r) => r.corrections),
    errors: int((r) => r.errors),
    submitted: int((r) => flag(r.submitted)),
    drop_off: int((r) => flag(r.dropOff)),
    left_at: int((r) => r.leftAt === undefined ? null : Math.trunc(r.leftAt)),
  },
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
});

export const clickPointsTable = defineTable<ClickRow>()({
  name: 'click_points',
  columns: {
    ...PAGE_COLUMNS,
    version: text((r) => clip(r.version)),
    selector: text((r) => clip(r.selector)),
    fx: real((r) => r.fx ?? null),
    fy: real((r) => r.fy ?? null),
    dead: int((r) => flag(r.dead)),
    rage: int((r) => flag(r.rage)),
  },
  key: ['page_id', 'at', 'selector'],
  update: ['host', 'url', 'version', 'fx', 'fy', 'dead', 'rage'],
  // Covering the map's aggregate (grouped by selector in index order, no table reads), and the latest view.
  indexes: [['host', 'url', 'version', 'selector', 'at', 'dead', 'rage', 'fx', 'fy'], ['host', 'url', 'version', 'at']],
});

export const scrollDepthsTable = defineTable<ScrollRow>()({
  name: 'scroll_depths',
  columns: {
    ...PAGE_COLUMNS,
    version: text((r) => clip(r.version)),
    max_pct: int((r) => Math.trunc(r.maxPct)),
  },
  key: ['page_id'],
  update: ['at', 'host', 'url', 'version', 'max_pct'],
  indexes: [['host', 'url', 'version', 'at', 'max_pct']],
});

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
