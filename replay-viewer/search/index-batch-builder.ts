/**
 * Gathers what one page of the change feed does to the index, then reads each touched session's facts once, so the
 * whole page lands in one transaction (SearchIndex.apply) with the feed cursor after it.
 */
import type { Session } from '../../store/records';
import type { ExtractedFacts } from './extractor-port';
import { countryOf } from './geo-country';
import type { ReadSession } from './read-page';
import type { IndexBatch, SessionFacts } from './search-index';
import type { AnalyticsRow } from '../analytics/index/analytics-table';
import type { Hit, HitKind } from './types';

export class IndexBatchBuilder {
  private readonly touched = new Set<string>();
  private readonly hits = new Map<string, Hit[]>();
  private readonly replace = new Map<string, Set<HitKind>>();
  private readonly analytics = new Map<string, AnalyticsRow[]>();
  private readonly linked = new Set<string>();
  private readonly erased = new Set<string>();
  /** Hits gathered so far. */
  hitCount = 0;

  touch(sessionId: string): void {
    this.touched.add(sessionId);
  }

  addHits(sessionId: string, hits: readonly Hit[]): void {
    this.touch(sessionId);
    if (!hits.length) return;
    const list = this.hits.get(sessionId) ?? [];
    list.push(...hits);
    this.hitCount += hits.length;
    this.hits.set(sessionId, list);
  }

  addAnalytics(sessionId: string, rows: readonly AnalyticsRow[] | undefined): void {
    if (!rows?.length) return;
    this.touch(sessionId);
    const list = this.analytics.get(sessionId) ?? [];
    list.push(...rows);
    this.analytics.set(sessionId, list);
  }

  /** The session's hits of this kind are re-read whole: earlier ones (stored or in this batch) go. */
  replaceKind(sessionId: string, kind: HitKind): void {
    this.touch(sessionId);
    const set = this.replace.get(sessionId) ?? new Set<HitKind>();
    set.add(kind);
    this.replace.set(sessionId, set);
    this.hits.set(sessionId, (this.hits.get(sessionId) ?? []).filter((h) => h.kind !== kind));
  }

  link(sessionId: string): void {
    this.touch(sessionId);
    this.linked.add(sessionId);
  }

  erase(sessionId: string): void {
    this.touched.delete(sessionId);
    this.hits.delete(sessionId);
    this.analytics.delete(sessionId);
    this.replace.delete(sessionId);
    this.linked.delete(sessionId);
    this.erased.add(sessionId);
  }

  get size(): number {
    return this.touched.size + this.erased.size;
  }

  /**
   * The batch, with the facts of every touched session as the follower read them after the page's changes. A session
   * the store no longer has (erased later in the feed) is left out: its `session.erased` change follows.
   */
  build(cursor: number, read: Readonly<Record<string, ReadSession | null>>, extracted: (session: Session) => ExtractedFacts): IndexBatch {
    const sessions: SessionFacts[] = [];
    for (const id of this.touched) {
      const r = read[id];
      if (!r) continue;
      const s = r.session;
      sessions.push({
        id: s.id, channel: s.channel, terminal: s.terminalId, browser: s.browser, os: s.os, device: s.deviceType,
        // Looked up here, not in extract/ (which does no I/O): offline data, about 1.3 µs once loaded.
        country: countryOf(s.clientIp),
        startedAt: s.startedAt, endedAt: s.endedAt, pageCount: s.pages.length, durationMs: Math.max(0, s.endedAt - s.startedAt),
        activeMs: 0, entryUrl: s.pages[0]?.url,
        customerLinked: this.linked.has(id) || r.customerLinked,
        ...definedOnly(pick(extracted(s))),
      });
    }
    const present = new Set(sessions.map((s) => s.id));
    return {
      cursor,
      sessions,
      hits: [...this.hits].filter(([id]) => present.has(id)).map(([sessionId, hits]) => ({ sessionId, hits })),
      analytics: [...this.analytics].filter(([id]) => present.has(id)).map(([sessionId, rows]) => ({ sessionId, rows })),
      replaceKinds: [...this.replace].filter(([id]) => present.has(id)).map(([sessionId, kinds]) => ({ sessionId, kinds: [...kinds] })),
      customerLinked: [...this.linked].filter((id) => present.has(id)),
      erased: [...this.erased],
    };
  }
}

/** Only the facts the index keeps (the extractor's may carry more, e.g. viewport, exit URL). */
function pick(f: ExtractedFacts): ExtractedFacts {
  return {
    channel: f.channel, terminal: f.terminal, browser: f.browser, os: f.os, device: f.device, country: f.country,
    startedAt: f.startedAt, endedAt: f.endedAt, pageCount: f.pageCount, durationMs: f.durationMs, activeMs: f.activeMs,
    struggleScore: f.struggleScore,
    entryUrl: f.entryUrl,
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
