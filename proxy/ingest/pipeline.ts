/**
 * The one ingest path. The forward proxy, the gateway and the kiosk collector hand everything they receive to this
 * pipeline, which applies the same policy to each in the same order — validate → identity → mask → classify personal
 * → store — so no capture point can skip a step. What it writes reaches derived indexes through the store's change
 * feed. Per-capture work (masking, hashing, deflating) runs on a worker thread (ingest-workers.ts); what is left on
 * the caller's event loop is bookkeeping.
 */
import { VerbatimError, isVerbatimError } from '../../store/errors';
import { isPersonalResponse } from '../../store/personal-data';
import type {
  CapturedBody, CapturedResource, EventBatch, PageContext, Session, SessionInit, WebSocketMessage,
} from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { parseUserAgent } from '../../store/user-agent';
import type { RecorderUpload } from '../../recorder/protocol';
import { parseUpload } from '../../recorder/upload-validation';
import { findCustomerId, type IdentityRule } from '../identity/rules';
import { decode, type MaskingPolicy } from '../masking/index';
import { Masker } from '../masking/masker';
import { CleanBodies, type KnownBody } from './clean-bodies';
import { IngestWorkers } from './ingest-workers';
import { header, type PreparedBody, type PreparedCapture } from './prepare-capture';
import type { RawExchange, UploadSource } from './raw-exchange';

export interface IngestOptions {
  store: VerbatimStore;
  masking: MaskingPolicy;
  /** Customer identity rules (proxy/identity/rules.ts); links land in the store's customer index. */
  identityRules?: IdentityRule[];
  /** Run capture work on a worker thread (default true). */
  worker?: boolean;
  /** Told about failures that must not reach the browser; never given secrets. */
  onError?: (err: unknown, context: string) => void;
}

export interface IngestStats {
  captured: number;
  /** Captures that could not be stored (a full disk, an unwritable store): dropped, never retried. */
  failed: number;
  truncated: number;
  /** Bodies not kept because they could not be checked for secrets. */
  dropped: number;
  /** Recorder uploads stored, and refused because the store could not take them (the recorder retries 5xx). */
  uploadsStored: number;
  uploadsFailed: number;
  /**
   * Uploads answered 503 STORE_SLOW because the store had not acknowledged them in time (recorder-endpoint.ts): the
   * recorder resends them; each was then stored (counted in uploadsStored) or failed (uploadsFailed) as well.
   */
  uploadsAnsweredLate: number;
  /** Sessions whose record could not be written (never handed out again: their uploads get 404). */
  sessionsFailed: number;
  /** Pages served to clients that are not browsers (bots, health checks): captured, no session (browser-page-load.ts). */
  notBrowserPages: number;
}

/** Capture ids: a per-process random prefix and a counter (randomUUID per response showed in profiles). */
const ID_PREFIX = Math.random().toString(36).slice(2, 10);
let idCounter = 0;
const nextCaptureId = (): string => `${ID_PREFIX}-${(idCounter++).toString(36)}`;

export class IngestPipeline {
  readonly stats: IngestStats = { captured: 0, failed: 0, truncated: 0, dropped: 0, uploadsStored: 0, uploadsFailed: 0, uploadsAnsweredLate: 0, sessionsFailed: 0, notBrowserPages: 0 };
  private readonly workers: IngestWorkers;
  private readonly cleanBodies: CleanBodies;
  /** One method per kind of data that reaches the store (masking/masker.ts); captured bodies go to the worker's own. */
  readonly masker: Masker;
  private readonly pending = new Set<Promise<unknown>>();
  /** Sessions whose record is being written: their captures and uploads wait for it. */
  private readonly creating = new Map<string, Promise<unknown>>();
  /** Sessions already linked to a customer (identity rules stop running for them). */
  private readonly linked = new Set<string>();
  /** Sessions the store can never write again (a damaged key file): the proxy must not hand them out again. */
  private readonly unusable = new Set<string>();
  /**
   * Sessions whose record the store could not take (full disk, not writable), with what started them. Their record is
   * written on their next use once the store is writable again, so a page that got its id during the outage records
   * from then on; until then the id is not handed out again (sessions.ts) and its uploads get 507 (retried).
   */
  private readonly unrecorded = new Map<string, SessionInit>();
  private readonly onError: (err: unknown, context: string) => void;

