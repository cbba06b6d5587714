/**
 * Drains the queue to the collector, in order, one step at a time. An item
 * leaves the queue only once the collector accepted it (a 2xx JSON answer from
 * the collector itself). Anything else keeps it at the head and retries with
 * exponential backoff: network down, DNS or TLS failure, 5xx, and configuration
 * errors (wrong URL, unknown token) while IT fixes them (upload-errors.ts). Only
 * an item the collector refuses with a coded reason is dropped and counted; a
 * session the collector does not know (a restored or replaced server) is opened
 * again. Resends are harmless: the collector is idempotent by (session, page,
 * seq), by digest and by capture id.
 */
import { COLLECT_PATHS, PERSONAL_BODY_HEADER } from '../../recorder/protocol';
import { isPersonalResponse } from '../../store/personal-data';
import type { CaptureItem, Queue, QueueItem } from './queue';
import { classify, networkError, notTheCollector, type UploadError } from './upload-errors';

const MAX_BACKOFF_MS = 30_000;
/** Capture items sent together (one digest query, one capture post). */
const CAPTURE_GROUP = 50;

export interface UploadTarget {
  collectorUrl: string;
  token: string;
}

class Retry extends Error {
  constructor(readonly error: UploadError) {
    super(error.message);
  }
}
class Refused extends Error {}
class SessionUnknown extends Error {}

export interface UploaderState {
  lastError?: UploadError;
  lastUploadAt?: number;
}

export class Uploader {
  private running = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  rejected = 0;
  /** The collector's reason for the last permanent refusal (for the options page). */
  lastRefusal = '';
  uploadedBlobBytes = 0;
  state: UploaderState = {};

  /**
   * @param netError Chromium's reason for the last failed request to `url` (net::ERR_NAME_NOT_RESOLVED, a
   *   certificate error...), which fetch itself hides; empty when unknown.
   * @param onState told when the last error or the last upload time changes (persisted, reported).
   */
  constructor(
    private readonly queue: Queue,
    private readonly target: () => Promise<UploadTarget | undefined>,
    private readonly netError: (url: string) => Promise<string> = async () => '',
    private readonly onState: (state: UploaderState) => void = () => undefined,
  ) {}

  private note(error: UploadError | undefined): void {
    if (error) this.state = { ...this.state, lastError: error };
    else this.state = { ...this.state, lastUploadAt: Date.now() };
    this.onState(this.state);
  }

