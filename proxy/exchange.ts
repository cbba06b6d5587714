/**
 * One HTTP exchange through the proxy: forward the request, stream the
 * response back, capture it, and, for HTML documents only, inject the
 * recorder. Everything that is not a document streams through untouched.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { ENDPOINT_ATTRIBUTE, EVENTS_PATH, TOKEN_ATTRIBUTE } from '../recorder/protocol';
import type { CapturedResource } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { CaptureTap, type CaptureWriter, type ExchangeMeta } from './capture';
import { adjustPolicy, findScriptNonce, type CspTarget } from './csp';
import { isBrowserNoise } from './browser-noise';
import { flatten, headerValue, responseHeaderPairs, upstreamRequestHeaders } from './http-headers';
import { HeadInjector, HeadRewriter } from './inject';
import { RecorderEndpoint } from './recorder-endpoint';
import type { SessionTracker } from './sessions';
import { errorPage } from './error-page';

export interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Path and query, origin-form. */
  path: string;
}

export interface ExchangeContext {
  store: VerbatimStore;
  sessions: SessionTracker;
  endpoint: RecorderEndpoint;
  captures: CaptureWriter;
  agents: { http: http.Agent; https: https.Agent };
  captureMaxBytes: number;
  upstreamTimeoutMs: number;
  /** Name resolution for upstream hosts (default: the system resolver). */
  lookup?: import('node:net').LookupFunction;
  onError: (err: unknown, context: string) => void;
}

const DOCUMENT_DESTINATIONS = new Set(['document', 'iframe', 'frame', 'embed', 'object']);
const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};
const ENCODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGzip({ level: 6 }),
  'x-gzip': () => zlib.createGzip({ level: 6 }),
  deflate: () => zlib.createDeflate({ level: 6 }),
  br: () => zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
};

export function originOf(target: Target): string {
  const defaultPort = target.protocol === 'https:' ? 443 : 80;
  return `${target.protocol}//${target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname}${target.port === defaultPort ? '' : `:${target.port}`}`;
}

export function handleExchange(ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, target: Target): void {
  const startedAt = Date.now();
  const pathOnly = target.path.split('?', 1)[0];
  if (RecorderEndpoint.isReserved(pathOnly)) {
    const sessionId = ctx.sessions.fromRequest(req);
    if (sessionId) ctx.sessions.touch(sessionId);
    return ctx.endpoint.handle(req, res, pathOnly);
  }

  const origin = originOf(target);
  const url = origin + target.path;
  const destination = req.headers['sec-fetch-dest'] as string | undefined;
  const isDocument = req.method === 'GET' && (destination ? DOCUMENT_DESTINATIONS.has(destination)
    : String(req.headers.accept ?? '').includes('text/html'));
  const capture = !isBrowserNoise(target.hostname, req.headers);
  const sessionId = ctx.sessions.fromRequest(req);
  const headers = upstreamRequestHeaders(req.headers);

  const forward = (previous?: CapturedResource) => {
    const meta: ExchangeMeta = {
      sessionId, method: req.method ?? 'GET', url, status: 0, headers: [], destination, startedAt, headersAt: 0,
    };
    const transport = target.protocol === 'https:' ? https : http;
    const upstream = transport.request({
      hostname: target.hostname,
      port: target.port,
      path: target.path,
      method: req.method,
      headers,
      agent: target.protocol === 'https:' ? ctx.agents.https : ctx.agents.http,
      lookup: ctx.lookup,
      servername: target.protocol === 'https:' && !isIp(target.hostname) ? target.hostname : undefined,
    } as https.RequestOptions);
    upstream.setTimeout(ctx.upstreamTimeoutMs, () => upstream.destroy(new Error(`no response within ${ctx.upstreamTimeoutMs} ms`)));
    upstream.on('response', (upRes) => {
      meta.headersAt = Date.now();
      meta.status = upRes.statusCode ?? 502;
      meta.statusText = upRes.statusMessage;
      meta.headers = responseHeaderPairs(upRes.rawHeaders);
      if (meta.status === 304 && previous && capture) ctx.captures.recordRevalidation(meta, previous);
      const contentType = headerValue(meta.headers, 'content-type') ?? '';
      if (isDocument && hasBody(req.method, meta.status) && /^\s*(text\/html|application\/xhtml\+xml)/i.test(contentType)) {
        void respondWithInjection(ctx, req, res, upRes, meta, target, origin, capture);
      } else {
        respondPassthrough(ctx, res, upRes, meta, capture && meta.status !== 304);
      }
    });
    upstream.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      const page = errorPage(url, err);
      res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'cache-control': 'no-store', 'x-verbatim-error': 'UPSTREAM_FAILED' });
      res.end(page);
      if (capture) {
        meta.status = 502;
        meta.headersAt = Date.now();
        meta.headers = [['content-type', 'text/html; charset=utf-8'], ['x-verbatim-error', 'UPSTREAM_FAILED']];
        const tap = new CaptureTap(ctx.captureMaxBytes);
        tap.write(page);
        ctx.captures.record(meta, tap);
      }
    });
    res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
    req.pipe(upstream);
  };

  // Documents are always fetched whole: a 304 would let the browser reuse a copy
  // injected for an older session. Other revalidations keep their 304 only when
  // the store already holds the body to stand in for it.
  const conditional = headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
  if (conditional && (isDocument || !capture)) {
    if (isDocument) dropConditionals(headers);
    forward();
  } else if (conditional) {
    ctx.store.latestCapture(url).then((previous) => {
      if (!previous?.body || previous.body.truncated) { dropConditionals(headers); forward(); } else forward(previous);
    }, () => { dropConditionals(headers); forward(); });
  } else {
    forward();
  }
}

