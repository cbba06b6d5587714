/**
 * The kiosk collector: where the browser extension uploads into the same store.
 *   POST /collect/v1/sessions        create or continue a kiosk session (channel 'kiosk', terminal id)
 *   POST /collect/v1/events          one RecorderUpload (token = session id); idempotent by (session, page, seq)
 *   POST /collect/v1/blobs/missing   {digests} → {missing}: the client uploads only those
 *   PUT  /collect/v1/blobs/<digest>  raw bytes; the SHA-256 must match the path (400 otherwise)
 *   POST /collect/v1/captures        {sessionId, captures}: CapturedResource records over uploaded blobs
 * Every request carries `Authorization: Bearer <terminal token>`. Every refusal is
 * a 4xx with a reason; nothing from the body is logged.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COLLECT_PATHS, MAX_UPLOAD_BYTES, PERSONAL_BODY_HEADER } from '../recorder/protocol';
import { parseUpload } from '../recorder/upload-validation';
import { VerbatimError } from '../store/errors';
import type { RecordedEvent, Session } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { parseUserAgent } from '../store/user-agent';
import { readBody, readJson } from './collector-body';
import { DIGEST, validateCapture } from './collector-captures';
import type { TerminalRegistry } from './collector-terminals';
import { sendJson } from './http-responses';

const SESSION_ID = /^[A-Za-z0-9_-]{8,128}$/;
const JSON_LIMIT = 1024 * 1024;
const MAX_DIGESTS = 2000;
const MAX_CAPTURES = 500;
/** Already-compressed media gain nothing from the store's deflate. */
const COMPRESSED = /^(image\/(?!svg)|font\/woff|video\/|audio\/|application\/(zip|gzip|pdf))/i;

export interface CollectorOptions {
  terminals: TerminalRegistry;
  /** Largest blob accepted (default 32 MiB). */
  maxBlobBytes?: number;
  /**
   * Server-side masking of uploaded events before they are written (the CLI passes
   * the proxy's EventMasker, so a modified extension cannot bypass the policy).
   */
  maskEvents?: (sessionId: string, pageId: string, events: RecordedEvent[], raw: string) => RecordedEvent[];
  /**
   * The proxy's masker (proxy/masking/masker.ts, injected by the CLI: the viewer never imports
   * proxy/): page URL and title, user agent, capture URLs and headers, and blob bytes are masked
   * before they are written, as the proxy masks its own. Takes precedence over `maskEvents`.
   */
  masker?: CollectorMasker;
}

/** What the collector needs of the proxy's Masker. */
export interface CollectorMasker {
  events(sessionId: string, pageId: string, events: RecordedEvent[], raw: string): RecordedEvent[];
  url(url: string): string;
  text(text: string): string;
  headers(headers: [string, string][]): [string, string][];
  body(input: { bytes: Buffer; contentType?: string }): Promise<{ kind: 'unchanged' } | { kind: 'masked'; bytes: Buffer; encoding: string } | { kind: 'dropped'; reason: string }>;
}

/** Blobs stored masked: "<owner session or ''>:<digest the terminal knows>" → what was stored (so its captures can name it). */
const MASKED_BLOBS_KEPT = 10_000;

export class CollectorRoutes {
  private readonly maxBlobBytes: number;
  private readonly maskedBlobs = new Map<string, { digest: string; size: number }>();

  constructor(private readonly store: VerbatimStore, private readonly opts: CollectorOptions) {
    this.maxBlobBytes = opts.maxBlobBytes ?? 32 * 1024 * 1024;
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
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
    const session = await this.store.getSession(sessionId);
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
    if (await this.store.getSession(id)) {
      // Continuing (a retry after a lost answer, or a restarted service worker).
      const session = await this.owned(id, terminal);
      await sendJson(req, res, 200, { id: session.id, created: false });
      return;
    }
    const ua = parseUserAgent(userAgent as string | undefined);
    const vp = viewport as { width?: unknown; height?: unknown } | undefined;
    const m = this.opts.masker;
    await this.store.createSession({
      id, channel: 'kiosk', terminalId: terminal, startedAt,
      userAgent: m && typeof userAgent === 'string' ? m.text(userAgent) : userAgent as string | undefined, browser: ua.browser, os: ua.os, deviceType: ua.deviceType,
      viewport: vp && Number.isInteger(vp.width) && Number.isInteger(vp.height)
        ? { width: vp.width as number, height: vp.height as number } : undefined,
    });
    await sendJson(req, res, 201, { id, created: true });
  }

