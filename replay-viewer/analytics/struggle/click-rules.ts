/**
 * rage, dead and error clicks, judged once the moments after each click are known (a page's later batches, the
 * session's captures, other tabs opening). The rules (docs/STRUGGLE.md):
 * - A gesture is a click, except the second click of a double-click (the browser reported dblclick).
 * - rage: rageMinClicks clicks on the same element within rageWindowMs, each within rageRadiusPx of the first;
 *   not on text fields, selects and steppers; not when the page answered every click before the next one (a
 *   counter's "+", a list that loads more, a toggle double-clicked out of habit). On plain content a double-click
 *   counts as one (a double or triple click selects a word or a paragraph); on a control it counts as two, since a
 *   real browser reports dblclick inside every fast burst: 3 impatient clicks on a dead button are a double-click
 *   and a click, which counted as gestures was never rage (the struggle corpus found it).
 * - dead: a gesture on an interactive-looking element (button, link, choice, interactive role) not answered within
 *   deadWindowMs by a DOM change, scroll, input, navigation, new tab or request, nor before the next gesture on
 *   another element if that comes first. Consecutive dead gestures on the same element make one signal. Not judged when the recording stops before the window ends.
 * - error: an uncaught error on the page, or a failed request started, within errorWindowMs after a gesture: the
 *   latest gesture before it takes the blame (one signal per gesture).
 */
import type { ElementRef } from './elements';
import type { CaptureNote } from './network';
import type { ClickNote } from './page-watch';
import type { Signal } from './signal';
import type { Thresholds } from './thresholds';

export interface PageClicks {
  pageId: string;
  clicks: readonly ClickNote[];
  /** Sorted moments the page changed after a click. */
  answers: readonly number[];
  errors: readonly number[];
}

/** Sorted moments that answer any click of the session: requests started, pages (tabs, navigations) opened. */
export interface SessionAnswers {
  requests: readonly number[];
  pageStarts: readonly number[];
  /** The last moment anything was recorded: a window that ends after it cannot be judged. */
  lastAt: number;
}

const NOT_RAGE: ReadonlySet<ElementRef['kind']> = new Set(['text-field', 'select', 'stepper']);
const DEAD_KINDS: ReadonlySet<ElementRef['kind']> = new Set(['button', 'link', 'choice', 'other-interactive']);

/** True when `sorted` holds a value in [from, to). */
export function anyIn(sorted: readonly number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]! < to;
}

/** The index of the first value > `value` in `sorted`. */
export function upperBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts into a sorted list: at the end in one step when values come in order, as moments mostly do. */
export function insertSorted(sorted: number[], value: number): void {
  if (!sorted.length || sorted[sorted.length - 1]! <= value) sorted.push(value);
  else sorted.splice(upperBound(sorted, value), 0, value);
}

const gesturesOf = (clicks: readonly ClickNote[]) => clicks.filter((c) => !c.second && c.ref);

function element(ref: ElementRef): Signal['element'] {
  return { selector: ref.selector, label: ref.label };
}

