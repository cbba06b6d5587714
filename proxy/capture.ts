/**
 * Streaming capture: a response body is kept (up to a cap) as it flows to the browser; once the last byte passed,
 * the exchange goes to the ingest pipeline (ingest/pipeline.ts), which masks, hashes, stores — off the response path.
 * A failed write is counted, never thrown at the browser.
 */
import type { CapturedResource } from '../store/records';
import type { IngestPipeline, IngestStats } from './ingest/pipeline';
import type { RawExchange } from './ingest/raw-exchange';
import type { MaskingPolicy } from './masking/index';

export type CaptureStats = IngestStats;

export class CaptureTap {
  private chunks: Buffer[] = [];
  /** Bytes kept so far. */
  size = 0;
  private truncated = false;

  constructor(private readonly maxBytes: number) {}

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

/**
 * An exchange while it is under way (exchange.ts fills it in as the response arrives): the raw exchange before its
 * last byte, so without endedAt and the body, which the capture tap holds.
 */
export type ExchangeMeta = Omit<RawExchange, 'endedAt' | 'body' | 'scope'>;

/** The proxy's and gateway's door into the ingest pipeline. */
export class CaptureWriter {
  constructor(private readonly pipeline: IngestPipeline) {}

  get stats(): CaptureStats {
    return this.pipeline.stats;
  }

  get masking(): MaskingPolicy {
    return this.pipeline.masking;
  }

  /** Lets drain() wait for a write made elsewhere (WebSocket messages). */
  track(task: Promise<void>): void {
    this.pipeline.track(task);
  }

  /** Records an exchange whose body was collected by `tap` (or that has no body). */
  record(meta: ExchangeMeta, tap: CaptureTap | null): void {
    const body = tap?.body();
    this.pipeline.capture({
      ...meta,
      endedAt: Date.now(),
      // A body cut off on the way (meta.incomplete) is stored as far as it came, marked truncated.
      body: body ? { bytes: body.bytes, truncated: body.truncated || meta.incomplete !== undefined } : null,
    });
  }

  /** Records a 304 as a capture of the body the store already holds from `previous`. */
  recordRevalidation(meta: ExchangeMeta, previous: CapturedResource): void {
    this.pipeline.captureRevalidation({ ...meta, endedAt: Date.now(), body: null }, previous);
  }

  /** Waits for captures still being written (shutdown, tests). */
  drain(): Promise<void> {
    return this.pipeline.drain();
  }
}
