/**
 * When each dataLayer item was pushed, for the items pushed before the recorder ran (markers.ts reads the array only
 * once the recorder starts, after `load`, so they would otherwise carry the recorder's start time, not the site's
 * moment). A WeakMap item → epoch ms at window[DATALAYER_TIMES_KEY], filled by a `dataLayer` setter and a push
 * wrapper installed before any page script: by the proxy's bootstrap (the same code in ES5, bootstrap.ts) or, in the
 * extension (document_start), by the recorder itself. performance.mark entries need none of this: each carries its
 * own moment. Never throws into the page; the page's push keeps its `this` and return value.
 */
import { DATALAYER_TIMES_KEY } from './protocol';

export type PushTimes = WeakMap<object, number>;

export function pushTimes(win: Window = window): PushTimes | undefined {
  const t = (win as unknown as Record<string, unknown>)[DATALAYER_TIMES_KEY];
  return t instanceof WeakMap ? (t as PushTimes) : undefined;
}

export function installPushTimes(win: Window = window): void {
  try {
    const w = win as unknown as Record<string, unknown>;
    if (w[DATALAYER_TIMES_KEY]) return;
    const times: PushTimes = new WeakMap();
    const hooked = new WeakSet<object>();
    Object.defineProperty(win, DATALAYER_TIMES_KEY, { value: times });
    const note = (item: unknown, at: number): void => {
      if (item && typeof item === 'object' && !times.has(item)) times.set(item, at);
    };
    const hook = (layer: unknown): void => {
      try {
        if (!Array.isArray(layer) || hooked.has(layer)) return;
        hooked.add(layer);
        const at = Date.now();
        for (const item of layer) note(item, at);
        const push = layer.push;
        layer.push = function (this: unknown, ...items: unknown[]) {
          try {
            const now = Date.now();
            for (const item of items) note(item, now);
          } catch {
            /* ignored */
          }
          return push.apply(this, items);
        };
      } catch {
        /* left unhooked */
      }
    };
    let current = w.dataLayer;
    hook(current);
    // Configurable: the recorder's markers.ts puts its own accessor here later, and reads the current array.
    Object.defineProperty(win, 'dataLayer', {
      configurable: true,
      get: () => current,
      set: (v: unknown) => {
        current = v;
        hook(v);
      },
    });
  } catch {
    /* not configurable (a `var dataLayer` ran first): items keep the recorder's moment */
  }
}
