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
import { BOOTSTRAP_SCRIPT } from '../recorder/bootstrap';
import { ENDPOINT_ATTRIBUTE, EVENTS_PATH, FRAME_PARENTS_ATTRIBUTE, MASKING_ATTRIBUTE, RECORDER_SRC_ATTRIBUTE, TOKEN_ATTRIBUTE } from '../recorder/protocol';
import type { CaptureIncomplete, CapturedResource } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { CaptureTap, type CaptureWriter, type ExchangeMeta } from './capture';
import type { IngestPipeline } from './ingest/pipeline';
import { isBrowserPageLoad } from './browser-page-load';
import { adjustPolicy, findScriptNonce, type CspTarget } from './csp';
import { isBrowserNoise } from './browser-noise';
import { flatten, headerValue, responseHeaderPairs, upstreamRequestHeaders } from './http-headers';
import { HeadInjector, HeadRewriter } from './inject';
import { RecorderEndpoint } from './recorder-endpoint';
import type { SessionTracker } from './sessions';
import { errorPage, refusalPage } from './error-page';
import type { TargetPolicy } from './target-policy';
import type { NetworkLimits } from './network-limits';
import { rewriteSmallDocument, takesSmallDocumentPath } from './small-document';
import { retriableOnStaleConnection } from './upstream-agents';

export interface Target {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
  /** Path and query, origin-form. */
  path: string;
}

export interface ExchangeContext {
  store: VerbatimStore;
  /** The one ingest path (ingest/pipeline.ts). */
  ingest: IngestPipeline;
  /** Whether this context made its pipeline (and so closes it). */
  ownsIngest: boolean;
  sessions: SessionTracker;
  endpoint: RecorderEndpoint;
  captures: CaptureWriter;
  agents: { http: http.Agent; https: https.Agent };
  captureMaxBytes: number;
  /** The policy's in-page part (JSON), put on the recorder's script tag. */
  recorderMasking?: string;
  /** Timeouts and header sizes (network-limits.ts). */
  limits: NetworkLimits;
  /** Origins forwarded untouched: never injected, never captured (Verbatim's own viewer). */
  passOrigins: Set<string>;
  /** Name resolution for upstream hosts (default: the system resolver), unchecked: see connectLookup. */
  lookup?: import('node:net').LookupFunction;
  /** The forward proxy's rules for where it may connect (target-policy.ts); the gateway has none. */
  targets?: TargetPolicy;
  onError: (err: unknown, context: string) => void;
  /** Set when upstreams that offer h2 are spoken to over HTTP/2 (http2-upstream.ts). */
  http2?: import('./http2-upstream').Http2Upstreams;
  /** Client address for a new session (the gateway reads trusted X-Forwarded-For); default: the socket peer. */
  clientIp?: (req: IncomingMessage) => string | undefined;
}

/**
 * Set by the gateway: `target` is then the public URL the browser sees (what is
 * recorded and captured) and the request is sent to `upstream` instead.
 */
