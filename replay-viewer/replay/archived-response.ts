/**
 * What the archive answers for a capture, as data (no HTTP objects): status, the
 * capture's benign headers, the body (stylesheets decoded and rewritten into the
 * archive, other bodies passed through in their wire encoding when the client
 * takes it). The caller adds its own security headers last; nothing here may
 * weaken them, so a capture's X-Content-Type-Options, CSP, CORS or cookies are
 * never replayed, and a script type is replayed as text/plain (with nosniff, a
 * browser then refuses to run it: a replay never needs the site's scripts).
 */
import type { CapturedResource } from '../../store/records';
import { VerbatimError } from '../../store/errors';
import { toArchiveUrl, type ArchiveTarget } from './archive-url';
import { acceptsEncoding, canDecode, decodeBody, parseEncodings } from './content-encoding';
import { rewriteCss } from './rewrite-css';

/** Capture headers worth replaying; everything else (CSP, HSTS, Set-Cookie, X-Content-Type-Options, caching, Link, Refresh...) is dropped. */
const REPLAYED_HEADERS = new Set(['content-type', 'content-language', 'last-modified']);
/** JavaScript MIME types (WHATWG MIME Sniffing: javascript, ecmascript, jscript, livescript, x- forms, versions) and WebAssembly. */
const SCRIPT_ESSENCE = /^(?:application|text)\/(?:x-)?(?:(?:java|ecma|j|live)script[\d.]*)$|^application\/wasm$/;

function isScriptType(contentType: string): boolean {
  return SCRIPT_ESSENCE.test(contentType.split(';', 1)[0]!.trim().toLowerCase());
}

export interface ArchivedResponse {
  status: number;
  statusText?: string;
  /** Lower-case names, values safe to put on the wire (printable ASCII). */
  headers: [string, string][];
  body: Buffer;
  /** The body is still in these encodings (the client accepted them): send Content-Encoding. */
  encodings: string[];
  truncated: boolean;
}

export interface ArchivedResponseOptions {
  /** The client's Accept-Encoding; without it every body is decoded (the evidence exporter). */
  acceptEncoding?: string;
}

export function archivedResponse(
  target: ArchiveTarget, capture: CapturedResource, stored: Uint8Array, match: string, options: ArchivedResponseOptions = {},
): ArchivedResponse {
  const headers: [string, string][] = [];
  for (const [name, value] of capture.headers) {
    if (!REPLAYED_HEADERS.has(name)) continue;
    if (name === 'content-type' && isScriptType(value)) headers.push([name, 'text/plain; charset=utf-8']);
    else headers.push([name, wireSafe(value)]);
  }
  headers.push(['x-verbatim-capture', wireSafe(capture.id)], ['x-verbatim-captured-at', String(capture.startedAt)], ['x-verbatim-match', match]);
  if (match !== 'exact') headers.push(['x-verbatim-original-url', wireSafe(capture.url)]);

  // A 304 was stored with the body it revalidated; the replaying browser asked unconditionally.
  const status = capture.status === 304 ? 200 : capture.status;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new VerbatimError('UPSTREAM_FAILED', 'The archived response has no usable HTTP status', { captureId: capture.id });
  }
  const location = header(capture, 'location');
  if (location && status >= 300 && status < 400) {
    headers.push(['location', wireSafe(toArchiveUrl(location, capture.url, target.sessionId, target.ts) ?? location)]);
  }

  let body = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  let encodings = parseEncodings(capture.body?.encoding ?? '');
  const truncated = capture.body?.truncated ?? false;
  const decodable = canDecode(encodings);

  if (isStylesheet(capture) && decodable) {
    const css = decodeText(decodeBody(body, encodings, truncated), header(capture, 'content-type'));
    body = Buffer.from(rewriteCss(css, (u) => toArchiveUrl(u, capture.url, target.sessionId, target.ts)), 'utf8');
    encodings = [];
    setHeader(headers, 'content-type', 'text/css; charset=utf-8');
  } else if (encodings.length) {
    const clientDecodes = encodings.every((e) => acceptsEncoding(options.acceptEncoding, e));
    if (decodable && (truncated || !clientDecodes)) {
      body = decodeBody(body, encodings, truncated);
      encodings = [];
    }
  }
  const statusText = capture.statusText && /^[\t\x20-\x7e]*$/.test(capture.statusText) ? capture.statusText : undefined;
  return { status, statusText, headers, body, encodings, truncated };
}

function header(capture: CapturedResource, name: string): string | undefined {
  for (const [k, v] of capture.headers) if (k === name) return v;
  return undefined;
}

function setHeader(headers: [string, string][], name: string, value: string): void {
  const at = headers.findIndex(([k]) => k === name);
  if (at >= 0) headers[at] = [name, value];
  else headers.push([name, value]);
}

/**
 * A header value the wire can carry: masked URLs hold `•` and captures may hold
 * anything, while HTTP header values are bytes (Node refuses non-Latin-1 and CR/LF).
 * Non-ASCII becomes percent-encoded UTF-8; control characters are dropped.
 */
export function wireSafe(value: string): string {
  return value.replace(/[\0-\x08\x0a-\x1f\x7f]/g, '')
    .replace(/[^\t\x20-\x7e]+/g, (s) => Array.from(Buffer.from(s, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

function isStylesheet(capture: CapturedResource): boolean {
  const type = header(capture, 'content-type');
  if (type) return /^\s*text\/css\b/i.test(type);
  return capture.destination === 'style';
}

/** Stylesheet bytes as text, honouring a declared charset (we re-serve it as UTF-8). */
function decodeText(bytes: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}
