/**
 * The unload path's way past the site's service worker.
 *
 * Chromium hands a controlled page's keepalive fetches and beacons to the worker's fetch handler, as it does every
 * subresource request of the page (the Service Worker spec: a scope picks the pages a worker controls, and a
 * controlled page's requests go to it whatever their URL, so no upload path is out of reach). A handler that returns
 * without respondWith() sends the request back to the network *from the page*, and once the page is gone that never
 * happens; a worker that has to start first (Chromium stops one idle for 30 s) never gets it, whatever its handler.
 * The page's last upload is lost (Chromium 156: scripts/probes/service-worker-unload.ts). `fetchLater()` (Chromium
 * 135+) is sent by the browser itself, never through a service worker, even after the page is gone; with
 * `activateAfter: 0` it leaves within ~0.1 s on a page that stays (a hidden tab).
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
