/**
 * Chromium has no API that hands an extension response bodies without the
 * debugger, so the content script reads each resource the page loaded back
 * with fetch(url, { cache: 'force-cache' }): from the page's own HTTP-cache
 * partition, with the page's cookies. Trade-offs in docs/ARCHITECTURE.md.
 * Data requests (fetch/XHR/beacon) are not repeated: refetching them could
 * have side effects; the DOM snapshot holds what they rendered.
 */
import type { ResourceMessage } from './messages';

const MAX_BODY = 8 * 1024 * 1024;
const SKIP_INITIATORS = new Set(['fetch', 'xmlhttprequest', 'beacon', 'other']);
const DROP_HEADERS = /^(content-encoding|content-length|set-cookie|transfer-encoding)$/i;

function destinationOf(type: string, initiator: string): string {
  if (initiator === 'navigation') return 'document';
  if (initiator === 'iframe' || initiator === 'frame') return 'iframe';
  if (/text\/css/i.test(type)) return 'style';
  if (/^font\/|woff|opentype|truetype/i.test(type)) return 'font';
  if (/^image\//i.test(type)) return 'image';
  if (/javascript|ecmascript/i.test(type)) return 'script';
  return '';
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function collectResources(send: (msg: ResourceMessage) => Promise<void>): void {
  const seen = new Set<string>();
  const take = (entry: PerformanceResourceTiming | PerformanceNavigationTiming): void => {
    const url = entry.name;
    if (!/^https?:\/\//i.test(url) || seen.has(url)) return;
    if (entry.entryType === 'resource' && SKIP_INITIATORS.has(entry.initiatorType)) return;
    seen.add(url);
    void refetch(entry).then((msg) => msg && send(msg)).catch(() => undefined);
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) take(e as PerformanceResourceTiming);
  });
  observer.observe({ type: 'resource', buffered: true });
  const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  // The document itself: only when it came from a GET we can repeat (not a form POST's answer).
  if (nav && nav.type !== 'back_forward') {
    if (document.readyState === 'complete') take(nav);
    else addEventListener('load', () => take(nav), { once: true });
  }
}

async function refetch(entry: PerformanceResourceTiming): Promise<ResourceMessage | undefined> {
  const res = await fetch(entry.name, { cache: 'force-cache', credentials: 'include', redirect: 'follow' });
  if (res.redirected || res.type === 'opaque') return undefined;
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => {
    if (!DROP_HEADERS.test(name)) headers.push([name.toLowerCase(), value]);
  });
  let bytes = new Uint8Array(await res.arrayBuffer());
  const truncated = bytes.byteLength > MAX_BODY;
  if (truncated) bytes = bytes.subarray(0, MAX_BODY);
  const startedAt = Math.round(performance.timeOrigin + entry.startTime);
  return {
    kind: 'resource',
    url: entry.name,
    status: res.status,
    statusText: res.statusText,
    headers,
    destination: destinationOf(res.headers.get('content-type') ?? '', entry.initiatorType),
    startedAt,
    timing: { headersMs: Math.max(0, entry.responseStart - entry.startTime), totalMs: Math.max(0, entry.duration) },
    body: toBase64(bytes),
    truncated,
  };
}