function respondPassthrough(ctx: ExchangeContext, res: ServerResponse, upRes: IncomingMessage, meta: ExchangeMeta, capture: boolean): void {
  res.writeHead(meta.status, meta.statusText, flatten(meta.headers));
  if (!capture) {
    upRes.pipe(res);
    return;
  }
  const tap = new CaptureTap(ctx.captureMaxBytes);
  upRes.on('data', (chunk: Buffer) => tap.write(chunk));
  upRes.on('end', () => ctx.captures.record(meta, hasBody(meta.method, meta.status) ? tap : null));
  upRes.pipe(res);
}

async function respondWithInjection(
  ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, upRes: IncomingMessage,
  meta: ExchangeMeta, target: Target, origin: string, capture: boolean,
): Promise<void> {
  const encoding = (headerValue(meta.headers, 'content-encoding') ?? '').trim().toLowerCase();
  const contentType = headerValue(meta.headers, 'content-type') ?? '';
  const injectable = (!encoding || encoding === 'identity' || DECODERS[encoding]) && !/charset\s*=\s*"?utf-16/i.test(contentType);
  let tap: CaptureTap | null = null;
  if (capture) {
    tap = new CaptureTap(ctx.captureMaxBytes);
    upRes.on('data', (chunk: Buffer) => tap!.write(chunk));
  }
  upRes.pause();

  let session;
  try {
    session = await ctx.sessions.forDocument(req, req.socket.remoteAddress);
  } catch (err) {
    // The store cannot open a session: serve the page untouched rather than break it.
    ctx.onError(err, 'session start');
    if (tap) upRes.once('end', () => ctx.captures.record(meta, tap));
    return respondPassthrough(ctx, res, upRes, meta, false);
  }
  meta.sessionId = session.sessionId;
  if (tap) upRes.once('end', () => ctx.captures.record(meta, tap));
  if (!injectable) {
    return respondPassthrough(ctx, res, upRes, meta, false);
  }

  const scriptUrl = origin + ctx.endpoint.scriptPath;
  const cspTarget: CspTarget = { scriptUrl, endpointUrl: origin + EVENTS_PATH, origin };
  const policyHeaders = meta.headers.filter(([n]) => n === 'content-security-policy' || n === 'content-security-policy-report-only');
  // Our tag carries a nonce only when some policy restricts scripts (header or <meta>);
  // the site's own nonce is reused when it has one.
  let nonce = findScriptNonce(policyHeaders.map(([, v]) => v));
  const nonceNow = () => (nonce ??= randomBytes(12).toString('base64'));
  const rewrite = (policy: string) => adjustPolicy(policy, cspTarget, nonceNow()).policy;
  const outHeaders: [string, string][] = [];
  for (const [name, value] of meta.headers) {
    if (name === 'content-length' || name === 'content-md5') continue;
    if (name === 'content-security-policy' || name === 'content-security-policy-report-only') {
      outHeaders.push([name, rewrite(value)]);
    } else outHeaders.push([name, value]);
  }
  outHeaders.push(['set-cookie', ctx.sessions.cookieFor(session.token, target.protocol === 'https:')]);
  const tag = () => `<script src="${ctx.endpoint.scriptPath}" ${TOKEN_ATTRIBUTE}="${session.token}" ${ENDPOINT_ATTRIBUTE}="${EVENTS_PATH}"${nonce ? ` nonce="${nonce}"` : ''}></script>`;
  const originalLength = Number(headerValue(meta.headers, 'content-length'));
  const identity = !encoding || encoding === 'identity';

  const sendHead = (delta: number) => {
    // Headers go out only now, so an identity body keeps an exact Content-Length.
    if (identity && Number.isFinite(originalLength)) outHeaders.push(['content-length', String(originalLength + delta)]);
    res.writeHead(meta.status, meta.statusText, flatten(outHeaders));
  };
  if (identity) {
    // No stream stage for the common case: hold the head, send it rewritten, then pipe the rest.
    const rewriter = new HeadRewriter(tag, rewrite);
    const release = (out: Buffer[], ended: boolean) => {
      upRes.off('data', onData);
      upRes.off('end', onEnd);
      sendHead(rewriter.delta);
      if (ended) return void res.end(out.length === 1 ? out[0] : Buffer.concat(out));
      for (const b of out) res.write(b);
      upRes.pipe(res);
    };
    const onData = (chunk: Buffer) => {
      const out = rewriter.feed(chunk);
      if (out) release(out, false);
    };
    const onEnd = () => release(rewriter.finish(), true);
    upRes.on('data', onData);
    upRes.on('end', onEnd);
  } else {
    const fail = (err: Error) => {
      ctx.onError(err, 'html injection');
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Verbatim could not process this page');
      } else res.destroy();
      upRes.destroy();
    };
    let stream: NodeJS.ReadableStream = upRes;
    for (const stage of [DECODERS[encoding](), new HeadInjector(tag, rewrite, sendHead), ENCODERS[encoding]()]) {
      stage.on('error', fail);
      stream = stream.pipe(stage);
    }
    stream.pipe(res);
  }
  upRes.on('aborted', () => res.destroy());
  upRes.resume();
}

function hasBody(method: string | undefined, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);
}

function dropConditionals(headers: http.OutgoingHttpHeaders): void {
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
