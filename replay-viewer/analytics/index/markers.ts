/**
 * markers (issue #14 item 5, funnel steps by custom markers): one row per marker the recorder took from the site's
 * own analytics (performance.mark, dataLayer events; search/extract/marker-events.ts reads them), with its page and
 * moment. Names were masked by the recorder and again by the proxy before they were stored.
 * A mark made before the recorder ran keeps its own moment but never one before its page's first recorded event: a
 * funnel step "marker after page" must see the page first (steps are strictly later than the one before).
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import { batchMarkers } from '../../search/extract/index';
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow } from './analytics-table';
import { defineTable, int, text } from './define-table';

/** Per session: the recorder's rate limit allows a few hundred per page; a forged stream stops here. */
const MAX_MARKERS = 5_000;
const MAX_PAGES = 1_000;

export interface MarkerRow { pageId: string; at: number; name: string; source: string }

export const markersTable = defineTable<MarkerRow>()({
  name: 'markers',
  columns: {
    page_id: text((r) => r.pageId),
    at: int((r) => Math.trunc(r.at)),
    name: text((r) => r.name),
    source: text((r) => r.source),
  },
  // A batch re-read after a restart updates rather than doubles.
  key: ['page_id', 'at', 'name'],
  update: ['source'],
  // Step 1 of a funnel by name, in session order; later steps per session (funnel-sql.ts), as page_views.
  indexes: [['name', 'sid', 'at'], ['sid', 'name', 'at']],
});

export function createMarkerCollector(): AnalyticsCollector {
  /** Each page's first recorded moment (its Meta event). */
  const pageStart = new Map<string, number>();
  let count = 0;
  let out: AnalyticsRow[] = [];
  return {
    batch(batch: EventBatch) {
      const b = batchMarkers(batch);
      if (!b) return;
      const start = pageStart.get(b.pageId);
      if (b.first !== undefined && (start === undefined || b.first < start)) {
        if (start === undefined && pageStart.size >= MAX_PAGES) pageStart.delete(pageStart.keys().next().value!);
        pageStart.set(b.pageId, b.first);
      }
      const first = pageStart.get(b.pageId) ?? -Infinity;
      for (const m of b.markers) {
        if (count++ >= MAX_MARKERS) break;
        const at = m.at > first ? m.at : Math.min(m.recordedAt, first + 1);
        out.push({ table: markersTable.name, row: { pageId: b.pageId, at, name: m.name, source: m.source } satisfies MarkerRow });
      }
    },
    capture(_capture: CapturedResource) {},
    drain() {
      const rows = out;
      out = [];
      return rows;
    },
  };
}

export const markersModule: AnalyticsModule = { tables: [markersTable], collector: createMarkerCollector };