  constructor(private readonly options: IngestOptions) {
    this.onError = options.onError ?? (() => {});
    this.workers = new IngestWorkers(options.masking, options.worker !== false, (err) => this.onError(err, 'ingest worker'));
    this.masker = new Masker(options.masking);
    this.cleanBodies = new CleanBodies(options.store);
  }

  get store(): VerbatimStore {
    return this.options.store;
  }

  get masking(): MaskingPolicy {
    return this.options.masking;
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Starts a session. The returned promise settles once its record is written; captures and uploads of the session
   * that arrive meanwhile wait for it (`ready`). A session whose record the store could not take is written later
   * (`unrecorded`); one whose record failed otherwise is never used: its uploads get 404.
   */
  startSession(init: SessionInit): Promise<Session> {
    // A user agent is whatever the client sends: masked like any other string before the record is written.
    const userAgent = init.userAgent === undefined ? undefined : this.masker.text(init.userAgent);
    const created = this.options.store.createSession({ ...init, ...(userAgent !== undefined ? { userAgent, ...parseUserAgent(userAgent) } : {}) });
    this.creating.set(init.id, created);
    const retry = this.unrecorded.has(init.id);
    created.then(() => {
      this.unrecorded.delete(init.id);
      this.creating.delete(init.id);
    }, (err: unknown) => {
      if (!retry) this.stats.sessionsFailed += 1;
      if (isVerbatimError(err, 'STORE_WRITE_FAILED') || isVerbatimError(err, 'STORE_NOT_OPEN')) {
        this.unrecorded.set(init.id, init);
        if (this.unrecorded.size > 10_000) this.unrecorded.delete(this.unrecorded.keys().next().value!);
      } else {
        // Written after all by an earlier attempt whose answer was lost ("session already exists"), or refused for good.
        this.unrecorded.delete(init.id);
      }
      this.creating.delete(init.id);
    });
    return created;
  }

  /** Whether a session's record is missing because the store could not take it yet. */
  isUnrecorded(sessionId: string): boolean {
    return this.unrecorded.has(sessionId);
  }

  /** Whether a session can no longer be written (sessions.ts then starts another rather than hand it out). */
  isUnusable(sessionId: string): boolean {
    return this.unusable.has(sessionId);
  }

  /** A failure that says the session itself is broken, not the store: remember it. */
  private noteFailure(sessionId: string | undefined, err: unknown): void {
    if (sessionId === undefined || !isVerbatimError(err, 'SESSION_KEY_DAMAGED')) return;
    this.unusable.add(sessionId);
    if (this.unusable.size > 10_000) this.unusable.delete(this.unusable.values().next().value!);
  }

  /**
   * Resolves once a just-started session's record is written (or failed). A session whose record the store could
   * not take is written now, if the store is writable again.
   */
  async ready(sessionId: string): Promise<void> {
    const creating = this.creating.get(sessionId);
    if (creating) return void await creating.catch(() => undefined);
    const init = this.unrecorded.get(sessionId);
    if (init && this.options.store.health().state === 'open') await this.startSession(init).catch(() => undefined);
  }

  // ---------------------------------------------------------------- recorder uploads

  /**
   * An upload's session must exist (its record landed): SESSION_UNKNOWN otherwise. A store that cannot answer
   * refuses the upload, and that counts as a refused upload like a failed write.
   */
  async requireSession(sessionId: string): Promise<void> {
    await this.ready(sessionId);
    if (this.unrecorded.has(sessionId)) {
      // Not 404: the recorder would stop for good; its record is written once the store is writable.
      this.stats.uploadsFailed += 1;
      throw new VerbatimError('STORE_WRITE_FAILED', 'the session\'s record is waiting for the store to be writable again', { sessionId });
    }
    let session: Session | undefined;
    try {
      session = await this.options.store.getSession(sessionId);
    } catch (err) {
      this.stats.uploadsFailed += 1;
      this.noteFailure(sessionId, err);
      throw err;
    }
    if (!session) throw new VerbatimError('SESSION_UNKNOWN', 'no such session', { sessionId });
  }

  /** Parses and checks an upload body; throws PAYLOAD_INVALID with the reason. */
  parseUpload(raw: Buffer): RecorderUpload {
    return parseUpload(raw);
  }

  /**
   * Masks and stores one upload of an authenticated session: events, page URL and title, and every string of the
   * page context (referrer, campaign fields) go through the masking policy whatever the recorder did in the page.
   */
  async appendUpload(upload: RecorderUpload, source: UploadSource, raw?: Buffer): Promise<Session> {
    const { sessionId } = source;
    await this.ready(sessionId);
    const batch: EventBatch = {
      sessionId,
      page: {
        id: upload.page.id,
        url: this.masker.url(upload.page.url),
        ...(upload.page.title !== undefined ? { title: this.masker.text(upload.page.title) } : {}),
      },
      seq: upload.seq,
      ...(upload.viewport ? { viewport: upload.viewport } : {}),
      events: this.masker.events(sessionId, upload.page.id, upload.events, raw?.toString('utf8')),
      receivedAt: Date.now(),
      ...(upload.context ? { context: this.pageContext(upload.context, source) } : {}),
    };
    return this.options.store.appendEvents(batch).then(
      (session) => { this.stats.uploadsStored += 1; return session; },
      (err: unknown) => { this.stats.uploadsFailed += 1; this.noteFailure(sessionId, err); throw err; },
    );
  }

  /** The page's own context plus what only the ingest point knows (client IP, parsed user agent), every string masked. */
  private pageContext(context: PageContext, source: UploadSource): PageContext {
    // Every field, keys and nested ones included (the campaign fields of `source`).
    const out = this.masker.pageContext(context);
    const userAgent = out.userAgent ?? (source.userAgent === undefined ? undefined : this.masker.text(source.userAgent));
    if (userAgent) Object.assign(out, { userAgent, ...parseUserAgent(userAgent) });
    const ip = source.clientIp;
    if (ip) out.clientIp = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    else delete out.clientIp; // never the page's claim
    return out;
  }

  // ---------------------------------------------------------------- captures

  /** Records an exchange, off the caller's path: returns at once; drain() waits for it. */
  capture(exchange: RawExchange): void {
    this.track(this.storeExchange(exchange).then(
      () => { this.stats.captured += 1; },
      (err: unknown) => { this.stats.failed += 1; this.noteFailure(exchange.sessionId, err); this.onError(err, 'capture write'); },
    ));
  }

  /** Records a 304 as a capture of the body the store already holds from `previous`. */
  captureRevalidation(exchange: RawExchange, previous: CapturedResource): void {
    this.track((async () => {
      if (exchange.sessionLater) exchange = { ...exchange, sessionId: await exchange.sessionLater.catch(() => undefined), sessionLater: undefined };
      if (exchange.sessionId) await this.ready(exchange.sessionId);
      await this.options.store.putCapture({
        ...this.record(exchange, this.masker.url(exchange.url), previous.headers),
        status: previous.status,
        statusText: previous.statusText,
        body: previous.body,
        revalidatedFrom: previous.id,
      });
    })().then(() => { this.stats.captured += 1; }, (err: unknown) => { this.stats.failed += 1; this.onError(err, 'capture write'); }));
  }

  private async storeExchange(x: RawExchange): Promise<void> {
    if (x.sessionLater) x = { ...x, sessionId: await x.sessionLater.catch(() => undefined), sessionLater: undefined };
    if (x.sessionId) await this.ready(x.sessionId);
    if (x.body?.truncated) this.stats.truncated += 1;
    await this.linkCustomer(x);
    const personal = x.sessionId !== undefined && isPersonalResponse(header(x.headers, 'content-type'), header(x.headers, 'cache-control'));
    // A shared body seen before and found clean skips the worker (clean-bodies.ts); URL and headers are masked here.
    const { known, key } = personal || x.requestBody ? {} : await this.cleanBodies.lookup(x);
    if (known) {
      const record = this.record(x, this.masker.url(x.url), this.masker.headers(x.headers));
      record.body = bodyRecord(known);
      return this.options.store.putCapture(record);
    }
    const prepared = await this.workers.prepare({
      url: x.url, headers: x.headers, body: x.body,
      ...(x.requestBody ? { requestBody: x.requestBody } : {}),
    });
    if (prepared.body && prepared.body !== 'dropped') this.cleanBodies.remember(key, prepared.body);
    const record = this.record(x, prepared.url, prepared.headers);
    let body = prepared.body;
    if (body !== undefined && body !== 'dropped' && body.undecodable !== undefined) {
      // Bytes that do not decode could not be checked as text: kept as received only sealed into the session (erased
      // with it), never shared; without a session, not kept. The capture says which.
      record.incomplete ??= { reason: 'undecodable', detail: `${body.undecodable}${x.sessionId ? '' : '; not kept (no session to seal it with)'}` };
      if (!x.sessionId) body = undefined;
    } else if (body === 'dropped') {
      record.incomplete ??= { reason: 'undecodable', detail: 'a detector found a secret in bytes that do not decode; not kept' };
    }
    record.body = await this.keep(body, personal || record.incomplete?.reason === 'undecodable' ? x.sessionId : undefined);
    if (prepared.requestBody !== undefined) {
      // Request bodies are always the session's own.
      const kept = await this.keep(prepared.requestBody, x.sessionId);
      if (kept && prepared.requestBody !== 'dropped') record.requestBody = { ...kept, contentType: prepared.requestBody.contentType };
    }
    await this.options.store.putCapture(record);
  }

  /** Stores a prepared body; a body that could not be checked is not kept (the capture then says so by having none). */
  private async keep(body: PreparedCapture['body'], owner: string | undefined): Promise<CapturedBody | null> {
    if (body === undefined) return null;
    if (body === 'dropped') {
      this.stats.dropped += 1;
      return null;
    }
    await this.options.store.putEncodedBlob({ digest: body.digest, encoded: body.encoded }, owner !== undefined ? { sessionId: owner } : undefined);
    return bodyRecord(body);
  }

  private record(x: RawExchange, url: string, headers: [string, string][]): CapturedResource {
    return {
      id: nextCaptureId(),
      ...(x.sessionId !== undefined ? { sessionId: x.sessionId } : {}),
      method: x.method,
      url,
      status: x.status,
      ...(x.statusText !== undefined ? { statusText: this.masker.text(x.statusText) } : {}),
      headers,
      ...(x.destination !== undefined ? { destination: x.destination } : {}),
      startedAt: x.startedAt,
      timing: { headersMs: x.headersAt - x.startedAt, totalMs: x.endedAt - x.startedAt },
      body: null,
      ...(x.scope ? { scope: x.scope } : {}),
      ...(x.incomplete ? { incomplete: { ...x.incomplete, ...(x.incomplete.detail ? { detail: this.masker.text(x.incomplete.detail) } : {}) } } : {}),
    };
  }

  /** Runs the identity rules on the raw exchange (before masking) and links the session to the customer found. */
  private async linkCustomer(x: RawExchange): Promise<void> {
    const rules = this.options.identityRules;
    if (!rules?.length || !x.sessionId || this.linked.has(x.sessionId)) return;
    try {
      const contentType = header(x.headers, 'content-type') ?? '';
      const found = await findCustomerId(rules, {
        url: x.url,
        method: x.method,
        status: x.status,
        ...(x.requestBody ? { requestBody: x.requestBody } : {}),
        responseHeaders: x.headers,
        ...(x.body && /json/i.test(contentType) ? {
          responseJson: async () => {
            const plain = await decode(x.body!.bytes, header(x.headers, 'content-encoding') ?? '', x.body!.truncated);
            try { return JSON.parse(plain.toString('utf8')) as unknown; } catch { return undefined; }
          },
        } : {}),
      });
      if (!found) return;
      this.linked.add(x.sessionId);
      // An "id" that is a card number or an IBAN is not linked: stored masked, every such customer would share it.
      if (this.masker.text(found.id) !== found.id) return;
      await this.options.store.linkCustomer({ sessionId: x.sessionId, customerId: found.id, source: found.source, at: Date.now() });
    } catch (err) {
      this.onError(err, 'identity');
    }
  }

  // ---------------------------------------------------------------- kiosk uploads

  /**
   * A body a kiosk terminal uploaded (the extension read it from the page's cache or the network): masked like a
   * captured body. Returns the digest it is stored under (different from the upload's when masking changed it).
   */
  async uploadedBody(bytes: Buffer, meta: { contentType: string; encoding?: string; sessionId?: string }): Promise<{ digest: string; body: CapturedBody } | undefined> {
    const prepared = await this.workers.prepare({
      url: 'about:blank', headers: [['content-type', meta.contentType], ...(meta.encoding ? [['content-encoding', meta.encoding] as [string, string]] : [])],
      body: { bytes, truncated: false },
    });
    const kept = await this.keep(prepared.body, meta.sessionId);
    return kept ? { digest: kept.digest, body: kept } : undefined;
  }

  /**
   * A capture record a kiosk terminal uploaded over bodies it uploaded before: URL, headers and status text masked;
   * kept to the terminal's own session unless the store already holds a shared capture of the same URL with exactly
   * these bytes (a terminal can then add a moment, but never new content, to other sessions' replays).
   */
  async uploadedCapture(capture: CapturedResource): Promise<void> {
    if (!capture.sessionId) throw new VerbatimError('PAYLOAD_INVALID', 'a kiosk capture belongs to a session');
    const url = this.masker.url(capture.url);
    let scope: 'session' | undefined = 'session';
    if (capture.body && !capture.body.sealed) {
      const trusted = await this.options.store.findCapture({ url, at: capture.startedAt });
      if (trusted?.body?.digest === capture.body.digest && trusted.sessionId !== capture.sessionId) scope = undefined;
    }
    await this.options.store.putCapture({
      ...capture,
      url,
      headers: this.masker.headers(capture.headers),
      ...(capture.statusText !== undefined ? { statusText: this.masker.text(capture.statusText) } : {}),
      ...(scope ? { scope } : { scope: 'shared' as const }),
    });
    this.stats.captured += 1;
  }

  // ---------------------------------------------------------------- WebSocket messages

  /** Masks a batch of WebSocket messages (URL, text, binary and close frames) and adds them to their sessions' network logs. */
  async webSocketMessages(messages: WebSocketMessage[]): Promise<void> {
    if (!messages.length) return;
    await Promise.all([...new Set(messages.map((m) => m.sessionId))].map((id) => this.ready(id)));
    const masked = messages.map((m) => {
      const url = this.masker.url(m.url);
      if (m.encoding === 'utf8') {
        const data = this.masker.webSocketText(m.data, m.truncated);
        return { ...m, url, data, ...(data !== m.data ? { masked: true } : {}) };
      }
      const out = this.masker.webSocketBinary(Buffer.from(m.data, 'base64'), m.truncated);
      return { ...m, url, ...(out.masked ? { data: out.data.toString('base64'), masked: true } : {}) };
    });
    await this.options.store.putWebSocketMessages(masked);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Lets drain() wait for work started elsewhere on behalf of the pipeline (WebSocket batches). */
  track<T>(task: Promise<T>): void {
    this.pending.add(task);
    const forget = (): void => { this.pending.delete(task); };
    task.then(forget, forget);
  }

  /** Waits for everything received so far to be stored (or to have failed). */
  async drain(): Promise<void> {
    while (this.pending.size || this.creating.size) await Promise.allSettled([...this.pending, ...this.creating.values()]);
  }

  async close(): Promise<void> {
    await this.drain();
    await this.workers.close();
  }
}

function bodyRecord(body: PreparedBody | KnownBody): CapturedBody {
  return {
    digest: body.digest, size: body.size, encoding: body.encoding, truncated: body.truncated,
    ...(body.masked ? { masked: true } : {}),
    ...(body.undecodable ? { undecodable: body.undecodable } : {}),
  };
}
