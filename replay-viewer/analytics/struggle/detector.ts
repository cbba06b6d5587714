/**
 * One session's struggle detector, fed like search's extractor in change-feed order (events.appended → batch,
 * capture.stored → capture), then asked for its signals. `signals()` may be asked at any point (pages still open are
 * not judged for abandonment); `finish()` ends the session: later input is ignored and open pages count as left.
 * Signals come sorted by moment, then name, then page; at most MAX_SIGNALS, MAX_SIGNALS_PER_NAME per name.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import type { PageObserver } from '../../search/extract/index';
import { cut, isObject, str } from '../../../recorder/rrweb-wire';
import { anyIn, errorClicks, insertSorted, rageAndDead, upperBound, type PageClicks, type SessionAnswers } from './click-rules';
import { MAX_CAPTURES, MAX_PAGES, MAX_SIGNALS, MAX_SIGNALS_PER_NAME } from './limits';
import { captureNote, networkSignals, type CaptureNote } from './network';
import { PageWatch, type ClickNote } from './page-watch';
import type { DwellTime, Signal } from './signal';
import { loadThresholds, type Thresholds } from './thresholds';
import { quickBacks, visitsOf } from './visits';

export interface StruggleDetector {
  batch(batch: EventBatch): void;
  capture(capture: CapturedResource): void;
  /** Signals so far (pages not yet left are not judged for abandonment); the same array until a record changes them. */
  signals(): Signal[];
  /** Ends the session and returns its signals. */
  finish(): Signal[];
  /**
   * A page read on search's extractor's walk instead of batch(): its events come with the extractor's node map
   * (search/extract/page-observer.ts), so the page is walked once. Undefined past MAX_PAGES.
   */
  observe(pageId: string): PageObserver | undefined;
  /** The session's URL visits and their lengths, for dwell-long/dwell-short across sessions (dwell.ts). */
  dwell(): DwellTime[];
  /** The pages read so far, as the rules see them (field analytics and click maps read their forms and clicks). */
  pages(): readonly PageWatch[];
}

/** A write request this long after the page's end still sent its form (the request of a submit that navigated). */
const SENT_GRACE_MS = 2_000;