  /** Starts draining unless already draining (then it runs once more at the end). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = true;
    void this.drain().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        if (this.timer === undefined) this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    /** Sessions opened again in this drain: a second "unknown" for one of them is a refusal, not a loop. */
    const reopened = new Set<string>();
    for (;;) {
      const target = await this.target();
      if (!target) return;
      const head = await this.queue.peek(CAPTURE_GROUP);
      if (!head.length) return;
      // Consecutive captures of one session travel together.
      const batch = head[0]!.kind === 'capture'
        ? head.slice(0, head.findIndex((i) => i.kind !== 'capture' || i.sessionId !== head[0]!.sessionId) >>> 0)
        : [head[0]!];
      try {
        await this.send(target, batch);
        this.failures = 0;
        this.note(undefined);
      } catch (err) {
        if (err instanceof SessionUnknown) {
          // The collector lost the session (restored store, new server): open it again from the kept opening, then resend.
          const sessionId = batch[0]!.sessionId;
          const init = reopened.has(sessionId) ? undefined : await this.queue.sessionInit(sessionId);
          if (init) {
            reopened.add(sessionId);
            try {
              await this.post(target, COLLECT_PATHS.sessions, JSON.stringify(init));
              continue;
            } catch (again) {
              if (!(again instanceof Refused)) err = again;
            }
          }
          if (err instanceof SessionUnknown) err = new Refused(err.message);
        }
        if (err instanceof Retry) {
          this.note(err.error);
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++);
          this.timer = setTimeout(() => { this.timer = undefined; this.kick(); }, delay);
          return;
        }
        if (!(err instanceof Refused)) throw err;
        this.rejected += batch.length;
      }
      await this.queue.remove(batch);
    }
  }

  private async send(target: UploadTarget, batch: QueueItem[]): Promise<void> {
    const first = batch[0]!;
    if (first.kind === 'session') {
      await this.post(target, COLLECT_PATHS.sessions, JSON.stringify(first.init));
      await this.queue.rememberSession(first.init);
    } else if (first.kind === 'events') await this.post(target, COLLECT_PATHS.events, first.body);
    else await this.sendCaptures(target, batch as CaptureItem[]);
  }

  private async sendCaptures(target: UploadTarget, items: CaptureItem[]): Promise<void> {
    const sessionId = items[0]!.sessionId;
    const blobs = new Map<string, Uint8Array>();
    const personal = new Map<string, Uint8Array>();
    for (const i of items) {
      if (!i.blob || !i.capture.body) continue;
      (isPersonal(i.capture) ? personal : blobs).set(i.capture.body.digest, i.blob);
    }
    // The customer's own documents and data go to their session (sealed with its key there); nothing to dedupe.
    for (const [digest, bytes] of personal) {
      await this.post(target, COLLECT_PATHS.blobs + digest, bytes, 'application/octet-stream', { [PERSONAL_BODY_HEADER]: sessionId });
      this.uploadedBlobBytes += bytes.byteLength;
    }
    if (blobs.size) {
      const res = await this.post(target, COLLECT_PATHS.blobsMissing, JSON.stringify({ digests: [...blobs.keys()] }));
      const { missing } = (await res.json()) as { missing: string[] };
      for (const digest of missing) {
        const bytes = blobs.get(digest);
        if (!bytes) continue;
        await this.post(target, COLLECT_PATHS.blobs + digest, bytes, 'application/octet-stream');
        this.uploadedBlobBytes += bytes.byteLength;
      }
    }
    await this.post(target, COLLECT_PATHS.captures, JSON.stringify({
      sessionId,
      captures: items.map((i) => i.capture),
    }));
  }

  private async post(target: UploadTarget, path: string, body: string | Uint8Array, type = 'application/json', extra: Record<string, string> = {}): Promise<Response> {
    const url = target.collectorUrl + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method: path.startsWith(COLLECT_PATHS.blobs) && path !== COLLECT_PATHS.blobsMissing ? 'PUT' : 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': type, ...extra },
        body: body as BodyInit,
        cache: 'no-store',
        credentials: 'omit',
        // A redirect would turn the POST into a GET somewhere else: the collector never redirects.
        redirect: 'manual',
      });
    } catch {
      throw new Retry(networkError(path, await this.netError(url)));
    }
    const s = res.status;
    if (res.type === 'opaqueredirect' || (s >= 300 && s < 400)) throw new Retry(notTheCollector(path, 'the collector URL redirects'));
    if (res.ok) {
      if (!/^application\/json/i.test(res.headers.get('content-type') ?? '')) {
        throw new Retry(notTheCollector(path, `the collector URL answered ${s} with ${res.headers.get('content-type') || 'no content type'}`));
      }
      return res;
    }
    let reason = '';
    let code: string | undefined;
    try {
      const e = ((await res.json()) as { error?: { code?: unknown; message?: unknown } }).error;
      if (typeof e?.code === 'string') code = e.code.slice(0, 64);
      if (typeof e?.message === 'string') reason = e.message.slice(0, 300);
    } catch {
      /* not JSON: not the collector */
    }
    const { verdict, error } = classify(s, code, path, reason);
    if (verdict === 'recreate') throw new SessionUnknown(error.message);
    if (verdict === 'keep') throw new Retry(error);
    this.lastRefusal = error.message;
    this.note(error);
    throw new Refused(error.message);
  }
}

function isPersonal(capture: CaptureItem['capture']): boolean {
  const headers = Array.isArray(capture.headers) ? capture.headers as [string, string][] : [];
  const header = (name: string) => headers.find(([n]) => n === name)?.[1];
  return isPersonalResponse(header('content-type'), header('cache-control'));
}
