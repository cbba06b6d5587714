/**
 * Response helpers and the security headers of the viewer. The UI policy is what
 * makes a live-site request impossible: rrweb's replay iframe is about:blank and
 * inherits it, so anything not rewritten to /archive is blocked, not fetched.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ERROR_CODES, isVerbatimError } from '../store/errors';
import { acceptsEncoding } from './replay/content-encoding';

const gzip = promisify(zlib.gzip);

/**
 * The policy of the viewer's pages. Scripts only by this response's nonce, never
 * 'self': /archive/ is 'self' too and serves recorded bytes, so 'self' would let a
 * recorded document (an <iframe srcdoc> inherits this policy) load a capture as
 * script. Without a nonce (assets, which are not documents) no script at all.
 */
export function uiCsp(nonce?: string): string {
  return [
    "default-src 'self'",
    nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "frame-src 'self' blob:",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    // Not fetches, so default-src does not cover them: no form posts, no framing of the viewer.
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Archived documents (an iframe's HTML, an SVG opened directly) are served from the
 * viewer's origin, so they are sandboxed without scripts and kept off the live site.
 */
export const ARCHIVE_CSP = [
  "default-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline' data:",
  "script-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  'sandbox',
].join('; ');

/** Separate from uiCsp(): JSON and text responses never render anything. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

export function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** JSON, gzipped when large and accepted (event lists run to megabytes). */
export async function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): Promise<void> {
  let body: Buffer = Buffer.from(JSON.stringify(value));
  baseHeaders(res);
  res.setHeader('Content-Security-Policy', DATA_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (body.length > 1024 && acceptsEncoding(req.headers['accept-encoding'], 'gzip')) {
    body = await gzip(body);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Vary', 'Accept-Encoding');
  }
  res.setHeader('Content-Length', body.length);
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(text.endsWith('\n') ? text : `${text}\n`);
  baseHeaders(res);
  res.setHeader('Content-Security-Policy', DATA_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A file to save, never to render: exports and the audit trail's JSON lines. */
export function sendAttachment(req: IncomingMessage, res: ServerResponse, file: { filename: string; contentType: string; body: Uint8Array }): void {
  baseHeaders(res);
  res.writeHead(200, {
    'Content-Type': file.contentType, 'Content-Length': file.body.byteLength, 'Cache-Control': 'no-store',
    'Content-Disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`, 'Content-Security-Policy': DATA_CSP,
  });
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** A server-rendered page of the access layer (sign-in, audit trail): no scripts, not framable. */
export function sendPage(req: IncomingMessage, res: ServerResponse, status: number, html: string, csp: string): void {
  const body = Buffer.from(html);
  baseHeaders(res);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store',
    'Content-Security-Policy': csp, 'X-Frame-Options': 'DENY',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The body of an error response: a VerbatimError's own code and message, nothing internal otherwise; a malformed
 * search query also says where (`position`, for the viewer to underline).
 */
export function errorBody(err: unknown): { status: number; code: string; message: string; position?: number } {
  if (isVerbatimError(err, 'QUERY_INVALID') && typeof err.context.position === 'number') {
    return { status: err.status, code: err.code, message: err.message, position: err.context.position };
  }
  if (isVerbatimError(err)) return { status: err.status, code: err.code, message: err.message };
  return { status: ERROR_CODES.INTERNAL, code: 'INTERNAL', message: 'Internal error' };
}

/** Headers an error answer must carry: the methods a path takes (405), when to try again (429). */
export function errorHeaders(err: unknown): Record<string, string> {
  if (isVerbatimError(err, 'METHOD_NOT_ALLOWED') && typeof err.context.allow === 'string') return { Allow: err.context.allow };
  if (isVerbatimError(err, 'THROTTLED') && typeof err.context.retryAfterSeconds === 'number') return { 'Retry-After': String(err.context.retryAfterSeconds) };
  return {};
}

export async function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, asText = false): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(errorHeaders(err))) res.setHeader(name, value);
  const { status, ...error } = errorBody(err);
  if (asText) sendText(req, res, status, `${error.code}: ${error.message}`);
  else await sendJson(req, res, status, { error });
}
