/**
 * Custom markers from what the site already does, so funnels can use them with no change to the site: its
 * `performance.mark(name)` entries (a PerformanceObserver, buffered: nothing patched) and its Google Tag Manager
 * events (`dataLayer.push({event})`, and gtag's `dataLayer.push(['event', name, …])`). Only the event's name is read:
 * every other dataLayer field can hold personal data. Names are cut to MAX_NAME, control characters dropped, and
 * card-like digit runs, IBANs and e-mail addresses masked here (the proxy masks custom events again). A token bucket
 * per page keeps a site pushing thousands of events from flooding the stream. Never throws into the page.
 *
 * A marker made before the recorder ran carries its own moment in `payload.time` (as early errors do): a mark's
 * start time, a dataLayer item's push time kept by marker-times.ts. The index takes it when plausible
 * (search/extract/marker-events.ts); otherwise the event's time is the recorder's start.
 */
import { pushTimes } from './marker-times';
import type { Report } from './page-errors';

export const MAX_NAME = 100;
/** Burst, then BUCKET_REFILL_MS per marker: a page's own rhythm passes, a loop does not. */
const BUCKET = 30;
const BUCKET_REFILL_MS = 500;

/**
 * Marker names with what must never reach disk masked: digit runs of 7+ as in typed text (card numbers whatever Luhn
 * says, and the digits of an IBAN: every country's has such a run; the proxy's registry-checked IBAN rule masks the
 * rest), and anything around an `@`.
 */
export function markerName(raw: string): string {
  return raw
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, MAX_NAME)
    .replace(/[^\s@]+@[^\s@]+/g, (m) => '*'.repeat(m.length))
    .replace(/\d(?:[ .-]?\d){6,}/g, (m) => m.replace(/\d/g, '*'));
}

export function watchMarkers(report: Report, tag: string): void {
  let tokens = BUCKET;
  let last = Date.now();
  const times = pushTimes();
  /**
   * A mark's name, or a dataLayer item whose event name is read: `{event}` (GTM), `['event', name]` (gtag). `time`:
   * its own moment when known.
   */
  const take = (raw: any, source: 'mark' | 'dataLayer', time?: number): void => {
    try {
      if (source !== 'mark') {
        time = raw && typeof raw === 'object' ? times?.get(raw) : undefined;
        raw = raw && typeof raw === 'object' ? (raw[0] === 'event' ? raw[1] : raw.event) : 0;
      }
      // `gtm.*`: GTM's own lifecycle events, not the site's.
      if (typeof raw !== 'string' || raw.startsWith('gtm.')) return;
      const now = Date.now();
      tokens = Math.min(BUCKET, tokens + (now - last) / BUCKET_REFILL_MS);
      last = now;
      const name = markerName(raw);
      if (name && tokens >= 1) {
        tokens--;
        report(tag, time !== undefined && Number.isFinite(time) ? { name, source, time: Math.round(time) } : { name, source });
      }
    } catch {
      /* a getter that throws, a Proxy: ignored */
    }
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) take(e.name, 'mark', performance.timeOrigin + e.startTime);
    }).observe({ type: 'mark', buffered: true });
  } catch {
    /* no PerformanceObserver */
  }

  const hooked = new WeakSet<object>();
  // Runs inside the page's own `window.dataLayer = …` (the setter below): must never throw (a frozen array, a Proxy).
  const hook = (layer: unknown): void => {
    try {
      if (!Array.isArray(layer) || hooked.has(layer)) return;
      hooked.add(layer);
      for (const item of layer) take(item, 'dataLayer');
      const push = layer.push;
      // GTM later wraps whatever push it finds (this one) and calls it: the chain stays. `this` and the return value
      // are the page's own.
      layer.push = function (this: unknown, ...items: unknown[]) {
        for (const item of items) take(item, 'dataLayer');
        return push.apply(this, items);
      };
    } catch {
      /* left unhooked */
    }
  };
  try {
    const w = window as unknown as { dataLayer?: unknown };
    let current = w.dataLayer;
    hook(current);
    // The array may not exist yet or be replaced (`window.dataLayer = []`, GTM's `w[l] = w[l] || []`): the new one is
    // hooked as it is set. A `var dataLayer` (not configurable) keeps only the current array hooked.
    Object.defineProperty(window, 'dataLayer', {
      configurable: true,
      get: () => current,
      set: (v: unknown) => {
        current = v;
        hook(v);
      },
    });
  } catch {
    /* not configurable */
  }
}