  private async events(req: IncomingMessage, res: ServerResponse, terminal: string): Promise<void> {
    const raw = await readBody(req, MAX_UPLOAD_BYTES);
    const upload = parseUpload(raw);
    await this.owned(upload.token, terminal);
    const m = this.opts.masker;
    const events = m ? m.events(upload.token, upload.page.id, upload.events, raw.toString('utf8'))
      : this.opts.maskEvents ? this.opts.maskEvents(upload.token, upload.page.id, upload.events, raw.toString('utf8')) : upload.events;
    const page = m ? { id: upload.page.id, url: m.url(upload.page.url), ...(upload.page.title !== undefined ? { title: m.text(upload.page.title) } : {}) } : upload.page;
    const session = await this.store.appendEvents({
      sessionId: upload.token, page, seq: upload.seq, viewport: upload.viewport,
      events, receivedAt: Date.now(),
    });
    await sendJson(req, res, 200, { eventCount: session.eventCount });
  }

  private async missing(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { digests } = await readJson(req, JSON_LIMIT);
    if (!Array.isArray(digests) || digests.length > MAX_DIGESTS || !digests.every((d) => typeof d === 'string' && DIGEST.test(d))) {
      throw new VerbatimError('PAYLOAD_INVALID', `digests must be an array of at most ${MAX_DIGESTS} lower-case hex SHA-256`);
    }
    const unique = [...new Set(digests as string[])];
    // A personal blob masked for one session is still missing for another (it is sealed with the first one's key).
    const stored = await Promise.all(unique.map((d) => this.maskedBlobs.has(`:${d}`) || this.store.hasBlob(d)));
    await sendJson(req, res, 200, { missing: unique.filter((_, i) => !stored[i]) });
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
    const contentType = String(req.headers['content-type'] ?? '');
    let kept = bytes;
    const outcome = this.opts.masker ? await this.opts.masker.body({ bytes, contentType }) : { kind: 'unchanged' as const };
    if (outcome.kind === 'dropped') throw new VerbatimError('PAYLOAD_INVALID', 'blob could not be checked for card numbers');
    if (outcome.kind === 'masked') kept = outcome.bytes;
    const compress = !COMPRESSED.test(contentType);
    const storedDigest = await this.store.putBlob(kept, { compress, sessionId });
    if (kept !== bytes) {
      // Stored masked under its own digest; the terminal's captures name the original one.
      if (this.maskedBlobs.size >= MASKED_BLOBS_KEPT) this.maskedBlobs.delete(this.maskedBlobs.keys().next().value!);
      this.maskedBlobs.set(`${sessionId ?? ''}:${digest}`, { digest: storedDigest, size: kept.length });
    }
    await sendJson(req, res, 201, { digest, size: bytes.length });
  }

  private async captures(req: IncomingMessage, res: ServerResponse, terminal: string): Promise<void> {
    const body = await readJson(req, JSON_LIMIT);
    const session = await this.owned(body.sessionId, terminal);
    if (!Array.isArray(body.captures) || body.captures.length > MAX_CAPTURES) {
      throw new VerbatimError('PAYLOAD_INVALID', `captures must be an array of at most ${MAX_CAPTURES}`);
    }
    const m = this.opts.masker;
    const captures = body.captures.map((c, i) => validateCapture(c, session.id, i)).map((c) => {
      if (!m) return c;
      const alias = c.body ? this.maskedBlobs.get(`${session.id}:${c.body.digest}`) ?? this.maskedBlobs.get(`:${c.body.digest}`) : undefined;
      return {
        ...c, url: m.url(c.url), headers: m.headers(c.headers), ...(c.statusText !== undefined ? { statusText: m.text(c.statusText) } : {}),
        ...(c.body && alias ? { body: { ...c.body, digest: alias.digest, size: alias.size, encoding: '', masked: true } } : {}),
      };
    });
    for (const c of captures) {
      if (c.body && !(await this.store.hasBlob(c.body.digest, session.id))) {
        throw new VerbatimError('PAYLOAD_INVALID', 'a capture references a blob that was not uploaded', { digest: c.body.digest });
      }
    }
    // Same id, URL and time → same keys, so a resent capture overwrites itself.
    for (const c of captures) await this.store.putCapture(c);
    await sendJson(req, res, 200, { stored: captures.length });
  }
}
