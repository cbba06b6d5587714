/**
 * Serves a page's every request from a HAR document through the DevTools protocol itself (the `Fetch` domain: each
 * request is paused and fulfilled with the HAR entry's status, headers and body), so a test proves Chromium can load
 * what an export holds, with nothing between the file and the browser but CDP. A request the HAR has no entry for is
 * failed and listed.
 */
import type { Page } from 'playwright';
import type { Har, HarEntry } from '../../scripts/export/har';

/** Headers that describe the wire, not the body the HAR holds (already decoded). */
const WIRE_HEADERS = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export interface HarOverCdp {
  /** URLs the HAR had no entry for (failed). */
  missing: string[];
  /** URLs fulfilled from the HAR, in order. */
  served: string[];
}

export async function serveFromHarOverCdp(page: Page, har: Har): Promise<HarOverCdp> {
  const entries = new Map<string, HarEntry[]>();
  for (const e of har.log.entries) {
    if (e.response.status === 101) continue;
    const key = `${e.request.method} ${e.request.url}`;
    entries.set(key, [...(entries.get(key) ?? []), e]);
  }
  const result: HarOverCdp = { missing: [], served: [] };
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { method: string; url: string } }) => {
    const list = entries.get(`${event.request.method} ${event.request.url}`);
    // The same URL fetched twice is answered in order; past the last entry, the last one again.
    const entry = list && (list.length > 1 ? list.shift() : list[0]);
    if (!entry) {
      result.missing.push(event.request.url);
      void cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'BlockedByClient' }).catch(() => undefined);
      return;
    }
    result.served.push(event.request.url);
    const { content } = entry.response;
    const body = content.text === undefined ? '' : content.encoding === 'base64' ? content.text : Buffer.from(content.text, 'utf8').toString('base64');
    void cdp.send('Fetch.fulfillRequest', {
      requestId: event.requestId,
      responseCode: entry.response.status,
      responsePhrase: entry.response.statusText || undefined,
      responseHeaders: entry.response.headers.filter((h) => !WIRE_HEADERS.has(h.name.toLowerCase())),
      body,
    }).catch(() => undefined);
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] });
  return result;
}
