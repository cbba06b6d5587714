/**
 * One recorded page (tab document) read event by event for the struggle rules: search's node map (so clicks and
 * inputs resolve to elements exactly as search names them), the page's URLs over time, its clicks and the moments
 * the page answered them, its uncaught errors, and the pointer, scroll and form watchers. Signals that need no
 * later data (thrash, scroll, reentry, hesitation, validation) are emitted as they happen; clicks and abandonment
 * are judged by the detector, which also holds the captures.
 */
import type { EventBatch } from '../../../store/records';
import { applyMutation, limits, NodeMap, shadowHostOf, urlParts, type PageObserver } from '../../search/extract/index';
import { EventType, isObject, list, nodeId, num, Source, str, type Json } from '../../../recorder/rrweb-wire';
import type { CUSTOM_TAGS } from '../../../recorder/protocol';
import { clickedElement, fieldElement, STRUGGLE_ATTRIBUTES, type ElementRef } from './elements';
import { FormWatch } from './forms';
import { MAX_ANSWERS_PER_PAGE, MAX_CLICKS_PER_PAGE, MAX_ERRORS_PER_PAGE, MAX_POSITIONS_PER_EVENT, MAX_VISITS } from './limits';
import { ScrollWatch } from './scrolling';
import type { Signal } from './signal';
import { ThrashWatch } from './thrash';
import type { Thresholds } from './thresholds';
import { validationMarker } from './validation';

const UNCAUGHT_ERROR_TAG: typeof CUSTOM_TAGS.uncaughtError = 'verbatim:uncaught-error';
const PAGE_HIDDEN_TAG: typeof CUSTOM_TAGS.pageHidden = 'verbatim:page-hidden';
const ROUTE_TAG: typeof CUSTOM_TAGS.route = 'verbatim:route';
/** rrweb's MouseInteractions. */
const Mouse = { Click: 2, DblClick: 4, Focus: 5, Blur: 6 } as const;
/** Sequence numbers remembered per page so a batch delivered twice is read once. */
const MAX_SEQS = 100_000;

export interface ClickNote {
  at: number;
  x?: number;
  y?: number;
  /** The element meant; undefined when the node is unknown (then the click is not judged). */
  ref?: ElementRef;
  url?: string;
  /** The second click of a double-click (the browser reported a dblclick): not a gesture of its own. */
  second: boolean;
}

export class PageWatch implements PageObserver {
  /** Its node map when read alone (read()); riding on search's extractor (begin/event/end) it reads that one's. */
  private own: NodeMap | undefined;
  private batchPage: Json = {};
  private batchEvents: unknown[] = [];
  private batchCount = 0;
  private batchLast: number | undefined;
  private readonly seqs = new Set<number>();
  readonly urls: { at: number; url: string }[] = [];
  readonly clicks: ClickNote[] = [];
  /** Clicks marked `second` after they were noted (the only change to a noted click): with the count, their version. */
  clickMarks = 0;
  /** Moments the page changed after a click (DOM change, scroll, input, navigation), in stream order. */
  readonly answers: number[] = [];
  readonly errors: number[] = [];
  firstAt: number | undefined;
  lastAt: number | undefined;
  hiddenAt: number | undefined;
  readonly forms: FormWatch;
  private readonly thrash: ThrashWatch;
  private readonly scrolls: ScrollWatch;
  private viewportHeight = 0;
  private lastClickAt: number | undefined;
  /** The web components (shadow hosts) the last click landed inside: their own state flags are no answer. */
  private lastClickHosts: ReadonlySet<number> = new Set();
  private submitAt: number | undefined;
  private readonly answerWindow: number;

  constructor(readonly pageId: string, private readonly t: Thresholds, private readonly emit: (s: Signal) => void) {
    this.thrash = new ThrashWatch(t);
    this.scrolls = new ScrollWatch(t);
    this.forms = new FormWatch(t, (s) => this.emit({ ...s, pageId, ...this.urlField(s.at) }));
    this.answerWindow = Math.max(t.deadWindowMs, t.errorWindowMs, t.rageWindowMs);
  }

  /** `answers` sorted (they arrive in stream order, so mostly already are); the copy is kept until one is added. */
  sortedAnswers(): readonly number[] {
    if (this.sorted?.length !== this.answers.length) this.sorted = [...this.answers].sort((a, b) => a - b);
    return this.sorted;
  }

  private sorted: number[] | undefined;

  /**
   * The URL shown at a moment (the first one for moments before it). A URL that came at that very millisecond came
   * after it: a single-page app's route change is recorded in the click handler of the click that caused it, so
   * that click was made on the page before.
   */
  urlAt(at: number): string | undefined {
    let url = this.urls[0]?.url;
    for (const u of this.urls) if (u.at < at) url = u.url;
    return url;
  }

