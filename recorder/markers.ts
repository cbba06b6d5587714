/**
 * Custom markers from what the site already does, so funnels can use them with no change to the site: its
 * `performance.mark(name)` entries (a PerformanceObserver, buffered: nothing patched) and its Google Tag Manager
 * events (`dataLayer.push({event})`, and gtag's `dataLayer.push(['event', name, …])`). Only the event's name is read:
 * every other dataLayer field can hold personal data. Names are cut to MAX_NAME, control characters dropped, and
 * card-like digit runs, IBANs and e-mail addresses masked here (the proxy masks custom events again). A token bucket
 * per page keeps a site pushing thousands of events from flooding the stream. Never throws into the page.
 */
import type { Report } from './page-errors';

export const MAX_NAME = 100;
/** Burst, then BUCKET_REFILL_MS per marker: a page's own rhythm passes, a loop does not. */
const BUCKET = 30;
const BUCKET_REFILL_MS = 500;

/** Marker names with what must never reach disk masked (as typed text: 7+ digits, whatever Luhn says). */
export function markerName(raw: string): string {
  return raw
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, MAX_NAME)
    .replace(/[^\s@]+@[^\s@]+/g, (m) => '*'.repeat(m.length))
    .replace(/\b[a-z]{2}\d\d[a-z\d -]{11,}/gi, (m) => m.slice(0, 2) + '*'.repeat(m.length - 2))
    .replace(/\d(?:[ .-]?\d){6,}/g, (m) => m.replace(/\d/g, '*'));
}

export function watchMarkers(report: Report, tag: string): void {
  let tokens = BUCKET;
  let last = Date.now();
  const take = (raw: unknown, source: 'mark' | 'dataLayer', time?: number): void => {
    try {
      if (typeof raw !== 'string' || (source === 'dataLayer' && raw.startsWith('gtm.'))) return; // GTM's own lifecycle
      const now = Date.now();
      tokens = Math.min(BUCKET, tokens + (now - last) / BUCKET_REFILL_MS);
      last = now;
      const name = markerName(raw);
      if (!name || tokens < 1) return;
      tokens--;
      report(tag, time ? { name, source, time: Math.round(time) } : { name, source });
    } catch {
      /* ignore */
    }
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) take(e.name, 'mark', performance.timeOrigin + e.startTime);
    }).observe({ type: 'mark', buffered: true });
  } catch {
    /* no PerformanceObserver */
  }

  // An item's event name: `{event}` (GTM) or `['event', name]` / gtag's arguments object.
  const eventOf = (item: unknown): unknown => {
    try {
      const o = item as Record<string | number, unknown> | null;
      return !o || typeof o !== 'object' ? undefined : o[0] === 'event' ? o[1] : o.event;
    } catch {
      return undefined; // a getter that throws
    }
  };
  const hooked = new WeakSet<object>();
  // Runs inside the page's own `window.dataLayer = …` (the setter below): must never throw (a frozen array, a Proxy).
  const hook = (layer: unknown): void => {
    try {
      if (!Array.isArray(layer) || hooked.has(layer)) return;
      hooked.add(layer);
      for (const item of layer) take(eventOf(item), 'dataLayer');
      const push = layer.push;
      // GTM later wraps whatever push it finds (this one) and calls it: the chain stays. `this` and the return value
      // are the page's own.
      layer.push = function (this: unknown, ...items: unknown[]) {
        for (const item of items) take(eventOf(item), 'dataLayer');
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