export function createStruggleDetector(thresholds: Thresholds = loadThresholds()): StruggleDetector {
  const t = thresholds;
  const pages = new Map<string, PageWatch>();
  const captures: CaptureNote[] = [];
  const immediate: Signal[] = [];
  let finished = false;

  const emit = (s: Signal) => {
    if (immediate.length < MAX_SIGNALS) immediate.push(s);
  };

  const pageOf = (pageId: string): PageWatch | undefined => {
    let page = pages.get(pageId);
    if (!page) {
      if (pages.size >= MAX_PAGES) return undefined;
      page = new PageWatch(pageId, t, emit);
      pages.set(pageId, page);
    }
    return page;
  };

  const pageEnd = (p: PageWatch) => p.hiddenAt ?? p.lastAt ?? p.firstAt ?? 0;

  // Kept sorted as captures arrive (they come nearly in order), so a judgement does not sort them again.
  const requests: number[] = [];
  const writes: number[] = [];
  let capturesEnd = -Infinity;
  let site: { url: string; host: string } | undefined;

  const evaluate = (final: boolean): Signal[] => {
    const watched: PageWatch[] = [];
    for (const p of pages.values()) if (p.firstAt !== undefined) watched.push(p);
    const byStart = watched.length > 1 ? [...watched].sort((a, b) => a.firstAt! - b.firstAt!) : watched;
    const pageStarts = byStart.map((p) => p.firstAt!);
    let lastAt = capturesEnd;
    for (const p of watched) lastAt = Math.max(lastAt, p.lastAt ?? -Infinity);
    const clicks: PageClicks[] = watched.map((p) => ({ pageId: p.pageId, clicks: p.clicks, answers: p.sortedAnswers(), errors: p.errors }));
    const out: Signal[] = [...immediate];
    if (!sameList(pageStarts, judgedStarts)) {
      judgedStarts = pageStarts;
      startsVersion++;
    }
    watched.forEach((p, i) => {
      const pc = clicks[i]!;
      if (pc.clicks.length) out.push(...rageAndDeadOf(p, pc, { requests, pageStarts, lastAt }));
    });
    out.push(...errorClicks(clicks, captures, t));

    for (const p of watched) {
      if (!final && p.hiddenAt === undefined) continue;
      const end = pageEnd(p);
      for (const g of p.forms.unsent()) {
        if (anyIn(writes, g.lastFillAt, end + SENT_GRACE_MS)) continue;
        const url = p.urlAt(end);
        out.push({ name: 'abandon', at: end, pageId: p.pageId, ...(url ? { url } : {}), element: { selector: g.last.selector, label: g.last.label }, detail: { fields: g.fields } });
      }
    }

    const visits = dwellOf(watched);
    out.push(...quickBacks(visits, t));
    const siteUrl = byStart[0]?.urls[0]?.url;
    if (siteUrl && site?.url !== siteUrl) site = { url: siteUrl, host: new URL(siteUrl).host };
    const siteHost = siteUrl ? site!.host : undefined;
    const pageAt = (at: number) => {
      // The last page started at or before `at` (the first page for moments before any).
      const k = upperBound(pageStarts, at) - 1;
      return { pageId: byStart[Math.max(k, 0)]?.pageId ?? '' };
    };
    out.push(...networkSignals(captures, siteHost, pageAt));
    return capped(out);
  };

  // rage and dead clicks per page, kept until what they depend on changes: the page's clicks (noted or marked) and
  // answers, the session's requests and page starts, and the last moment recorded where a click's window ends
  // between the old and the new one (a window still open is not judged). The index re-judges after every record,
  // mostly of one page: the other pages' clicks were re-judged for nothing (the detector's largest cost).
  let startsVersion = 0;
  let judgedStarts: readonly number[] = [];
  const clickJudgements = new WeakMap<PageWatch, { key: string; lastAt: number; signals: Signal[] }>();
  const rageAndDeadOf = (p: PageWatch, pc: PageClicks, session: SessionAnswers): Signal[] => {
    const key = `${p.clicks.length}/${p.clickMarks}/${pc.answers.length}/${requests.length}/${startsVersion}`;
    const kept = clickJudgements.get(p);
    if (kept && kept.key === key && !windowEndsIn(p.clicks, kept.lastAt, session.lastAt)) return kept.signals;
    const signals = rageAndDead(pc, session, t);
    clickJudgements.set(p, { key, lastAt: session.lastAt, signals });
    return signals;
  };
  /** Whether a click's dead window ends between two last moments: its judgement may differ between them. */
  const windowEndsIn = (clicks: readonly ClickNote[], a: number, b: number): boolean => {
    if (a === b) return false;
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (const c of clicks) {
      const end = c.at + t.deadWindowMs;
      if (end > lo && end <= hi) return true;
    }
    return false;
  };

  const dwellOf = (watched: PageWatch[]) =>
    visitsOf(watched.map((p) => ({ pageId: p.pageId, urls: p.urls, end: pageEnd(p) })));

  let result: Signal[] | undefined;
  // The last judgement, kept until a record arrives: the index asks after every record and again for facts, and
  // re-judging an unchanged session gave the same list at the cost of every rule.
  let judged: Signal[] | undefined;
  return {
    batch(batch) {
      if (finished || !isObject(batch) || !isObject(batch.page)) return;
      const pageId = cut(str(batch.page.id) ?? '', 200);
      const page = pageId ? pageOf(pageId) : undefined;
      if (!page) return;
      judged = undefined;
      page.read(batch);
    },
    observe(pageId) {
      const page = pageOf(pageId);
      if (!page) return undefined;
      return {
        begin(batch) {
          if (finished) return false;
          judged = undefined;
          return page.begin(batch);
        },
        event: (event, at, map, added) => page.event(event, at, map, added),
        end: () => page.end(),
      };
    },
    capture(capture) {
      if (finished || captures.length >= MAX_CAPTURES) return;
      const note = captureNote(capture, t);
      if (!note) return;
      judged = undefined;
      captures.push(note);
      insertSorted(requests, note.at);
      if (note.write) insertSorted(writes, note.at);
      capturesEnd = Math.max(capturesEnd, note.at + (note.totalMs ?? 0));
    },
    signals() {
      return result ?? (judged ??= evaluate(false));
    },
    finish() {
      finished = true;
      result ??= evaluate(true);
      return result;
    },
    pages() {
      return [...pages.values()];
    },
    dwell() {
      return dwellOf([...pages.values()].filter((p) => p.firstAt !== undefined));
    },
  };
}

const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const ORDER = (a: Signal, b: Signal) => a.at - b.at || a.name.localeCompare(b.name) || a.pageId.localeCompare(b.pageId);

function capped(signals: Signal[]): Signal[] {
  signals.sort(ORDER);
  const perName = new Map<string, number>();
  const out: Signal[] = [];
  for (const s of signals) {
    const n = perName.get(s.name) ?? 0;
    if (n >= MAX_SIGNALS_PER_NAME || out.length >= MAX_SIGNALS) continue;
    perName.set(s.name, n + 1);
    out.push(s);
  }
  return out;
}