  /** Reads a batch alone, applying its events to a node map of its own. */
  read(batch: EventBatch): void {
    if (!this.begin(batch)) return;
    const map = (this.own ??= new NodeMap({ extraAttributes: STRUGGLE_ATTRIBUTES }));
    map.resetWork();
    for (let i = 0; i < this.batchCount; i++) {
      const event = this.batchEvents[i];
      if (!isObject(event)) continue;
      const at = num(event.timestamp);
      if (at === undefined) continue;
      const data = isObject(event.data) ? event.data : undefined;
      let added: number[] | undefined;
      if (data && event.type === EventType.FullSnapshot) {
        map.clear();
        added = map.addTree(data.node, 0);
      } else if (data && event.type === EventType.IncrementalSnapshot && data.source === Source.Mutation && changes(data)) {
        added = applyMutation(map, data);
      }
      this.event(event, at, map, added);
    }
    this.end();
  }

  /** A batch starts; false when it is a repeat (its events are then not read). */
  begin(batch: EventBatch): boolean {
    const seq = num(batch.seq);
    if (seq !== undefined) {
      if (this.seqs.has(seq)) return false;
      if (this.seqs.size < MAX_SEQS) this.seqs.add(seq);
    }
    this.batchPage = isObject(batch.page) ? batch.page : {};
    const vh = isObject(batch.viewport) ? num(batch.viewport.height) : undefined;
    if (vh !== undefined && vh > 0) this.viewportHeight = vh;
    this.batchEvents = list(batch.events);
    this.batchCount = Math.min(this.batchEvents.length, limits.MAX_EVENTS_PER_BATCH);
    this.batchLast = undefined;
    return true;
  }

  /** One event with a timestamp, after `map` took it (`added`: what a snapshot or mutation added). */
  event(event: Json, at: number, map: NodeMap, added: number[] | undefined): void {
    if (this.firstAt === undefined) {
      this.firstAt = at;
      if (!this.urls.length) this.url(firstMetaHref(this.batchEvents, this.batchCount) ?? str(this.batchPage.url), at);
    }
    this.lastAt = Math.max(this.lastAt ?? at, at);
    this.batchLast = at;
    if (map === this.own) this.dispatch(event, at, map, added);
    else map.aside(() => this.dispatch(event, at, map, added));
  }

  end(): void {
    // batch.page.url is location.href at upload, after the batch's last event (a single-page app's route change).
    if (this.batchLast !== undefined) this.url(str(this.batchPage.url), this.batchLast);
    this.batchEvents = []; // not kept past its batch
  }

  private dispatch(event: Json, at: number, map: NodeMap, added: number[] | undefined): void {
    const data = isObject(event.data) ? event.data : undefined;
    if (!data) return;
    switch (event.type) {
      case EventType.Meta: {
        const h = num(data.height);
        if (h !== undefined && h > 0) this.viewportHeight = h;
        this.url(str(data.href), at);
        return;
      }
      case EventType.FullSnapshot:
        return; // the map took it
      case EventType.IncrementalSnapshot:
        this.incremental(data, at, map, added ?? []);
        return;
      case EventType.Custom:
        if (data.tag === PAGE_HIDDEN_TAG) {
          this.hiddenAt ??= at;
          this.answer(at);
        } else if (data.tag === ROUTE_TAG) {
          // A single-page app's route change, dated when it happened (batch.page.url is only read at upload).
          this.url(isObject(data.payload) ? str(data.payload.href) : undefined, at);
        } else if (data.tag === UNCAUGHT_ERROR_TAG && this.errors.length < MAX_ERRORS_PER_PAGE) {
          this.errors.push(at);
        }
        return;
    }
  }

  private incremental(data: Json, at: number, map: NodeMap, added: number[]): void {
    switch (data.source) {
      case Source.Mutation: {
        if (!changes(data)) return;
        if (!this.hostStateOnly(data)) this.answer(at);
        if (this.submitAt !== undefined && at >= this.submitAt && at - this.submitAt <= this.t.validationWindowMs) {
          const marker = validationMarker(map, data, added);
          if (marker) {
            this.emit({
              name: 'validation', at, pageId: this.pageId, ...this.urlField(at), element: { selector: marker.ref.selector, label: marker.ref.label },
              detail: { marker: marker.kind, afterMs: at - this.submitAt },
            });
            this.submitAt = undefined; // one per submit
          }
        }
        return;
      }
      case Source.MouseMove:
        for (const p of list(data.positions).slice(0, MAX_POSITIONS_PER_EVENT)) {
          if (!isObject(p)) continue;
          const x = num(p.x);
          const offset = num(p.timeOffset) ?? 0;
          if (x === undefined) continue;
          const chainStart = this.thrash.move(at + Math.min(0, offset), x);
          if (chainStart !== undefined) {
            this.emit({ name: 'thrash', at: chainStart, pageId: this.pageId, ...this.urlField(chainStart), detail: { changes: this.t.thrashMinChanges } });
          }
        }
        return;
      case Source.Scroll: {
        this.answer(at);
        const id = nodeId(data.id);
        const y = num(data.y);
        if (id === undefined || y === undefined) return;
        const found = this.scrolls.scroll(at, id, y, this.viewportHeight);
        if (found) {
          this.emit({ name: 'scroll', at: found.at, pageId: this.pageId, ...this.urlField(found.at), detail: { reversals: found.reversals, distancePx: found.distancePx } });
        }
        return;
      }
      case Source.CanvasMutation:
      case Source.StyleSheetRule:
      case Source.StyleDeclaration:
      case Source.AdoptedStyleSheet:
      case Source.MediaInteraction:
        // The page drew or restyled itself without a DOM change: a Chart.js redraw, CSS-in-JS rules, a video played.
        this.answer(at);
        return;
      case Source.Input: {
        this.answer(at);
        if (data.userTriggered === false) return;
        const text = str(data.text) ?? '';
        this.forms.input(at, fieldElement(map, data.id), text.length > 0 || data.isChecked === true);
        return;
      }
      case Source.MouseInteraction:
        this.mouse(data, at, map);
        return;
    }
  }

