/**
 * page_views and interactions (issue #14 items 5 and 6: funnels and the journey map), collected from search's hits:
 * - page_views: one row per URL a page (tab document) showed, navigations and single-page-app route changes alike
 *   (search's `url` hits), with the page's title and how long it was shown (to the page's next URL, else its last
 *   recorded moment so far: re-written as batches arrive).
 * - interactions: clicks by stable selector (search's `clicked` hits) and submits: a click followed within
 *   SUBMIT_WINDOW_MS by a write request (POST, PUT, PATCH, DELETE) the proxy captured, i.e. the click sent something.
 *   Captures and events reach the feed in either order, so each side waits for the other a while.
 * Only patterns (url-pattern.ts), hosts, selectors and titles are kept: never a typed value, a query or an id.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import type { Hit } from '../../search/types';
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow } from './analytics-table';
import { defineTable, int, text } from './define-table';
import { pathPattern } from './url-pattern';

export const SUBMIT_WINDOW_MS = 2_000;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Pending clicks and writes remembered for submit matching; views per session. */
const MAX_PENDING = 50;
const MAX_VIEWS = 5_000;
const MAX_TITLE = 200;
const MAX_SELECTOR = 300;

export interface PageView { pageId: string; at: number; host: string; url: string; title: string | null; dwellMs: number }
export interface Interaction { pageId: string; at: number; kind: 'click' | 'submit'; selector: string; url: string | null }

export const pageViewsTable = defineTable<PageView>()({
  name: 'page_views',
  columns: {
    page_id: text((r) => r.pageId),
    at: int((r) => Math.trunc(r.at)),
    host: text((r) => r.host),
    url: text((r) => r.url),
    title: text((r) => r.title),
    dwell_ms: int((r) => Math.max(0, Math.trunc(r.dwellMs))),
  },
  key: ['page_id', 'at'],
  update: ['host', 'url', 'title', 'dwell_ms'],
  // Step 1 of a funnel by what it matches, in session order (covering, grouped without a sort); later steps per
  // session (funnel-sql.ts).
  indexes: [['url', 'sid', 'at'], ['sid', 'url', 'at']],
});

export const interactionsTable = defineTable<Interaction>()({
  name: 'interactions',
  columns: {
    page_id: text((r) => r.pageId),
    at: int((r) => Math.trunc(r.at)),
    kind: text((r) => r.kind),
    selector: text((r) => r.selector),
    url: text((r) => r.url),
  },
  key: ['page_id', 'at', 'kind', 'selector'],
  update: ['url'],
  indexes: [['selector', 'kind', 'sid', 'at'], ['sid', 'selector', 'kind', 'at']],
});

interface OpenView { view: PageView; written: number }

export function createPageViewCollector(): AnalyticsCollector {
  const open = new Map<string, OpenView>();
  const clicks: Interaction[] = [];
  const writes: number[] = [];
  const submitted = new Set<Interaction>();
  let views = 0;
  let out: AnalyticsRow[] = [];

  const emitView = (o: OpenView) => {
    o.written = o.view.dwellMs;
    out.push({ table: pageViewsTable.name, row: { ...o.view } });
  };
  const submit = (c: Interaction) => {
    if (submitted.has(c)) return;
    submitted.add(c);
    out.push({ table: interactionsTable.name, row: { ...c, kind: 'submit' } });
  };
  const remember = <T>(list: T[], x: T) => {
    list.push(x);
    if (list.length > MAX_PENDING) {
      const gone = list.shift();
      submitted.delete(gone as Interaction);
    }
  };
  const onHits = (hits: readonly Hit[]) => {
    for (const h of hits) {
      if (h.kind === 'url' && h.pageId && h.host && h.path !== undefined) {
        const prev = open.get(h.pageId);
        if (prev) {
          prev.view.dwellMs = Math.max(0, h.at - prev.view.at);
          emitView(prev);
        }
        if (views++ >= MAX_VIEWS) continue;
        const o = { view: { pageId: h.pageId, at: h.at, host: h.host, url: pathPattern(h.path), title: null, dwellMs: 0 }, written: -1 };
        open.set(h.pageId, o);
        emitView(o);
      } else if (h.kind === 'title' && h.pageId) {
        const o = open.get(h.pageId);
        if (o && o.view.title === null) {
          o.view.title = h.text.slice(0, MAX_TITLE);
          emitView(o);
        }
      } else if (h.kind === 'clicked' && h.field) {
        const c: Interaction = { pageId: h.pageId ?? '', at: h.at, kind: 'click', selector: h.field.slice(0, MAX_SELECTOR), url: (h.pageId && open.get(h.pageId)?.view.url) || null };
        out.push({ table: interactionsTable.name, row: c });
        remember(clicks, c);
        if (writes.some((w) => w >= c.at && w - c.at <= SUBMIT_WINDOW_MS)) submit(c);
      } else if (h.kind === 'request' && h.method && WRITE_METHODS.has(h.method.toUpperCase())) {
        remember(writes, h.at);
        // The latest click before the write sent it.
        const c = clicks.filter((x) => x.at <= h.at && h.at - x.at <= SUBMIT_WINDOW_MS).at(-1);
        if (c) submit(c);
      }
    }
  };

  return {
    batch(batch: EventBatch, hits) {
      onHits(hits);
      const pageId = typeof batch?.page?.id === 'string' ? batch.page.id : undefined;
      const o = pageId ? open.get(pageId) : undefined;
      if (!o || !Array.isArray(batch.events)) return;
      let last = -Infinity;
      for (const e of batch.events as { timestamp?: unknown }[]) if (typeof e?.timestamp === 'number' && e.timestamp > last) last = e.timestamp;
      const dwell = Math.max(0, last - o.view.at);
      if (Number.isFinite(dwell) && dwell > o.view.dwellMs) {
        o.view.dwellMs = dwell;
        if (o.written !== dwell) emitView(o);
      }
    },
    capture(_capture: CapturedResource, hits) {
      onHits(hits);
    },
    drain() {
      const rows = out;
      out = [];
      return rows;
    },
  };
}

export const pageViewsModule: AnalyticsModule = { tables: [pageViewsTable, interactionsTable], collector: createPageViewCollector };
