/**
 * Field analytics and click-map rows of one session, read beside its struggle detector (fed the same records in the
 * same order): the detector's own page watches give the touched fields, the clicks and their resolved elements, and
 * its signals the judgements (hesitation, reentry, validation, abandon, rage, dead), so nothing here re-derives
 * them. A page view's rows are made once, when the page has ended (page-hidden) or at finish(): only then is
 * abandonment judged and every click's dead window closed. A session that stops without a page-hidden gives rows at
 * finish() only.
 */
import type { CapturedResource, EventBatch } from '../../../store/records';
import { str, isObject } from '../../../recorder/rrweb-wire';
import { SiteVersions } from '../site-version';
import type { PageWatch, Signal, StruggleDetector } from '../struggle/index';
import { urlPattern } from '../index/url-pattern';
import { LayoutNotes } from './layout-notes';
import type { ClickRow, FieldAnalyticsRows, FieldRow, ScrollRow } from './rows';

export interface FieldCollector {
  batch(batch: EventBatch): void;
  capture(capture: CapturedResource): void;
  /** Rows of the pages that ended since the last call. */
  take(): FieldAnalyticsRows;
  /** Rows of every page not taken yet: the session is over (this finishes the detector too). */
  finish(): FieldAnalyticsRows;
}

export function createFieldCollector(detector: StruggleDetector): FieldCollector {
  const notes = new LayoutNotes();
  const versions = new SiteVersions();
  const done = new Set<string>();
  let sessionId = '';

  const rowsOf = (ended: (p: PageWatch) => boolean, final = false): FieldAnalyticsRows => {
    const out: FieldAnalyticsRows = { fields: [], clicks: [], scrolls: [] };
    const pages = detector.pages().filter((p) => p.firstAt !== undefined && !done.has(p.pageId) && ended(p));
    if (!pages.length) return out;
    // finish() judges pages still open (abandonment); it ends the detector, as the session is over.
    const signals = final ? detector.finish() : detector.signals();
    for (const p of pages) {
      done.add(p.pageId);
      const own = signals.filter((s) => s.pageId === p.pageId);
      const firstUrl = p.urls[0]?.url;
      const version = firstUrl ? versions.versionOf(firstUrl, p.firstAt!) : '';
      out.fields.push(...fieldRows(sessionId, p, own));
      out.clicks.push(...clickRows(sessionId, p, own, version, notes));
      const depth = notes.scrollDepth(p.pageId);
      const place = firstUrl ? urlPattern(firstUrl) : undefined;
      if (depth !== undefined && place) out.scrolls.push({ sessionId, pageId: p.pageId, at: p.firstAt!, host: place.host, url: place.pattern, version, maxPct: depth } satisfies ScrollRow);
      notes.forget(p.pageId);
    }
    return out;
  };

  return {
    batch(batch) {
      if (!sessionId && isObject(batch)) sessionId = str(batch.sessionId) ?? '';
      notes.batch(batch);
    },
    capture: (c) => versions.capture(c),
    take: () => rowsOf((p) => p.hiddenAt !== undefined),
    finish: () => rowsOf(() => true, true),
  };
}

const bySelector = (signals: Signal[], name: Signal['name'], selector: string) =>
  signals.filter((s) => s.name === name && s.element?.selector === selector);

function fieldRows(sessionId: string, p: PageWatch, signals: Signal[]): FieldRow[] {
  const touched = p.forms.touched();
  const abandons = signals.filter((s) => s.name === 'abandon');
  const out: FieldRow[] = [];
  for (const f of touched) {
    const place = urlPattern(p.urlAt(f.firstAt) ?? '');
    if (!place) continue;
    const formFields = touched.filter((g) => g.ref.formId === f.ref.formId);
    const abandon = abandons.find((s) => formFields.some((g) => g.ref.selector === s.element?.selector));
    const anyFilled = formFields.some((g) => g.filled);
    const submitted = anyFilled ? !abandon : p.forms.pressedAt(f.ref.formId) !== undefined;
    const dropOff = abandon?.element?.selector === f.ref.selector;
    out.push({
      sessionId, pageId: p.pageId, at: f.firstAt, host: place.host, url: place.pattern, form: f.ref.form, field: f.ref.selector, label: f.ref.label,
      ...(f.lastInput !== undefined ? { fillMs: Math.max(0, f.lastInput - f.firstAt) } : {}),
      hesitations: bySelector(signals, 'hesitation', f.ref.selector).length,
      corrections: bySelector(signals, 'reentry', f.ref.selector).length,
      errors: bySelector(signals, 'validation', f.ref.selector).length,
      submitted, dropOff, ...(dropOff ? { leftAt: abandon!.at } : {}),
    });
  }
  return out;
}

function clickRows(sessionId: string, p: PageWatch, signals: Signal[], version: string, notes: LayoutNotes): ClickRow[] {
  const gestures = p.clicks.filter((c) => !c.second && c.ref);
  const rage = new Set<number>();
  const dead = new Set<number>();
  for (const s of signals) {
    if (s.name !== 'rage' && s.name !== 'dead') continue;
    const selector = s.element?.selector;
    let left = s.name === 'dead' ? Number(s.detail?.clicks ?? 1) : Number(s.detail?.clicks ?? 0);
    for (let i = 0; i < gestures.length && left > 0; i++) {
      const g = gestures[i]!;
      if (g.at < s.at || g.ref!.selector !== selector) continue;
      (s.name === 'rage' ? rage : dead).add(i);
      left--;
    }
  }
  const out: ClickRow[] = [];
  gestures.forEach((g, i) => {
    const place = urlPattern(p.urlAt(g.at) ?? '');
    if (!place) return;
    const pos = notes.position(p.pageId, g.at, g.x, g.y, g.ref!.id);
    out.push({ sessionId, pageId: p.pageId, at: g.at, host: place.host, url: place.pattern, version, selector: g.ref!.selector, ...(pos ?? {}), dead: dead.has(i), rage: rage.has(i) });
  });
  return out;
}
