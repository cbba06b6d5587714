/**
 * The kiosk collector: where the browser extension uploads. Everything goes through the ingest pipeline
 * (ingest/pipeline.ts), exactly like the proxy's and the gateway's traffic: events, page URLs and titles, context,
 * capture URLs, headers and bodies are masked before anything is written.
 *   POST /collect/v1/sessions        create or continue a kiosk session (channel 'kiosk', terminal id)
 *   POST /collect/v1/events          one RecorderUpload (token = session id); idempotent by (session, page, seq)
 *   POST /collect/v1/blobs/missing   {digests} → {missing}: the client uploads only those
 *   PUT  /collect/v1/blobs/<digest>  raw bytes; the SHA-256 must match the path (400 otherwise)
 *   POST /collect/v1/captures        {sessionId, captures}: CapturedResource records over uploaded blobs
 *   POST /collect/v1/status          the terminal's queue and last upload error (status-route.ts)
 * Every request carries `Authorization: Bearer <terminal token>`. Every refusal is a 4xx with a reason; nothing
 * from the body is logged. Captures a terminal uploads stay in its own session unless the store already holds a
 * shared capture of the same URL with the same bytes: a terminal can never plant content in other replays.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COLLECT_PATHS, MAX_UPLOAD_BYTES, PERSONAL_BODY_HEADER } from '../../recorder/protocol';
import { VerbatimError } from '../../store/errors';
import type { Session } from '../../store/records';
import type { IngestPipeline } from '../ingest/pipeline';
import { LruMap } from '../../store/lru-map';
import { readBody, readJson, sendJson } from './body';
import { DIGEST, validateCapture } from './captures';
import { CollectorStatusRoute } from './status-route';
import type { TerminalRegistry } from './terminals';

const SESSION_ID = /^[A-Za-z0-9_-]{8,128}$/;
const JSON_LIMIT = 1024 * 1024;
const MAX_DIGESTS = 2000;
const MAX_CAPTURES = 500;

export interface CollectorOptions {
  terminals: TerminalRegistry;
  /** Largest blob accepted (default 32 MiB). */
  maxBlobBytes?: number;
}

export class CollectorRoutes {
  private readonly maxBlobBytes: number;
  /**
   * The digest an uploaded body is stored under, by the digest the terminal knows it by (they differ when masking
   * changed it). Lost at restart: the terminal then finds the body missing and uploads it again.
   */
  private readonly stored = new LruMap<string, string>(20_000);
  private readonly status: CollectorStatusRoute;

  constructor(private readonly ingest: IngestPipeline, private readonly opts: CollectorOptions) {
    this.maxBlobBytes = opts.maxBlobBytes ?? 32 * 1024 * 1024;
    this.status = new CollectorStatusRoute(opts.terminals);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // The status report authenticates itself: a refused token still notes the terminal it names (status-route.ts).
    if (path === COLLECT_PATHS.status) return this.status.handle(req, res);
    const terminal = await this.authenticate(req);
    const method = req.method ?? 'GET';
    if (path === COLLECT_PATHS.sessions && method === 'POST') return this.session(req, res, terminal);
    if (path === COLLECT_PATHS.events && method === 'POST') return this.events(req, res, terminal);
    if (path === COLLECT_PATHS.blobsMissing && method === 'POST') return this.missing(req, res);
    if (path.startsWith(COLLECT_PATHS.blobs) && method === 'PUT') return this.blob(req, res, path.slice(COLLECT_PATHS.blobs.length), terminal);
    if (path === COLLECT_PATHS.captures && method === 'POST') return this.captures(req, res, terminal);
    throw new VerbatimError('NOT_FOUND', 'No such collector endpoint or method');
  }

  private async authenticate(req: IncomingMessage): Promise<string> {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new VerbatimError('UNAUTHORIZED', 'Authorization: Bearer <terminal token> required');
    const terminal = await this.opts.terminals.verify(m[1]!);
    if (!terminal) throw new VerbatimError('UNAUTHORIZED', 'unknown or revoked terminal token');
    return terminal;
  }

