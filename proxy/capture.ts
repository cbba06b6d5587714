/**
 * Streaming capture: a response body is hashed and kept (up to a cap) as it
 * flows to the browser; the blob and its index entry are written after the
 * last byte, off the response path. A failed write is counted, never thrown
 * at the browser.
 */
import { randomBytes } from 'node:crypto';
import { isPersonalResponse } from '../store/personal-data';
import type { CapturedResource } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { findCustomerId, type IdentityRule } from './identity/rules';
import { decode, Masker, type MaskingPolicy } from './masking/index';
import { QuietQueue } from './quiet-queue';

/** Where customer ids found by the identity rules go (store/customer-index.ts). */
export interface IdentityHook {
  rules: IdentityRule[];
  customers: { customerOf(sessionId: string): string | undefined; link(sessionId: string, customerId: string, source: string): Promise<unknown> };
}

export interface CaptureStats {
  captured: number;
  failed: number;
  truncated: number;
}

/** Types whose bodies are worth compressing in the store (media and fonts are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|xhtml\+xml|manifest\+json|ld\+json)|image\/svg)/i;

export class CaptureTap {
  private chunks: Buffer[] = [];
  /** Bytes kept so far. */
  size = 0;
  private truncated = false;

  constructor(
    private readonly maxBytes: number,
  ) {}

  write(chunk: Buffer): void {
    if (this.truncated) return;
    if (this.size + chunk.length > this.maxBytes) {
      const room = this.maxBytes - this.size;
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size += Math.max(0, room);
      this.truncated = true;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  body(): { bytes: Buffer; truncated: boolean } {
    return { bytes: Buffer.concat(this.chunks, this.size), truncated: this.truncated };
  }
}

export interface ExchangeMeta {
  sessionId?: string;
  method: string;
  url: string;
  status: number;
  statusText?: string;
  headers: [string, string][];
  destination?: string;
  startedAt: number;
  headersAt: number;
  /** Form/JSON request body collected on the way up (masked before it is stored). */
  requestBody?: { bytes: Buffer; contentType: string; truncated: boolean };
  /** The request's Cookie header, read by identity rules only (never stored). */
  requestCookie?: string;
}

/** Capture ids: a per-process random prefix and a counter (randomUUID per response showed in profiles). */
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
const nextCaptureId = () => `${ID_PREFIX}-${(idCounter++).toString(36)}`;

export class CaptureWriter {
  readonly stats: CaptureStats = { captured: 0, failed: 0, truncated: 0 };
  private pending = new Set<Promise<void>>();
  private readonly quiet = new QuietQueue();
  private readonly masker: Masker | undefined;

  constructor(
    private readonly store: VerbatimStore,
    private readonly onError: (err: unknown, url: string) => void,
    /** Applied to URLs, text bodies and request bodies before anything is written. */
    readonly masking?: MaskingPolicy,
    private readonly identity?: IdentityHook,
    /** Resolves once the session's record is written (captures follow it). */
    private readonly sessionReady?: (sessionId: string) => Promise<void>,
  ) {
    this.masker = masking ? new Masker(masking) : undefined;
  }

  /** Lets drain() wait for a write made elsewhere (WebSocket messages). */
  track(task: Promise<void>): void {
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Records an exchange whose body was collected by `tap` (or that has no body). */
  record(meta: ExchangeMeta, tap: CaptureTap | null): void {
    const endedAt = Date.now();
    // Once the page's burst of responses is over: hashing and storing then costs the page nothing.
    const held = (tap?.size ?? 0) + (meta.requestBody?.bytes.length ?? 0);
    const task = new Promise<void>((resolve) => this.quiet.push(resolve, held)).then(() => this.write(meta, tap, endedAt)).then(
      () => { this.stats.captured++; },
      (err) => { this.stats.failed++; this.onError(err, meta.url); },
    );
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Records a 304 as a capture of the body the store already holds from `previous`. */
  recordRevalidation(meta: ExchangeMeta, previous: CapturedResource): void {
    const task = this.store.putCapture({
      ...this.base(meta, Date.now()),
      status: previous.status,
      statusText: previous.statusText,
      headers: previous.headers,
      body: previous.body,
      revalidatedFrom: previous.id,
    }).then(() => { this.stats.captured++; }, (err) => { this.stats.failed++; this.onError(err, meta.url); });
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  /** Waits for captures still being written (shutdown, tests). */
  async drain(): Promise<void> {
    this.quiet.flush();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private async write(meta: ExchangeMeta, tap: CaptureTap | null, endedAt: number): Promise<void> {
    if (meta.sessionId) await this.sessionReady?.(meta.sessionId);
    const record = this.base(meta, endedAt);
    if (this.identity?.rules.length && meta.sessionId && !this.identity.customers.customerOf(meta.sessionId)) {
      await this.linkCustomer(meta, tap).catch((err) => this.onError(err, meta.url));
    }
    if (tap) {
      const { bytes, truncated } = tap.body();
      const contentType = header(meta.headers, 'content-type') ?? '';
      const encoding = (header(meta.headers, 'content-encoding') ?? '').toLowerCase();
      if (truncated) this.stats.truncated++;
      const outcome = this.masker ? await this.masker.body({ bytes, contentType, contentEncoding: encoding, truncated }) : { kind: 'unchanged' as const };
      // Documents and data personalised for the customer are sealed with the session's key; shared assets are stored once.
      const owner = meta.sessionId && isPersonalResponse(contentType, header(meta.headers, 'cache-control')) ? meta.sessionId : undefined;
      if (outcome.kind === 'masked') {
        const digest = await this.store.putBlob(outcome.bytes, { compress: !outcome.encoding, sessionId: owner });
        record.body = { digest, size: outcome.bytes.length, encoding: outcome.encoding, truncated: truncated || Boolean(outcome.partial), masked: true };
      } else if (outcome.kind === 'unchanged') {
        const digest = await this.store.putBlob(bytes, { compress: !encoding && COMPRESSIBLE.test(contentType), sessionId: owner });
        record.body = { digest, size: bytes.length, encoding, truncated };
      }
    }
    if (meta.requestBody && this.masker) {
      const { bytes, contentType, truncated } = meta.requestBody;
      const outcome = await this.masker.body({ bytes, contentType, truncated });
      const kept = outcome.kind === 'masked' ? outcome.bytes : outcome.kind === 'unchanged' ? bytes : undefined;
      if (kept) {
        const digest = await this.store.putBlob(kept, { compress: true, sessionId: meta.sessionId });
        record.requestBody = { digest, size: kept.length, encoding: '', truncated, masked: outcome.kind === 'masked', contentType };
      }
    }
    await this.store.putCapture(record);
  }

  /** Runs the identity rules on the raw exchange (before masking) and links the session to the customer found. */
  private async linkCustomer(meta: ExchangeMeta, tap: CaptureTap | null): Promise<void> {
    const contentType = header(meta.headers, 'content-type') ?? '';
    const found = await findCustomerId(this.identity!.rules, {
      url: meta.url,
      method: meta.method,
      requestCookie: meta.requestCookie,
      requestBody: meta.requestBody,
      responseHeaders: meta.headers,
      responseJson: tap && /json/i.test(contentType) ? async () => {
        const { bytes, truncated } = tap.body();
        const plain = await decode(bytes, header(meta.headers, 'content-encoding') ?? '', truncated);
        try { return JSON.parse(plain.toString('utf8')) as unknown; } catch { return undefined; }
      } : undefined,
    });
    // A customer id that is a card number or IBAN (a badly chosen rule, a forged cookie) is not linked at all:
    // stored masked, every such customer would share one id ("••••…") and see each other's sessions.
    if (found && (!this.masker || this.masker.text(found.id) === found.id)) {
      await this.identity!.customers.link(meta.sessionId!, found.id, found.source);
    }
  }

  private base(meta: ExchangeMeta, endedAt: number): CapturedResource {
    return {
      id: nextCaptureId(),
      sessionId: meta.sessionId,
      method: meta.method,
      // Deterministic, so the masked URL still matches the (equally masked) one in the events.
      url: this.masker ? this.masker.url(meta.url) : meta.url,
      status: meta.status,
      statusText: meta.statusText === undefined || !this.masker ? meta.statusText : this.masker.text(meta.statusText),
      headers: this.masker ? this.masker.headers(meta.headers) : meta.headers,
      destination: meta.destination,
      startedAt: meta.startedAt,
      timing: { headersMs: meta.headersAt - meta.startedAt, totalMs: endedAt - meta.startedAt },
      body: null,
    };
  }
}

function header(headers: [string, string][], name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}
