/**
 * Drains the queue to the collector, in order, one step at a time. An item
 * leaves the queue only once the collector accepted it; a failure that may pass
 * (network down, 5xx, 408, 429, 401 while IT fixes a token) keeps it at the head
 * and retries with exponential backoff; any other 4xx is a permanent refusal:
 * the item is dropped and counted. Resends are harmless: the collector is
 * idempotent by (session, page, seq), by digest and by capture id.
 */
import { COLLECT_PATHS, PERSONAL_BODY_HEADER } from '../../recorder/protocol';
import { isPersonalResponse } from '../../store/personal-data';
import type { CaptureItem, Queue, QueueItem } from './queue';

const MAX_BACKOFF_MS = 30_000;
/** Capture items sent together (one digest query, one capture post). */
const CAPTURE_GROUP = 50;

export interface UploadTarget {
  collectorUrl: string;
  token: string;
}

class Retry extends Error {}

export class Uploader {
  private running = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  rejected = 0;
  /** The collector's reason for the last permanent refusal (for the options page). */
  lastRefusal = '';
  uploadedBlobBytes = 0;

  constructor(private readonly queue: Queue, private readonly target: () => Promise<UploadTarget | undefined>) {}

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
      } catch (err) {
        if (err instanceof Retry) {
          const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.failures++);
          this.timer = setTimeout(() => { this.timer = undefined; this.kick(); }, delay);
          return;
        }
        this.rejected += batch.length;
      }
      await this.queue.remove(batch);
    }
  }

  private async send(target: UploadTarget, batch: QueueItem[]): Promise<void> {
    const first = batch[0]!;
    if (first.kind === 'session') await this.post(target, COLLECT_PATHS.sessions, JSON.stringify(first.init));
    else if (first.kind === 'events') await this.post(target, COLLECT_PATHS.events, first.body);
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
    let res: Response;
    try {
      res = await fetch(target.collectorUrl + path, {
        method: path.startsWith(COLLECT_PATHS.blobs) && path !== COLLECT_PATHS.blobsMissing ? 'PUT' : 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': type, ...extra },
        body: body as BodyInit,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new Retry('network');
    }
    const s = res.status;
    if (res.ok) return res;
    if (s >= 500 || s === 408 || s === 429 || s === 401) throw new Retry(`status ${s}`);
    let reason = '';
    try {
      reason = ((await res.json()) as { error?: { message?: string } }).error?.message ?? '';
    } catch {
      /* not JSON */
    }
    this.lastRefusal = `${s} ${path}: ${reason}`;
    throw new Error(this.lastRefusal);
  }
}

function isPersonal(capture: CaptureItem['capture']): boolean {
  const headers = Array.isArray(capture.headers) ? capture.headers as [string, string][] : [];
  const header = (name: string) => headers.find(([n]) => n === name)?.[1];
  return isPersonalResponse(header('content-type'), header('cache-control'));
}
