/**
 * One session's struggle detector, fed like search's extractor in change-feed order (events.appended → batch,
 * capture.stored → capture), then asked for its signals. `signals()` may be asked at any point (pages still open are
 * not judged for abandonment); `finish()` ends the session: later input is ignored and open pages count as left.
 * Signals come sorted by moment, then name, then page; at most MAX_SIGNALS, MAX_SIGNALS_PER_NAME per name.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import { cut, isObject, str } from '../../search/extract/rrweb-wire';
import { anyIn, errorClicks, rageAndDead, type PageClicks } from './click-rules';
import { MAX_CAPTURES, MAX_PAGES, MAX_SIGNALS, MAX_SIGNALS_PER_NAME } from './limits';
import { captureNote, networkSignals, type CaptureNote } from './network';
import { PageWatch } from './page-watch';
import type { DwellTime, Signal } from './signal';
import { loadThresholds, type Thresholds } from './thresholds';
import { quickBacks, visitsOf } from './visits';

export interface StruggleDetector {
  batch(batch: EventBatch): void;
  capture(capture: CapturedResource): void;
  /** Signals so far (pages not yet left are not judged for abandonment). */
  signals(): Signal[];
  /** Ends the session and returns its signals. */
  finish(): Signal[];
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

  const pageEnd = (p: PageWatch) => p.hiddenAt ?? p.lastAt ?? p.firstAt ?? 0;

  const evaluate = (final: boolean): Signal[] => {
    const watched = [...pages.values()].filter((p) => p.firstAt !== undefined);
    const requests = captures.map((c) => c.at).sort((a, b) => a - b);
    const pageStarts = watched.map((p) => p.firstAt!).sort((a, b) => a - b);
    let lastAt = -Infinity;
    for (const p of watched) lastAt = Math.max(lastAt, p.lastAt ?? -Infinity);
    for (const c of captures) lastAt = Math.max(lastAt, c.at + (c.totalMs ?? 0));
    const clicks: PageClicks[] = watched.map((p) => ({ pageId: p.pageId, clicks: p.clicks, answers: [...p.answers].sort((a, b) => a - b), errors: p.errors }));
    const out: Signal[] = [...immediate];
    for (const pc of clicks) out.push(...rageAndDead(pc, { requests, pageStarts, lastAt }, t));
    out.push(...errorClicks(clicks, captures, t));

    const writes = captures.filter((c) => c.write).map((c) => c.at).sort((a, b) => a - b);
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
    const byStart = [...watched].sort((a, b) => a.firstAt! - b.firstAt!);
    const siteUrl = byStart[0]?.urls[0]?.url;
    const siteHost = siteUrl ? new URL(siteUrl).host : undefined;
    const pageAt = (at: number) => {
      let id = byStart[0]?.pageId ?? '';
      for (const p of byStart) if (p.firstAt! <= at) id = p.pageId;
      return { pageId: id };
    };
    out.push(...networkSignals(captures, siteHost, pageAt));
    return capped(out);
  };

  const dwellOf = (watched: PageWatch[]) =>
    visitsOf(watched.map((p) => ({ pageId: p.pageId, urls: p.urls, end: pageEnd(p) })));

  let result: Signal[] | undefined;
  return {
    batch(batch) {
      if (finished || !isObject(batch) || !isObject(batch.page)) return;
      const pageId = cut(str(batch.page.id) ?? '', 200);
      if (!pageId) return;
      let page = pages.get(pageId);
      if (!page) {
        if (pages.size >= MAX_PAGES) return;
        page = new PageWatch(pageId, t, emit);
        pages.set(pageId, page);
      }
      page.read(batch);
    },
    capture(capture) {
      if (finished || captures.length >= MAX_CAPTURES) return;
      const note = captureNote(capture, t);
      if (note) captures.push(note);
    },
    signals() {
      return result ?? evaluate(false);
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
