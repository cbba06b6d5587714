/**
 * GET /archive/<sessionId>/<ts>/<absolute-original-url>: the bytes the customer's
 * browser received for that URL at that moment, never the live site's.
 * Only benign headers of the capture are replayed; the archived CSP, HSTS,
 * frame options and cookies are dropped (they were meant for the live origin).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CapturedResource } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { VerbatimError } from '../store/errors';
import { parseArchiveTarget, toArchiveUrl, type ArchiveTarget } from './archive-url';
import { acceptsEncoding, canDecode, decodeBody, parseEncodings } from './content-encoding';
import { FuzzyCaptureFinder } from './fuzzy-capture';
import { ARCHIVE_CSP, baseHeaders, sendText } from './http-responses';
import { rewriteCss } from './rewrite-css';

/** Capture headers worth replaying; everything else (CSP, HSTS, Set-Cookie, caching, Link, Refresh...) is dropped. */
const REPLAYED_HEADERS = new Set(['content-type', 'content-language', 'last-modified', 'x-content-type-options']);

export class ArchiveRoute {
  private readonly fuzzy: FuzzyCaptureFinder;

  constructor(private readonly store: VerbatimStore) {
    this.fuzzy = new FuzzyCaptureFinder(store);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = parseArchiveTarget(req.url ?? '');
    if (!target) throw new VerbatimError('BAD_REQUEST', 'Malformed archive URL: expected /archive/<sessionId>/<epoch-ms>/<absolute http(s) URL>');

    let match = 'exact';
    let capture = await this.store.findCapture({ url: target.url, at: target.ts, sessionId: target.sessionId });
    if (!capture) {
      const found = await this.fuzzy.find({ url: target.url, at: target.ts, sessionId: target.sessionId });
      if (found) ({ capture, match } = found);
    }
    if (capture && capture.status === 304 && !(capture.body && capture.body.size > 0)) {
      const full = await this.fuzzy.findWithBody({ url: target.url, at: target.ts, sessionId: target.sessionId });
      if (full) {
        capture = full;
        match = `${match}+revalidated`;
      }
    }
    if (!capture) {
      sendText(req, res, 404, `Not in the archive: no capture of ${target.url} exists (session ${target.sessionId}, at ${target.ts}).`, { 'X-Verbatim-Miss': 'no-capture' });
      return;
    }

    let bytes: Uint8Array = new Uint8Array(0);
    if (capture.body) {
      const stored = await this.store.getBlob(capture.body.digest, capture.sessionId);
      if (!stored) {
        sendText(req, res, 404, `Not in the archive: the body of ${target.url} (capture ${capture.id}) is missing from the store.`, { 'X-Verbatim-Miss': 'blob-missing' });
        return;
      }
      bytes = stored;
    }
    this.send(req, res, target, capture, bytes, match);
  }

  private send(req: IncomingMessage, res: ServerResponse, target: ArchiveTarget, capture: CapturedResource, bytes: Uint8Array, match: string): void {
    baseHeaders(res);
    for (const [name, value] of capture.headers) if (REPLAYED_HEADERS.has(name)) res.setHeader(name, value);
    res.setHeader('Content-Security-Policy', ARCHIVE_CSP);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('X-Verbatim-Capture', capture.id);
    res.setHeader('X-Verbatim-Captured-At', String(capture.startedAt));
    res.setHeader('X-Verbatim-Match', match);
    if (match !== 'exact') res.setHeader('X-Verbatim-Original-Url', capture.url);

    // A 304 was stored with the body it revalidated; the replaying browser asked unconditionally.
    const status = capture.status === 304 ? 200 : capture.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new VerbatimError('UPSTREAM_FAILED', 'The archived response has no usable HTTP status', { captureId: capture.id });
    }
    const location = header(capture, 'location');
    if (location && status >= 300 && status < 400) {
      res.setHeader('Location', toArchiveUrl(location, capture.url, target.sessionId, target.ts) ?? location);
    }

    let body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const encodings = parseEncodings(capture.body?.encoding ?? '');
    const truncated = capture.body?.truncated ?? false;
    if (truncated) res.setHeader('X-Verbatim-Truncated', '1');
    const decodable = canDecode(encodings);

    if (isStylesheet(capture) && decodable) {
      const css = decodeText(decodeBody(body, encodings, truncated), res.getHeader('content-type'));
      const rewritten = rewriteCss(css, (u) => toArchiveUrl(u, capture.url, target.sessionId, target.ts));
      body = Buffer.from(rewritten, 'utf8');
      res.setHeader('Content-Type', 'text/css; charset=utf-8');
    } else if (encodings.length) {
      const browserDecodes = encodings.every((e) => acceptsEncoding(req.headers['accept-encoding'], e));
      if (decodable && (truncated || !browserDecodes)) {
        body = decodeBody(body, encodings, truncated);
      } else {
        res.setHeader('Content-Encoding', encodings.join(', '));
        res.setHeader('Vary', 'Accept-Encoding');
      }
    }

    const bodyless = req.method === 'HEAD' || status === 204 || status === 304;
    if (status !== 204 && status !== 304) res.setHeader('Content-Length', body.length);
    res.writeHead(status, capture.statusText && /^[\t\x20-\x7e]*$/.test(capture.statusText) ? capture.statusText : undefined);
    res.end(bodyless ? undefined : body);
  }
}

function header(capture: CapturedResource, name: string): string | undefined {
  for (const [k, v] of capture.headers) if (k === name) return v;
  return undefined;
}

function isStylesheet(capture: CapturedResource): boolean {
  const type = header(capture, 'content-type');
  if (type) return /^\s*text\/css\b/i.test(type);
  return capture.destination === 'style';
}

/** Stylesheet bytes as text, honouring a declared charset (we re-serve it as UTF-8). */
function decodeText(bytes: Buffer, contentType: unknown): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(String(contentType ?? ''))?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
