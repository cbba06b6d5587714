/**
 * When each dataLayer item was pushed, for the items pushed before the recorder ran (markers.ts hooks the array only
 * once the recorder starts, after `load`, so they would otherwise carry the recorder's start time, not the site's
 * moment). The array is *polled* every POLL_MS from before any page script (by the proxy's bootstrap, the same code
 * in ES5 in bootstrap.ts, or in the extension at document_start by the recorder itself) until the recorder takes
 * the times over: nothing is defined or wrapped on the page's own objects before the page makes them, so a site's
 * `'dataLayer' in window` or `hasOwnProperty` checks decide as they would without Verbatim. An item's moment is thus
 * known to within POLL_MS. Only `window[DATALAYER_TIMES_KEY]` is added (not enumerable). Never throws into the page.
 */
import { DATALAYER_TIMES_KEY } from './protocol';

export type PushTimes = WeakMap<object, number>;
/** How often the bootstrap looks at `window.dataLayer` before the recorder runs (bootstrap.ts uses the same). */
export const PUSH_POLL_MS = 50;
/** The bootstrap stops looking after this long even if the recorder never comes. */
export const PUSH_POLL_MAX_MS = 60_000;

interface Kept {
  times: PushTimes;
  /** Looks a last time and stops the polling. */
  stop: () => void;
}

/** The times kept so far; the polling stops (the recorder's own hook on the array takes over from here). */
export function pushTimes(win: Window = window): PushTimes | undefined {
  const kept = (win as unknown as Record<string, unknown>)[DATALAYER_TIMES_KEY] as Partial<Kept> | undefined;
  if (!kept || !(kept.times instanceof WeakMap) || typeof kept.stop !== 'function') return undefined;
  try {
    kept.stop();
  } catch {
    /* a page that replaced it: the times so far are still good */
  }
  return kept.times;
}

export function installPushTimes(win: Window = window): void {
  try {
    const w = win as unknown as Record<string, unknown>;
    if (w[DATALAYER_TIMES_KEY]) return;
    const times: PushTimes = new WeakMap();
    const look = (): void => {
      try {
        const layer = w.dataLayer;
        if (!Array.isArray(layer)) return;
        const at = Date.now();
        for (const item of layer) if (item && typeof item === 'object' && !times.has(item)) times.set(item, at);
      } catch {
        /* a getter of the page's that throws: nothing kept */
      }
    };
    const started = Date.now();
    const timer = setInterval(() => {
      look();
      if (Date.now() - started > PUSH_POLL_MAX_MS) clearInterval(timer);
    }, PUSH_POLL_MS);
    const kept: Kept = { times, stop: () => { look(); clearInterval(timer); } };
    Object.defineProperty(win, DATALAYER_TIMES_KEY, { value: kept });
  } catch {
    /* items keep the recorder's moment */
  }
}