export interface UpstreamHop {
  upstream: Target;
  /** Adjusts the headers sent upstream (Host, X-Forwarded-*). */
  requestHeaders(headers: http.OutgoingHttpHeaders): void;
  /** Adjusts response headers before they are captured and sent (Location pointing at the origin). */
  responseHeaders(pairs: [string, string][]): [string, string][];
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

/** Who the browser is for session purposes: its address (the gateway's trusted X-Forwarded-For). */
export function clientOf(ctx: ExchangeContext, req: IncomingMessage): string | undefined {
  return ctx.clientIp ? ctx.clientIp(req) : req.socket.remoteAddress;
}

/** The lookup for a connection to `port`: through the target policy when there is one. */
export function connectLookup(ctx: ExchangeContext, port: number): import('node:net').LookupFunction | undefined {
  return ctx.targets ? ctx.targets.lookupFor(port) : ctx.lookup;
}

export function originOf(target: Target): string {
  const defaultPort = target.protocol === 'https:' ? 443 : 80;
  return `${target.protocol}//${target.hostname.includes(':') ? `[${target.hostname}]` : target.hostname}${target.port === defaultPort ? '' : `:${target.port}`}`;
}

export function handleExchange(ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, target: Target, hop?: UpstreamHop): void {
  const startedAt = Date.now();
  const pathOnly = target.path.split('?', 1)[0];
  if (RecorderEndpoint.isReserved(pathOnly)) {
    // Uploads carry their own page token, bound to this origin; whether they keep the session alive is sessions.ts's.
    return ctx.endpoint.handle(req, res, pathOnly, originOf(target), ctx.clientIp ? ctx.clientIp(req) : undefined);
  }

  const origin = originOf(target);
  // Verbatim's own viewer passes untouched only for a browser on this machine (it could open it directly);
  // anyone else meets the target policy, which never reaches Verbatim's own listeners.
  if (ctx.passOrigins.has(origin) && (!ctx.targets || isLoopbackPeer(req))) return forwardUntouched(ctx, req, res, target, origin);
  const url = origin + target.path;
  const destination = req.headers['sec-fetch-dest'] as string | undefined;
  // A navigation a service worker passes on (`fetch(e.request)`) arrives as `Sec-Fetch-Dest: empty` with its mode
  // kept (Chromium 156): it is still the page's document, and needs the recorder.
  const isDocument = req.method === 'GET' && (destination ? DOCUMENT_DESTINATIONS.has(destination) || req.headers['sec-fetch-mode'] === 'navigate'
    : String(req.headers.accept ?? '').includes('text/html'));
  const capture = !isBrowserNoise(target.hostname, req.headers);
  // Not awaited: a cookie of before a restart is resolved against the store beside the request (sessions.ts).
  // A request to another site carries no session cookie: the session of the page that made it (sessions.ts).
  const session = ctx.sessions.forCapture(req) ?? (isDocument ? undefined : ctx.sessions.forCrossOrigin(req, clientOf(ctx, req), origin));
  const sessionId = typeof session === 'string' ? session : undefined;
  const sessionLater = typeof session === 'object' ? session : undefined;
  const headers = upstreamRequestHeaders(req.headers);
  hop?.requestHeaders(headers);
  const to = hop?.upstream ?? target;
  const refused = ctx.targets?.literalRefusal(to.hostname, to.port);
  if (refused) return refuse(res, url, refused);

  let h2: boolean | undefined = ctx.http2 && to.protocol === 'https:' ? undefined : false;
  let current: { destroy(err?: Error): void } | undefined;
  let retried = false;
  res.on('close', () => { if (!res.writableFinished) current?.destroy(); });
  const forward = (previous?: CapturedResource): void => {
    if (h2 === undefined) {
      // Opt-in HTTP/2: the origin's ALPN answer is probed once, then cached.
      void ctx.http2!.supports(to).then((yes) => { h2 = yes; forward(previous); });
      return;
    }
    const meta: ExchangeMeta = {
      sessionId, ...(sessionLater ? { sessionLater } : {}), method: req.method ?? 'GET', url, status: 0, headers: [], destination, startedAt, headersAt: 0,
    };
    const transport = to.protocol === 'https:' ? https : http;
    const upstream = h2 ? ctx.http2!.request(to, req.method ?? 'GET', headers) : transport.request({
      hostname: to.hostname,
      port: to.port,
      path: to.path,
      method: req.method,
      headers,
      agent: to.protocol === 'https:' ? ctx.agents.https : ctx.agents.http,
      lookup: connectLookup(ctx, to.port),
      maxHeaderSize: ctx.limits.maxHeaderBytes,
      servername: to.protocol === 'https:' && !isIp(to.hostname) ? to.hostname : undefined,
    } as https.RequestOptions);
    current = upstream;
    let answered = false;
    let timedOut = false;
    const upstreamMs = ctx.limits.upstreamTimeoutMs;
    upstream.setTimeout(upstreamMs, () => {
      timedOut = true;
      upstream.destroy(Object.assign(new Error(`no response within ${upstreamMs} ms`), { code: 'UPSTREAM_TIMEOUT' }));
    });
    upstream.on('response', (upRes) => {
      answered = true;
      meta.headersAt = Date.now();
      meta.status = upRes.statusCode ?? 502;
      meta.statusText = upRes.statusMessage;
      meta.headers = responseHeaderPairs(upRes.rawHeaders);
      if (hop) meta.headers = hop.responseHeaders(meta.headers);
      if (meta.status === 304 && previous && capture) ctx.captures.recordRevalidation(meta, previous);
      const contentType = headerValue(meta.headers, 'content-type') ?? '';
      const cut = () => (timedOut ? 'upstream-timeout' : 'upstream-aborted');
      const page = isDocument && injectable(meta, contentType);
      if (page && isBrowserPageLoad(req)) {
        void respondWithInjection(ctx, req, res, upRes, meta, target, origin, capture, cut);
      } else {
        if (page) ctx.ingest.stats.notBrowserPages += 1;
        respondPassthrough(ctx, res, upRes, meta, capture && meta.status !== 304, cut);
      }
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // The server closed a pooled connection just as it was reused: send once more on a new one.
      if (!h2 && !answered && !retried && !res.headersSent && retriableOnStaleConnection(req, upstream as http.ClientRequest, err)) {
        retried = true;
        return forward(previous);
      }
      // Once the response is under way, watchBody passes the cut on and records it.
      if (answered) return;
      if (res.headersSent) return void res.destroy();
      if (err.code === 'TARGET_REFUSED') return refuse(res, url, err.message);
      // A site that does not answer in time is a 504, one that cannot be reached a 502.
      const [status, code] = timedOut ? [504, 'UPSTREAM_TIMEOUT'] : [502, 'UPSTREAM_FAILED'];
      const page = errorPage(url, err, status);
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'cache-control': 'no-store', 'x-verbatim-error': code });
      res.end(page);
      if (capture) {
        meta.status = status;
        meta.headersAt = Date.now();
        meta.headers = [['content-type', 'text/html; charset=utf-8'], ['x-verbatim-error', code]];
        const tap = new CaptureTap(ctx.captureMaxBytes);
        tap.write(page);
        ctx.captures.record(meta, tap);
      }
    });
    if (retried) return void upstream.end(); // a retried request has no body (retriableOnStaleConnection)
    if (capture) collectRequestBody(req, meta);
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

/** The forward proxy will not connect there (target-policy.ts): a 403 page that says why; nothing is recorded. */
function refuse(res: ServerResponse, url: string, reason: string): void {
  const page = refusalPage(url, reason);
  res.writeHead(403, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'cache-control': 'no-store', 'x-verbatim-error': 'TARGET_REFUSED' });
  res.end(page);
}

