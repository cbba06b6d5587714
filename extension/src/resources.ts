/**
 * Chromium has no API that hands an extension response bodies without the
 * debugger, so each resource the page loaded is read back (trade-offs in
 * docs/ARCHITECTURE.md, "Kiosk extension"):
 *  - first here, in the content script, with fetch(url, { cache: 'force-cache' }):
 *    from the page's own HTTP-cache partition, with the page's cookies, so the
 *    bytes are the ones the page got. CORS applies here (a content script fetches
 *    as the page), so this works for same-origin resources and CORS-enabled ones
 *    (fonts, CDN assets sending Access-Control-Allow-Origin);
 *  - what CORS refuses (a cross-origin stylesheet without CORS, its @import and
 *    url() images, cross-origin images and sprites) goes to the background, which
 *    fetches it with its host permissions (see background-fetch.ts).
 * Data requests (fetch/XHR/beacon) are not repeated: refetching them could have
 * side effects; the DOM snapshot holds what they rendered. Frames are read back
 * by their own content script (the document as that frame got it), not here.
 */
import type { ResourceMessage, ResourceRefMessage } from './messages';
import { DATA_INITIATORS, type ResourceTimingInfo, readResource } from './resource-read';

const FRAME_INITIATORS = new Set(['iframe', 'frame']);

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** The URL as requested: a fragment (`sprite.svg#icon`) never reaches the site, nor the capture. */
function withoutHash(url: string): string {
  const at = url.indexOf('#');
  return at < 0 ? url : url.slice(0, at);
}

function infoOf(entry: PerformanceResourceTiming): ResourceTimingInfo {
  return {
    url: withoutHash(entry.name),
    initiatorType: entry.entryType === 'navigation' ? 'navigation' : entry.initiatorType,
    startedAt: Math.round(performance.timeOrigin + entry.startTime),
    timing: { headersMs: Math.max(0, entry.responseStart - entry.startTime), totalMs: Math.max(0, entry.duration) },
  };
}

export interface ResourceWatch {
  /** The page is recorded: read back what was seen so far and everything after. */
  start(send: (msg: ResourceMessage | ResourceRefMessage) => Promise<void>): void;
  /** The page is not recorded. */
  stop(): void;
}

/**
 * Starts observing at once (document_start) and holds the entries until the
 * page's configuration arrives, so nothing is missed however busy the page is
 * (an observer gets every entry; only the timeline's buffer is bounded).
 */
export function watchResources(): ResourceWatch {
  const seen = new Set<string>();
  let held: (PerformanceResourceTiming | PerformanceNavigationTiming)[] | undefined = [];
  let send: ((msg: ResourceMessage | ResourceRefMessage) => Promise<void>) | undefined;
  const take = (entry: PerformanceResourceTiming | PerformanceNavigationTiming): void => {
    if (held) {
      held.push(entry);
      return;
    }
    const url = withoutHash(entry.name);
    if (!send || !/^https?:\/\//i.test(url) || seen.has(url)) return;
    if (entry.entryType === 'resource' && (DATA_INITIATORS.has(entry.initiatorType) || FRAME_INITIATORS.has(entry.initiatorType))) return;
    seen.add(url);
    void readBack(infoOf(entry), send).catch(() => undefined);
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) take(e as PerformanceResourceTiming);
  });
  observer.observe({ type: 'resource', buffered: true });
  return {
    start(s) {
      send = s;
      const pending = held ?? [];
      held = undefined;
      for (const e of pending) take(e);
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      // The document itself: only when it came from a GET we can repeat (not a form POST's answer).
      if (nav && nav.type !== 'back_forward') {
        if (document.readyState === 'complete') take(nav);
        else addEventListener('load', () => take(nav), { once: true });
      }
    },
    stop() {
      observer.disconnect();
      held = undefined;
    },
  };
}

async function readBack(info: ResourceTimingInfo, send: (msg: ResourceMessage | ResourceRefMessage) => Promise<void>): Promise<void> {
  let res: Response;
  try {
    // Cross-origin, as the page's own CORS loads (fonts, crossorigin="anonymous") go: without credentials, so a CDN's
    // `Access-Control-Allow-Origin: *` answers it from the page's cache instead of failing (wildcard + credentials).
    const credentials = new URL(info.url).origin === location.origin ? 'include' : 'same-origin';
    res = await fetch(info.url, { cache: 'force-cache', credentials, redirect: 'follow' });
  } catch {
    // CORS refused a cross-origin resource (or the network failed): the background reads it.
    if (new URL(info.url).origin !== location.origin) await send({ kind: 'resource-ref', ...info });
    return;
  }
  for (const read of await readResource(res, info)) {
    await send({ kind: 'resource', ...read.msg, body: read.bytes ? toBase64(read.bytes) : null });
  }
}
