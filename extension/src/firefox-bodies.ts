/**
 * Firefox reads response bodies as they stream (webRequest.filterResponseData):
 * exactly the bytes the page got, no second request. Chromium has no such API
 * (see docs/ARCHITECTURE.md, "Kiosk extension").
 */
import browser from 'webextension-polyfill';
import type { ResourceMessage } from './messages';

const MAX_BODY = 8 * 1024 * 1024;
const TYPES = ['main_frame', 'sub_frame', 'stylesheet', 'image', 'font', 'script', 'media'] as const;
const DESTINATION: Record<string, string> = {
  main_frame: 'document', sub_frame: 'iframe', stylesheet: 'style', image: 'image', font: 'font', script: 'script', media: 'video',
};

/** `topUrl`: the top-level page the response belongs to (recorded or not, by the allow list). */
type Sink = (r: Omit<ResourceMessage, 'kind' | 'body'>, bytes: Uint8Array | null, topUrl: string) => Promise<void>;

export function captureFirefoxBodies(sink: Sink): void {
  const headersById = new Map<string, { status: number; statusText: string; headers: [string, string][]; at: number }>();
  browser.webRequest.onHeadersReceived.addListener((d) => {
    headersById.set(d.requestId, {
      status: d.statusCode, statusText: d.statusLine ?? '', at: Date.now(),
      headers: (d.responseHeaders ?? [])
        .filter((h) => !/^(content-encoding|content-length|set-cookie)$/i.test(h.name))
        .map((h) => [h.name.toLowerCase(), h.value ?? ''] as [string, string]),
    });
    return undefined;
  }, { urls: ['http://*/*', 'https://*/*'], types: [...TYPES] }, ['responseHeaders']);

  browser.webRequest.onBeforeRequest.addListener((d) => {
    if (d.method !== 'GET') return undefined;
    const started = Date.now();
    // Firefox gives the frame chain (not in the polyfill's types); its last entry is the top-level page.
    const ancestors = (d as { frameAncestors?: { url: string }[] }).frameAncestors ?? [];
    const topUrl = d.type === 'main_frame' ? d.url : ancestors.length ? ancestors[ancestors.length - 1]!.url : d.documentUrl ?? d.url;
    const filter = browser.webRequest.filterResponseData(d.requestId);
    const chunks: Uint8Array[] = [];
    let size = 0;
    let truncated = false;
    filter.ondata = (e) => {
      filter.write(e.data);
      if (size + e.data.byteLength > MAX_BODY) truncated = true;
      else {
        chunks.push(new Uint8Array(e.data));
        size += e.data.byteLength;
      }
    };
    const finish = () => {
      const head = headersById.get(d.requestId);
      headersById.delete(d.requestId);
      if (!head) return;
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
      void sink({
        url: d.url, status: head.status, statusText: head.statusText, headers: head.headers,
        destination: DESTINATION[d.type] ?? '', startedAt: started,
        timing: { headersMs: head.at - started, totalMs: Date.now() - started }, truncated,
      }, bytes, topUrl).catch(() => undefined);
    };
    filter.onstop = () => { filter.close(); finish(); };
    filter.onerror = () => { headersById.delete(d.requestId); };
    return undefined;
  }, { urls: ['http://*/*', 'https://*/*'], types: [...TYPES] }, ['blocking']);
}