function isLoopbackPeer(req: IncomingMessage): boolean {
  const peer = req.socket.remoteAddress ?? '';
  return peer === '::1' || /^(::ffff:)?127\./.test(peer);
}

/** Plain forwarding for excluded origins: no session, no injection, no capture. */
function forwardUntouched(ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, target: Target, origin: string): void {
  const transport = target.protocol === 'https:' ? https : http;
  const upstream = transport.request({
    hostname: target.hostname, port: target.port, path: target.path, method: req.method,
    headers: upstreamRequestHeaders(req.headers), lookup: ctx.lookup, maxHeaderSize: ctx.limits.maxHeaderBytes,
    agent: target.protocol === 'https:' ? ctx.agents.https : ctx.agents.http,
  }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, flatten(responseHeaderPairs(upRes.rawHeaders)));
    watchBody(upRes, res, () => 'upstream-aborted', () => {});
    upRes.pipe(res);
  });
  upstream.setTimeout(ctx.limits.upstreamTimeoutMs, () => upstream.destroy());
  upstream.on('error', (err) => {
    if (res.headersSent) return void res.destroy();
    const page = errorPage(origin + target.path, err);
    res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.length }).end(page);
  });
  res.on('close', () => { if (!res.writableFinished) upstream.destroy(); });
  req.pipe(upstream);
}

/** Why an upstream body stopped short: it timed out or the upstream cut it. */
type CutReason = () => 'upstream-timeout' | 'upstream-aborted';

function respondPassthrough(ctx: ExchangeContext, res: ServerResponse, upRes: IncomingMessage, meta: ExchangeMeta, capture: boolean, cut: CutReason): void {
  res.writeHead(meta.status, meta.statusText, flatten(meta.headers));
  const tap = capture ? new CaptureTap(ctx.captureMaxBytes) : null;
  if (tap) upRes.on('data', (chunk: Buffer) => tap.write(chunk));
  watchBody(upRes, res, cut, (incomplete) => {
    if (!tap) return;
    if (incomplete) meta.incomplete = incomplete;
    ctx.captures.record(meta, hasBody(meta.method, meta.status) ? tap : null);
  });
  upRes.pipe(res);
}

/**
 * Calls `done` once the upstream body has ended, or with why it did not. An
 * upstream that aborts or goes silent mid-body is passed on to the browser at
 * once (its connection is cut, so it sees an incomplete response instead of
 * waiting for its own timeout); a browser that goes away has already stopped the
 * upstream (handleExchange). Either way what passed is still recorded.
 */
function watchBody(upRes: IncomingMessage, res: ServerResponse, cut: CutReason, done: (incomplete?: CaptureIncomplete) => void): void {
  let settled = false;
  const settle = (incomplete?: CaptureIncomplete) => {
    if (settled) return;
    settled = true;
    done(incomplete);
  };
  upRes.once('end', () => settle());
  upRes.once('close', () => {
    if (settled) return;
    settle({ reason: cut() });
    res.destroy();
  });
  res.once('close', () => {
    if (!res.writableFinished) settle({ reason: 'client-closed' });
  });
}

