/**
 * The unload path's way past the site's service worker.
 *
 * Chromium hands a controlled page's keepalive fetches and beacons, like every request of that page whatever its URL
 * (a worker's scope chooses the pages it controls, not the requests it sees), to the worker's fetch handler. A handler
 * that returns without respondWith() sends the request back to the network *from the page*, and once the page is gone
 * that never happens: the page's last upload is lost (Chromium 156: 4 of 5 leaves; `respondWith(fetch(e.request))`
 * delivers it, since the worker outlives the page). `fetchLater()` (Chromium 135+) is sent by the browser itself, never
 * through a service worker, even after the page is gone; with `activateAfter: 0` it leaves within ~0.1 s on a page that
 * stays (a hidden tab).
 */

export type DeferredSend = (url: string, body: string) => boolean;

type FetchLater = (input: string, init: RequestInit & { activateAfter?: number }) => unknown;

/** A sender, or undefined where the browser has no fetchLater (Firefox, Safari, Chromium < 135). */
export function deferredSender(): DeferredSend | undefined {
  const later = (window as unknown as { fetchLater?: FetchLater }).fetchLater;
  if (typeof later !== 'function') return undefined;
  const send = later.bind(window);
  return (url, body) => {
    try {
      send(url, { method: 'POST', body, credentials: 'same-origin', headers: { 'content-type': 'application/json' }, activateAfter: 0 });
      return true;
    } catch {
      // QuotaExceededError (64 KiB pending per origin), or a cross-origin frame without the deferred-fetch permission.
      return false;
    }
  };
}

/** Read at each unload: a worker may have claimed the page after the recorder started. */
export function controlledByServiceWorker(): boolean {
  try {
    return !!navigator.serviceWorker?.controller;
  } catch {
    return false; // an opaque-origin (sandboxed) frame
  }
}
