/**
 * Answers the reserved `/__verbatim/` paths on every origin the proxy serves:
 * the recorder bundle (immutable, content-hashed) and the event uploads.
 * Uploads are validated whole before anything is written; one bad upload never
 * affects another session.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { EVENTS_PATH, LIVE_FLUSH_HEADER, LIVE_FLUSH_MS, RECORDER_PATH_PREFIX, RESERVED_PREFIX } from '../recorder/protocol';
import { VerbatimError, isVerbatimError } from '../store/errors';
import type { IngestPipeline } from './ingest/pipeline';
import type { SessionTokens } from './session-tokens';

export interface RecorderEndpointOptions {
  /** Every upload is checked, masked and stored by the ingest pipeline, whatever the recorder did in the page. */
  ingest: IngestPipeline;
  tokens: SessionTokens;
  recorderScript: Buffer;
  maxUploadBytes: number;
  onError: (err: unknown, context: string) => void;
  /** Told about each stored upload's events (sessions.ts: interaction keeps a session alive). */
  onStored?: (sessionId: string, events: readonly unknown[]) => void;
  /** Whether an agent watches the session live: the answer then tells the recorder to upload more often. */
  liveWatched?: (sessionId: string) => boolean;
  /** How long an upload waits for the store before it is answered 503 STORE_SLOW (default UPLOAD_ANSWER_MS). */
  answerWithinMs?: number;
}

/**
 * An upload is answered within this time whatever the store does. The browser shares its few connections per host
 * (6 in Chromium) between the recorder's uploads and the page's own requests: uploads held by a store that stopped
 * answering (a frozen object store) would hold those connections and stall the site's next page. The recorder
 * resends a 503, and a resend of an upload that landed meanwhile is ignored (same page and seq).
 */
export const UPLOAD_ANSWER_MS = 1_500;

export class RecorderEndpoint {
  /** Path of the bundle, e.g. /__verbatim/recorder-3f2a9c1b.js */
  readonly scriptPath: string;
  private readonly script: Buffer;
  private readonly scriptGzip: Buffer;
  private readonly scriptEtag: string;
  private readonly knownSessions = new Set<string>();
  /** Uploads being read, masked or stored (idle() waits for them). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: RecorderEndpointOptions) {
    const hash = createHash('sha256').update(options.recorderScript).digest('hex').slice(0, 16);
    this.scriptPath = `${RECORDER_PATH_PREFIX}${hash}.js`;
    this.script = options.recorderScript;
    this.scriptGzip = gzipSync(options.recorderScript, { level: 9 });
    this.scriptEtag = `"${hash}"`;
  }

  static isReserved(path: string): boolean {
    return path.startsWith(RESERVED_PREFIX);
  }

  /** Handles a request whose path is reserved; `origin` is the one it arrived on (`scheme://host[:port]`). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, origin: string, clientIp?: string): void {
    if (path === this.scriptPath && (req.method === 'GET' || req.method === 'HEAD')) return this.serveScript(req, res);
    if (path === EVENTS_PATH) {
      if (req.method !== 'POST') return sendError(res, new VerbatimError('BAD_REQUEST', 'use POST for uploads'), 405);
      const upload = this.receive(req, res, origin, clientIp ?? req.socket.remoteAddress);
      this.inFlight.add(upload);
      void upload.finally(() => this.inFlight.delete(upload));
      return;
    }
    sendError(res, new VerbatimError('NOT_FOUND', 'no such Verbatim path'));
  }

  /**
   * Waits for `work` at most the answer time; past it, throws STORE_SLOW and lets the work finish unwatched (still
   * tracked for idle(): a clean stop waits for it). Counted in the ingest stats as answered late.
   */
  private async withinAnswerTime(work: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), this.options.answerWithinMs ?? UPLOAD_ANSWER_MS); });
    try {
      if (await Promise.race([work, late]) !== 'late') return;
    } finally {
      clearTimeout(timer);
    }
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    this.options.ingest.stats.uploadsAnsweredLate += 1;
    throw new VerbatimError('STORE_SLOW', 'the store did not acknowledge the upload in time; resend it', {});
  }

  /** Resolves once every upload received so far is stored or refused. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private serveScript(req: IncomingMessage, res: ServerResponse): void {
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? this.scriptGzip : this.script;
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': body.length,
      'cache-control': 'public, max-age=31536000, immutable',
      etag: this.scriptEtag,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async receive(req: IncomingMessage, res: ServerResponse, origin: string, clientIp: string | undefined): Promise<void> {
    try {
      // Uploads are bound to the origin they arrive on: the page token is signed for this origin, and a page
      // of another site cannot post here (its browser names its origin; an opaque "null" one is left to the
      // token). Host names are compared, not schemes: a gateway whose load balancer does not pass on
      // X-Forwarded-Proto must not lose every recording over it.
      if (!sameHost(req.headers.origin, origin)) {
        throw new VerbatimError('SESSION_FORGED', 'upload from another site', { origin });
      }
      const body = await readBody(req, this.options.maxUploadBytes);
      const { ingest } = this.options;
      const upload = ingest.parseUpload(body);
      const sessionId = this.options.tokens.requirePageSession(upload.token, origin);
      const store = async (): Promise<void> => {
        if (!this.knownSessions.has(sessionId)) {
          await ingest.requireSession(sessionId);
          this.knownSessions.add(sessionId);
          if (this.knownSessions.size > 50_000) this.knownSessions.delete(this.knownSessions.values().next().value!);
        }
        const userAgent = req.headers['user-agent'];
        await ingest.appendUpload(upload, { sessionId, ...(clientIp ? { clientIp } : {}), ...(userAgent ? { userAgent } : {}) }, body);
        this.options.onStored?.(sessionId, upload.events);
      };
      await this.withinAnswerTime(store());
      res.writeHead(204, { 'cache-control': 'no-store', ...(this.options.liveWatched?.(sessionId) ? { [LIVE_FLUSH_HEADER]: String(LIVE_FLUSH_MS) } : {}) });
      res.end();
    } catch (err) {
      if (!isVerbatimError(err) || err.status >= 500) this.options.onError(err, 'recorder upload');
      sendError(res, err);
      // Node discards the unread rest of a refused body so the connection stays usable;
      // a client that keeps streaming past that is cut off.
      if (!req.complete) res.on('finish', () => setTimeout(() => req.destroy(), 5_000).unref());
    }
  }
}

/** Whether an upload's Origin header (absent and "null" pass) names the host it arrived on. */
function sameHost(from: string | string[] | undefined, origin: string): boolean {
  if (typeof from !== 'string' || from === 'null') return true;
  try {
    return new URL(from).hostname === new URL(origin).hostname;
  } catch {
    return false;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    return Promise.reject(new VerbatimError('PAYLOAD_TOO_LARGE', `upload exceeds ${limit} bytes`, { declared }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new VerbatimError('PAYLOAD_TOO_LARGE', `upload exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

export function sendError(res: ServerResponse, err: unknown, statusOverride?: number): void {
  const known = isVerbatimError(err);
  const status = statusOverride ?? (known ? err.status : 500);
  const body = JSON.stringify({ error: { code: known ? err.code : 'INTERNAL', message: known ? err.message : 'internal error' } });
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