async function respondWithInjection(
  ctx: ExchangeContext, req: IncomingMessage, res: ServerResponse, upRes: IncomingMessage,
  meta: ExchangeMeta, target: Target, origin: string, capture: boolean, cut: CutReason,
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
  // Recorded once the body ends or is cut off, under the session chosen below.
  watchBody(upRes, res, cut, (incomplete) => {
    if (!tap) return;
    if (incomplete) meta.incomplete = incomplete;
    ctx.captures.record(meta, tap);
  });

  let session;
  try {
    session = await ctx.sessions.forDocument(req, clientOf(ctx, req));
  } catch (err) {
    // The store cannot open a session: serve the page untouched rather than break it.
    ctx.onError(err, 'session start');
    return respondPassthrough(ctx, res, upRes, meta, false, cut);
  }
  // The page's session, not the cookie's resolved later (forCapture): after an outage the cookie may name a session
  // whose record was written meanwhile while the page was handed a new one (full-disk drill, CI).
  meta.sessionId = session.sessionId;
  delete meta.sessionLater;
  // Lets a WebSocket this page opens without the cookie (wss:// from http://, another host) find the session.
  ctx.sessions.noteDocument(clientOf(ctx, req), origin, session.sessionId);
  if (!injectable) {
    return respondPassthrough(ctx, res, upRes, meta, false, cut);
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
  const maskAttr = ctx.recorderMasking ? ` ${MASKING_ATTRIBUTE}="${escapeAttribute(ctx.recorderMasking)}"` : '';
  const parentsAttr = frameParentsAttribute(req, meta.destination);
  // An inline bootstrap, not <script src>: it adds the recorder after `load` (recorder/bootstrap.ts).
  // The page's token is bound to this origin (session-tokens.ts): its uploads are accepted here only.
  const pageToken = ctx.sessions.tokens.pageToken(session.sessionId, origin);
  const tag = () => `<script ${RECORDER_SRC_ATTRIBUTE}="${ctx.endpoint.scriptPath}" ${TOKEN_ATTRIBUTE}="${pageToken}" ${ENDPOINT_ATTRIBUTE}="${EVENTS_PATH}"${maskAttr}${parentsAttr}${nonce ? ` nonce="${nonce}"` : ''}>${BOOTSTRAP_SCRIPT}</script>`;
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
  } else if (takesSmallDocumentPath(encoding, originalLength)) {
    const chunks: Buffer[] = [];
    upRes.on('data', (chunk: Buffer) => chunks.push(chunk));
    upRes.on('end', () => {
      const original = Buffer.concat(chunks);
      // A body that does not decode goes out exactly as it came, without our tag.
      const body = rewriteSmallDocument(original, encoding, tag, rewrite) ?? original;
      outHeaders.push(['content-length', String(body.length)]);
      res.writeHead(meta.status, meta.statusText, flatten(outHeaders));
      res.end(body);
    });
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
  upRes.resume();
}

/** Form and JSON posts are kept (masked later, by the capture writer); anything else is not read. */
const REQUEST_BODY_TYPES = /^\s*(application\/(x-www-form-urlencoded|([\w.+-]*\+)?json)|text\/plain)/i;
const REQUEST_BODY_MAX = 256 * 1024;

function collectRequestBody(req: IncomingMessage, meta: ExchangeMeta): void {
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.method === 'GET' || req.method === 'HEAD' || !REQUEST_BODY_TYPES.test(contentType)) return;
  const tap = new CaptureTap(REQUEST_BODY_MAX);
  req.on('data', (chunk: Buffer) => tap.write(chunk));
  req.once('end', () => {
    const { bytes, truncated } = tap.body();
    if (bytes.length) meta.requestBody = { bytes, contentType, truncated };
  });
}

/**
 * A framed document may hand its events only to the page that framed it (rrweb posts
 * them to '*'): the Referer of a frame request names that page's origin.
 */
function frameParentsAttribute(req: IncomingMessage, destination: string | undefined): string {
  if (destination !== 'iframe' && destination !== 'frame') return '';
  const referer = req.headers.referer;
  if (!referer) return '';
  try {
    const origin = new URL(referer).origin;
    return origin === 'null' ? '' : ` ${FRAME_PARENTS_ATTRIBUTE}="${origin.replace(/"/g, '')}"`;
  } catch {
    return '';
  }
}

/** An HTML page the browser will render: not a download, not a byte range, not bodiless. */
function injectable(meta: ExchangeMeta, contentType: string): boolean {
  if (!hasBody(meta.method, meta.status) || meta.status === 206) return false;
  if (!/^\s*(text\/html|application\/xhtml\+xml)/i.test(contentType)) return false;
  return !/^\s*attachment/i.test(headerValue(meta.headers, 'content-disposition') ?? '');
}

function hasBody(method: string | undefined, status: number): boolean {
  return method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);
}

/** The tag is inserted as latin1 bytes: escape markup and anything outside ASCII. */
function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]|[^\x20-\x7e]/g, (c) => `&#${c.codePointAt(0)};`);
}

function dropConditionals(headers: http.OutgoingHttpHeaders): void {
  delete headers['if-none-match'];
  delete headers['if-modified-since'];
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
