/**
 * Reads back, from the background, the resources a content script could not
 * (cross-origin without CORS: stylesheets, what they @import and reference,
 * images, SVG sprites). The service worker fetches with the extension's host
 * permissions, where CORS does not apply.
 *
 * Partition: this request is not the page's. Chromium keys its HTTP cache by the
 * top-level site (and frame site), and the extension's own origin is the top
 * level here, so the page's cached copy is out of reach: the bytes come from the
 * site again (or from the extension's own partition). Hence `cache: 'no-cache'`:
 * a conditional request, so the extension's partition never serves a copy older
 * than what the site serves now (force-cache would, however stale), and an
 * unchanged resource costs a 304. `credentials: 'include'` sends the cookies the
 * browser holds for that site (not the page's partitioned CHIPS cookies). What the
 * page got and what this returns can differ if the site changed the resource in
 * between; docs/ARCHITECTURE.md states the limit.
 */
import { rewriteCss } from '../../replay-viewer/replay/rewrite-css';
import { type ResourceTimingInfo, readResource } from './resource-read';
import type { ResourceMessage } from './messages';

/** At most this many background reads at once: a page with hundreds of images must not flood the site. */
const CONCURRENCY = 4;
const TIMEOUT_MS = 30_000;
/** A stylesheet's references are followed this deep (@import of @import ...) and this many per sheet. */
const MAX_CSS_DEPTH = 5;
const MAX_CSS_REFS = 300;
/** Bound on the URLs remembered as read (then forgotten all at once). */
const MAX_REMEMBERED = 5000;

/**
 * The URLs a stylesheet loads: @import targets and url() (fonts, images), resolved
 * against the sheet's own URL. Chromium reports none of these to the page's
 * resource timing when the sheet is cross-origin without CORS, so the background
 * follows them itself. The scanner is the viewer's CSS rewriter, mapping nothing.
 */
export function cssReferences(css: string, sheetUrl: string): string[] {
  const found = new Set<string>();
  rewriteCss(css, (ref) => {
    try {
      const u = new URL(ref, sheetUrl);
      u.hash = '';
      if ((u.protocol === 'http:' || u.protocol === 'https:') && found.size < MAX_CSS_REFS) found.add(u.href);
    } catch {
      /* not a URL */
    }
    return undefined;
  });
  return [...found];
}

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([\w-]+)/i.exec(contentType);
  return m ? m[1]! : 'utf-8';
}

type Sink = (r: Omit<ResourceMessage, 'kind' | 'body'>, bytes: Uint8Array | null) => Promise<void>;

export class BackgroundFetcher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Reads asked for and not yet queued (tests wait for 0; the options page shows it). */
  pending = 0;
  /** `scope\0url` already read: each URL once per kiosk session (every page of a site names the same CDN sheet). */
  private readonly read = new Set<string>();

  /** @param scope the current kiosk session: each session gets its own capture of what it showed. */
  constructor(private readonly sink: Sink, private readonly scope: () => Promise<string | undefined>) {}

  async fetch(info: ResourceTimingInfo, depth = 0): Promise<void> {
    this.pending++;
    try {
      const key = `${(await this.scope()) ?? ''}\0${info.url}`;
      if (this.read.has(key)) return;
      if (this.read.size >= MAX_REMEMBERED) this.read.clear();
      this.read.add(key);
      if (this.running >= CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.running++;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
      try {
        const res = await fetch(info.url, { cache: 'no-cache', credentials: 'include', redirect: 'follow', signal: abort.signal });
        for (const read of await readResource(res, info)) {
          await this.sink(read.msg, read.bytes);
          if (read.bytes && read.msg.destination === 'style' && depth < MAX_CSS_DEPTH && !read.msg.truncated) {
            const css = new TextDecoder(charsetOf(res.headers.get('content-type') ?? '')).decode(read.bytes);
            for (const url of cssReferences(css, read.msg.url)) {
              void this.fetch({ url, initiatorType: 'css', startedAt: info.startedAt, timing: { headersMs: 0, totalMs: 0 } }, depth + 1);
            }
          }
        }
      } catch {
        // Network failure or timeout: nothing to capture (the replay falls back to another session's capture of the URL).
      } finally {
        clearTimeout(timer);
        this.running--;
        this.waiting.shift()?.();
      }
    } finally {
      this.pending--;
    }
  }
}
