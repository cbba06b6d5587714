/**
 * Reading a refetched resource into a ResourceMessage, the same way in the
 * content script (page's cache partition) and in the background (host
 * permissions, no CORS): headers that describe the wire dropped, the body read
 * as a stream up to MAX_BODY (a stream that never ends, an EventSource refetched
 * by mistake, stops there), and only static kinds kept for initiators that may
 * be anything (`other`: SVG `<use>` sprites, but also event streams).
 */
import type { ResourceMessage } from './messages';

export const MAX_BODY = 8 * 1024 * 1024;
const DROP_HEADERS = /^(content-encoding|content-length|set-cookie|transfer-encoding)$/i;
/** What a page renders from a subresource: worth a capture whatever its initiator says. */
const STATIC_TYPE = /^(text\/css|image\/|font\/|application\/(font|x-font|vnd\.ms-fontobject)|(text|application)\/(x-)?(javascript|ecmascript))/i;

/** Initiators whose requests are data, not rendering (refetching them could have side effects). */
export const DATA_INITIATORS = new Set(['fetch', 'xmlhttprequest', 'beacon']);

export interface ResourceTimingInfo {
  url: string;
  initiatorType: string;
  startedAt: number;
  timing: { headersMs: number; totalMs: number };
}

export function destinationOf(type: string, initiator: string): string {
  if (initiator === 'navigation') return 'document';
  if (initiator === 'iframe' || initiator === 'frame') return 'iframe';
  if (/text\/css/i.test(type)) return 'style';
  if (/^font\/|woff|opentype|truetype|fontobject/i.test(type)) return 'font';
  if (/^image\//i.test(type)) return 'image';
  if (/javascript|ecmascript/i.test(type)) return 'script';
  return '';
}

/** Whether a response of this type is kept for this initiator. */
export function keepsType(initiator: string, contentType: string): boolean {
  return initiator !== 'other' || STATIC_TYPE.test(contentType.trim());
}

async function readCapped(res: Response): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!res.body) return { bytes: new Uint8Array(0), truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > MAX_BODY) {
      chunks.push(value.subarray(0, MAX_BODY - size));
      size = MAX_BODY;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes, truncated };
}

export interface ReadResource {
  msg: Omit<ResourceMessage, 'kind' | 'body'>;
  bytes: Uint8Array | null;
}

/**
 * The captures of a refetched response: none when it is not one to keep; two when
 * it was redirected (a CDN's unversioned URL answering with a redirect): the URL
 * the page names, as a redirect to the final URL (fetch hides the exact 3xx code:
 * 302 stands for it), and the final URL with the body. The replay's archive
 * follows such a redirect within the archive.
 */
export async function readResource(res: Response, entry: ResourceTimingInfo): Promise<ReadResource[]> {
  const type = res.headers.get('content-type') ?? '';
  if (res.type === 'opaque' || res.type === 'opaqueredirect' || !keepsType(entry.initiatorType, type)) {
    await res.body?.cancel().catch(() => undefined);
    return [];
  }
  const finalUrl = res.redirected && res.url ? res.url : entry.url;
  const headers: [string, string][] = [];
  res.headers.forEach((value, name) => {
    if (!DROP_HEADERS.test(name)) headers.push([name.toLowerCase(), value]);
  });
  const { bytes, truncated } = await readCapped(res);
  const destination = destinationOf(type, entry.initiatorType);
  const body: ReadResource = {
    msg: { url: finalUrl, status: res.status, statusText: res.statusText, headers, destination, startedAt: entry.startedAt, timing: entry.timing, truncated },
    bytes,
  };
  if (finalUrl === entry.url) return [body];
  const redirect: ReadResource = {
    msg: {
      url: entry.url, status: 302, statusText: 'Found', headers: [['location', finalUrl]], destination,
      startedAt: entry.startedAt, timing: { headersMs: 0, totalMs: 0 }, truncated: false,
    },
    bytes: null,
  };
  return [redirect, body];
}
