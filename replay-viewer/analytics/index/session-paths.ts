/**
 * session_paths (issue #14 item 6, the journey map): one row per session with its path through the site, as URL
 * patterns (url-pattern.ts) in time order across its tabs, repeats in a row collapsed, the first PATH_DEPTH kept;
 * its entry and exit pages and how many steps it had. Kept at ingest so a journey map over 100,000 sessions is one
 * GROUP BY over short rows rather than a walk over every page view.
 */
import type { Hit } from '../../search/types';
import type { AnalyticsCollector, AnalyticsModule, AnalyticsRow } from './analytics-table';
import { defineTable, int, text } from './define-table';
import { pathPattern } from './url-pattern';

/** Steps of a path kept (the journey map draws this many columns at most). */
export const PATH_DEPTH = 6;
/** Separates a path's steps: never in a pattern (pathPattern replaces control characters). */
export const PATH_SEPARATOR = '\n';
const MAX_VIEWS = 500;

export interface SessionPath { path: string; entry: string; exit: string; steps: number; firstAt: number }

export const sessionPathsTable = defineTable<SessionPath>()({
  name: 'session_paths',
  columns: {
    path: text((r) => r.path),
    entry: text((r) => r.entry),
    exit: text((r) => r.exit),
    steps: int((r) => r.steps),
    first_at: int((r) => Math.trunc(r.firstAt)),
  },
  key: [],
  update: ['path', 'entry', 'exit', 'steps', 'first_at'],
  indexes: [['first_at'], ['path']],
});

/** Steps in time order, repeats in a row collapsed. */
export function pathSteps(views: readonly { at: number; url: string }[]): string[] {
  const out: string[] = [];
  for (const v of [...views].sort((a, b) => a.at - b.at)) if (out[out.length - 1] !== v.url) out.push(v.url);
  return out;
}

export function createSessionPathCollector(): AnalyticsCollector {
  const views: { at: number; url: string }[] = [];
  let last = '';
  let out: AnalyticsRow[] = [];
  const onHits = (hits: readonly Hit[]) => {
    let changed = false;
    for (const h of hits) {
      if (h.kind !== 'url' || h.path === undefined || views.length >= MAX_VIEWS) continue;
      views.push({ at: h.at, url: pathPattern(h.path) });
      changed = true;
    }
    if (!changed) return;
    const steps = pathSteps(views);
    const row: SessionPath = {
      path: steps.slice(0, PATH_DEPTH).join(PATH_SEPARATOR), entry: steps[0]!, exit: steps[steps.length - 1]!, steps: steps.length,
      firstAt: Math.min(...views.map((v) => v.at)),
    };
    const key = JSON.stringify(row);
    if (key === last) return;
    last = key;
    out.push({ table: sessionPathsTable.name, row });
  };
  return {
    batch: (_batch, hits) => onHits(hits),
    capture: () => undefined,
    drain() {
      const rows = out;
      out = [];
      return rows;
    },
  };
}

export const sessionPathsModule: AnalyticsModule = { tables: [sessionPathsTable], collector: createSessionPathCollector };