  private mouse(data: Json, at: number, map: NodeMap): void {
    switch (data.type) {
      case Mouse.Click: {
        if (this.clicks.length >= MAX_CLICKS_PER_PAGE) return;
        const ref = clickedElement(map, data.id);
        const x = num(data.x);
        const y = num(data.y);
        this.clicks.push({ at, ...(x !== undefined ? { x } : {}), ...(y !== undefined ? { y } : {}), ...(ref ? { ref } : {}), ...this.urlField(at), second: false });
        this.lastClickAt = at;
        this.lastClickHosts = hostsOf(map, data.id);
        if (ref) {
          this.forms.press(at, ref);
          if (ref.submits) this.submitAt = at;
        }
        return;
      }
      case Mouse.DblClick: {
        // The browser fires dblclick after the second click: that click and the one before are one gesture.
        const n = this.clicks.length;
        const last = this.clicks[n - 1];
        const before = this.clicks[n - 2];
        if (last && before && !before.second && at - before.at <= this.t.doubleClickMs && last.ref?.id === before.ref?.id && !last.second) {
          last.second = true;
          this.clickMarks++;
        }
        return;
      }
      case Mouse.Focus:
        this.forms.focus(at, fieldElement(map, data.id));
        return;
      case Mouse.Blur: {
        const id = nodeId(data.id);
        if (id !== undefined) this.forms.blur(id);
        return;
      }
    }
  }

  /**
   * A mutation that only sets data-* attributes on the web component the last click landed in: the component
   * noting its own interaction state (Shoelace marks every form control it is clicked in `data-user-valid`), as a
   * native button takes :focus. Like focus, no answer to the click; a change inside it or elsewhere still is.
   */
  private hostStateOnly(data: Json): boolean {
    if (!this.lastClickHosts.size || list(data.adds).length || list(data.removes).length || list(data.texts).length) return false;
    return list(data.attributes).every((a) => isObject(a) && this.lastClickHosts.has(nodeId(a.id) ?? -1) && isObject(a.attributes)
      && Object.keys(a.attributes).every((name) => name.startsWith('data-')));
  }

  private answer(at: number): void {
    if (this.lastClickAt === undefined || at < this.lastClickAt || at - this.lastClickAt > this.answerWindow) return;
    if (this.answers.length < MAX_ANSWERS_PER_PAGE) this.answers.push(at);
  }

  private url(raw: string | undefined, at: number): void {
    const parts = urlParts(raw);
    if (!parts || parts.display === this.urls[this.urls.length - 1]?.url) return;
    if (this.urls.length) this.answer(at); // a route change answers a click
    if (this.urls.length < MAX_VISITS) this.urls.push({ at, url: parts.display });
  }

  private urlField(at: number): { url?: string } {
    const url = this.urlAt(at);
    return url ? { url } : {};
  }
}

/** The shadow hosts around a clicked node, innermost first (bounded like selectors). */
function hostsOf(map: NodeMap, id: unknown): ReadonlySet<number> {
  const hosts = new Set<number>();
  const clicked = map.get(id);
  // A click on a host's own (slotted) content lands on the host itself.
  if (clicked?.children?.some((c) => map.get(c)?.isShadow)) hosts.add(clicked.id);
  for (let h = clicked && shadowHostOf(map, clicked); h && hosts.size < 8; h = shadowHostOf(map, h)) hosts.add(h.id);
  return hosts;
}

/** A mutation that changes anything (an empty one is no answer to a click). */
function changes(data: Json): boolean {
  return list(data.adds).length + list(data.removes).length + list(data.texts).length + list(data.attributes).length > 0;
}

function firstMetaHref(events: unknown[], count: number): string | undefined {
  for (let i = 0; i < count; i++) {
    const e = events[i];
    if (isObject(e) && e.type === EventType.Meta && isObject(e.data)) return str(e.data.href);
  }
  return undefined;
}
