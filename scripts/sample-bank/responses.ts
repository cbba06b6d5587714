/**
 * Response writing for the sample bank: Content-Length always, gzip for text
 * when the client accepts it, conditional GET (If-None-Match, then
 * If-Modified-Since) answered with 304, and the bank's CSP on HTML.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Asset } from './assets';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'";

/** Forces browsers to revalidate every use, so the 304 path is exercised. */
export const REVALIDATE = 'max-age=0, must-revalidate';
export const NO_STORE = 'private, no-store';

const gzipCache = new WeakMap<Buffer, Buffer>();

function gzipped(body: Buffer): Buffer {
  let out = gzipCache.get(body);
  if (!out) {
    out = gzipSync(body);
    gzipCache.set(body, out);
  }
  return out;
}

export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export interface Body {
  body: Buffer;
  contentType: string;
  compressible: boolean;
  html: boolean;
}

/** Writes a full response; HEAD gets the same headers without the body. */
export function send(req: IncomingMessage, res: ServerResponse, status: number, content: Body, headers: OutgoingHttpHeaders = {}): void {
  const out: OutgoingHttpHeaders = { 'Content-Type': content.contentType, 'X-Content-Type-Options': 'nosniff', ...headers };
  if (content.html) {
    out['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
    out['Referrer-Policy'] = 'same-origin';
  }
  let body = content.body;
  if (content.compressible) {
    out['Vary'] = 'Accept-Encoding';
    if (acceptsGzip(req) && body.length > 0) {
      body = gzipped(body);
      out['Content-Encoding'] = 'gzip';
    }
  }
  out['Content-Length'] = body.length;
  res.writeHead(status, out);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function etagMatches(header: string, etag: string): boolean {
  // Weak comparison, as RFC 9110 prescribes for If-None-Match.
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

function notModified(req: IncomingMessage, asset: Asset): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, asset.etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Date.parse(asset.lastModified) <= since;
}

/** Serves a cacheable asset with validators, answering conditional requests with 304. */
export function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const validators: OutgoingHttpHeaders = {
    ETag: asset.etag,
    'Last-Modified': asset.lastModified,
    'Cache-Control': REVALIDATE,
  };
  if (notModified(req, asset)) {
    if (asset.compressible) validators['Vary'] = 'Accept-Encoding';
    res.writeHead(304, validators);
    res.end();
    return;
  }
  send(req, res, 200, asset, validators);
}

export function redirect(res: ServerResponse, status: 302 | 303, location: string, headers: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { Location: location, 'Content-Length': 0, 'Cache-Control': NO_STORE, ...headers });
  res.end();
}

export function plain(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: OutgoingHttpHeaders = {}): void {
  send(req, res, status, { body: Buffer.from(text + '\n'), contentType: 'text/plain; charset=utf-8', compressible: false, html: false }, {
    'Cache-Control': NO_STORE,
    ...headers,
  });
}