  /** The session, which must be a kiosk session of this terminal. */
  private async owned(sessionId: unknown, terminal: string): Promise<Session> {
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
      throw new VerbatimError('PAYLOAD_INVALID', 'session id must be 8-128 characters [A-Za-z0-9_-]');
    }
    await this.ingest.ready(sessionId);
    const session = await this.ingest.store.getSession(sessionId);
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session: create it first');
    if (session.channel !== 'kiosk' || session.terminalId !== terminal) {
      throw new VerbatimError('SESSION_FORGED', 'session belongs to another terminal');
    }
    return session;
  }

  private async session(req: IncomingMessage, res: ServerResponse, terminal: string): Promise<void> {
    const body = await readJson(req, JSON_LIMIT);
    const { id, startedAt, userAgent, viewport } = body;
    if (typeof id !== 'string' || !SESSION_ID.test(id)) throw new VerbatimError('PAYLOAD_INVALID', 'id must be 8-128 characters [A-Za-z0-9_-]');
    if (typeof startedAt !== 'number' || !Number.isFinite(startedAt) || startedAt < 0) throw new VerbatimError('PAYLOAD_INVALID', 'startedAt must be epoch ms');
    if (userAgent !== undefined && (typeof userAgent !== 'string' || userAgent.length > 1024)) throw new VerbatimError('PAYLOAD_INVALID', 'userAgent must be a string');
    if (await this.ingest.store.getSession(id)) {
      // Continuing (a retry after a lost answer, or a restarted service worker).
      const session = await this.owned(id, terminal);
      sendJson(res, 200, { id: session.id, created: false });
      return;
    }
    const vp = viewport as { width?: unknown; height?: unknown } | undefined;
    await this.ingest.startSession({
      id, channel: 'kiosk', terminalId: terminal, startedAt,
      ...(typeof userAgent === 'string' ? { userAgent } : {}),
      ...(vp && Number.isInteger(vp.width) && Number.isInteger(vp.height) ? { viewport: { width: vp.width as number, height: vp.height as number } } : {}),
    });
    sendJson(res, 201, { id, created: true });
  }

  private async events(req: IncomingMessage, res: ServerResponse, terminal: string): Promise<void> {
    const raw = await readBody(req, MAX_UPLOAD_BYTES);
    const upload = this.ingest.parseUpload(raw);
    const session = await this.owned(upload.token, terminal);
    const userAgent = req.headers['user-agent'];
    const updated = await this.ingest.appendUpload(upload, { sessionId: session.id, ...(userAgent ? { userAgent } : {}) }, raw);
    sendJson(res, 200, { eventCount: updated.eventCount });
  }

  private async missing(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { digests } = await readJson(req, JSON_LIMIT);
    if (!Array.isArray(digests) || digests.length > MAX_DIGESTS || !digests.every((d) => typeof d === 'string' && DIGEST.test(d))) {
      throw new VerbatimError('PAYLOAD_INVALID', `digests must be an array of at most ${MAX_DIGESTS} lower-case hex SHA-256`);
    }
    const unique = [...new Set(digests as string[])];
    const stored = await Promise.all(unique.map((d) => this.ingest.store.hasBlob(this.stored.get(d) ?? d)));
    sendJson(res, 200, { missing: unique.filter((_, i) => !stored[i]) });
  }

  private async blob(req: IncomingMessage, res: ServerResponse, digest: string, terminal: string): Promise<void> {
    if (!DIGEST.test(digest)) throw new VerbatimError('PAYLOAD_INVALID', 'path must end in a lower-case hex SHA-256');
    // A personal body (store/personal-data.ts) names its session: it is sealed with that session's key, never shared.
    const owner = req.headers[PERSONAL_BODY_HEADER];
    const sessionId = owner === undefined ? undefined : (await this.owned(owner, terminal)).id;
    const bytes = await readBody(req, this.maxBlobBytes);
    if (createHash('sha256').update(bytes).digest('hex') !== digest) {
      throw new VerbatimError('PAYLOAD_INVALID', 'body does not match its digest');
    }
    const kept = await this.ingest.uploadedBody(bytes, {
      contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
      ...(typeof req.headers['content-encoding'] === 'string' ? { encoding: req.headers['content-encoding'] } : {}),
      ...(sessionId ? { sessionId } : {}),
    });
    if (!kept) throw new VerbatimError('PAYLOAD_INVALID', 'the body could not be checked for secrets, so it was not kept');
    this.stored.set(sessionId ? `${sessionId}/${digest}` : digest, kept.digest);
    sendJson(res, 201, { digest, size: bytes.length, ...(kept.body.masked ? { masked: true } : {}) });
  }

  private async captures(req: IncomingMessage, res: ServerResponse, terminal: string): Promise<void> {
    const body = await readJson(req, JSON_LIMIT);
    const session = await this.owned(body.sessionId, terminal);
    if (!Array.isArray(body.captures) || body.captures.length > MAX_CAPTURES) {
      throw new VerbatimError('PAYLOAD_INVALID', `captures must be an array of at most ${MAX_CAPTURES}`);
    }
    const captures = body.captures.map((c, i) => validateCapture(c, session.id, i));
    for (const c of captures) {
      if (!c.body) continue;
      // The body as stored: masking may have changed its bytes and so its digest.
      const digest = this.stored.get(`${session.id}/${c.body.digest}`) ?? this.stored.get(c.body.digest) ?? c.body.digest;
      if (!(await this.ingest.store.hasBlob(digest, session.id))) {
        throw new VerbatimError('PAYLOAD_INVALID', 'a capture references a blob that was not uploaded', { digest: c.body.digest });
      }
      if (digest !== c.body.digest) c.body = { ...c.body, digest, encoding: '', masked: true };
    }
    // Same id, URL and time → same keys, so a resent capture overwrites itself.
    for (const c of captures) await this.ingest.uploadedCapture(c);
    sendJson(res, 200, { stored: captures.length });
  }
}