export function rageAndDead(page: PageClicks, session: SessionAnswers, t: Thresholds): Signal[] {
  const out: Signal[] = [];
  const gestures = gesturesOf(page.clicks);
  const rageClicks = page.clicks.filter((c) => c.ref && !(c.second && c.ref.kind === 'content'));
  const answered = (from: number, to: number) =>
    anyIn(page.answers, from, to) || anyIn(session.requests, from, to) || anyIn(session.pageStarts, from + 1, to);

  for (let i = 0; i < rageClicks.length;) {
    const first = rageClicks[i]!;
    let j = i + 1;
    while (j < rageClicks.length) {
      const g = rageClicks[j]!;
      const near = first.x === undefined || g.x === undefined || Math.hypot(g.x - first.x, (g.y ?? 0) - (first.y ?? 0)) <= t.rageRadiusPx;
      if (g.at - first.at > t.rageWindowMs || g.ref!.id !== first.ref!.id || !near) break;
      j++;
    }
    const burst = rageClicks.slice(i, j);
    const everyAnswered = burst.every((g, k) => answered(g.at, burst[k + 1]?.at ?? g.at + t.deadWindowMs));
    if (burst.length >= t.rageMinClicks && !NOT_RAGE.has(first.ref!.kind) && !everyAnswered) {
      out.push({ name: 'rage', at: first.at, pageId: page.pageId, ...(first.url ? { url: first.url } : {}), element: element(first.ref!), detail: { clicks: burst.length, spanMs: burst[burst.length - 1]!.at - first.at } });
      i = j;
    } else {
      i++;
    }
  }

  let run: { first: ClickNote; last: ClickNote; n: number } | undefined;
  const flush = () => {
    if (!run) return;
    const { first, n } = run;
    out.push({ name: 'dead', at: first.at, pageId: page.pageId, ...(first.url ? { url: first.url } : {}), element: element(first.ref!), detail: { clicks: n } });
    run = undefined;
  };
  // The next gesture on another element, for each gesture (filled from the end: linear on hostile floods).
  const nextOther: (ClickNote | undefined)[] = new Array(gestures.length);
  for (let k = gestures.length - 2; k >= 0; k--) {
    const n = gestures[k + 1]!;
    nextOther[k] = n.ref!.id !== gestures[k]!.ref!.id ? n : nextOther[k + 1];
  }
  gestures.forEach((g, k) => {
    const end = g.at + t.deadWindowMs;
    // A gesture on another element before the window closes takes over what the page does next: the customer
    // moved on without an answer (else the later button's answer made the first look alive).
    const next = nextOther[k];
    const until = next && next.at < end ? next.at : end;
    const dead = DEAD_KINDS.has(g.ref!.kind) && end <= session.lastAt && !answered(g.at, until);
    if (!dead) return;
    if (run && run.last.ref!.id === g.ref!.id && g.at - run.last.at <= t.deadWindowMs) {
      run.last = g;
      run.n++;
    } else {
      flush();
      run = { first: g, last: g, n: 1 };
    }
  });
  flush();
  return out;
}

/** Error clicks across the session's pages: page errors blame that page's clicks, failed requests any page's. */
export function errorClicks(pages: readonly PageClicks[], failures: readonly CaptureNote[], t: Thresholds): Signal[] {
  const events: { at: number; cause: string; pageId?: string }[] = [];
  for (const p of pages) for (const e of p.errors) events.push({ at: e, cause: 'uncaught error', pageId: p.pageId });
  for (const f of failures) if (f.failure) events.push({ at: f.at, cause: `${f.failure} ${f.method} ${f.host}` });
  // Most sessions have no error and no failed request: nothing to blame, so no list of every gesture to build and
  // sort (the index re-judges after every record; this was a tenth of the detector's time).
  if (!events.length) return [];
  const all = pages.flatMap((p) => gesturesOf(p.clicks).map((g) => ({ g, pageId: p.pageId }))).sort((a, b) => a.g.at - b.g.at);
  const blamed = new Map<ClickNote, { pageId: string; cause: string; afterMs: number }>();
  const times = all.map((c) => c.g.at);
  const blame = (at: number, cause: string, pageId?: string) => {
    // The latest gesture at or before `at` (of that page, for a page error), looking back at most 50 gestures.
    let k = upperBound(times, at) - 1;
    for (let steps = 0; k >= 0 && steps < 50 && at - all[k]!.g.at <= t.errorWindowMs; k--, steps++) {
      const c = all[k]!;
      if (pageId !== undefined && c.pageId !== pageId) continue;
      if (!blamed.has(c.g)) blamed.set(c.g, { pageId: c.pageId, cause, afterMs: at - c.g.at });
      return;
    }
  };
  events.sort((a, b) => a.at - b.at);
  for (const e of events) blame(e.at, e.cause, e.pageId);
  const out: Signal[] = [];
  for (const [g, b] of blamed) {
    out.push({ name: 'error', at: g.at, pageId: b.pageId, ...(g.url ? { url: g.url } : {}), element: element(g.ref!), detail: { cause: b.cause, afterMs: b.afterMs } });
  }
  return out;
}
