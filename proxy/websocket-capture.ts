/**
 * Captures a relayed WebSocket's messages, both directions, into the session's
 * network log: timestamped, each payload capped, masked by the ingest pipeline before anything is written.
 * Writes are batched and never delay the relay; a failed write is reported, not thrown.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import type { WebSocketMessage } from '../store/records';
import type { IngestPipeline } from './ingest/pipeline';
import { FrameReader, type ReadMessage } from './websocket-frames';

export interface WebSocketCaptureOptions {
  /** Masks and stores the messages (ingest/pipeline.ts). */
  ingest: IngestPipeline;
  sessionId: string;
  url: string;
  /** Largest payload kept per message. */
  maxBytes: number;
  onError: (err: unknown, context: string) => void;
}

const FLUSH_MS = 200;
const HEAD_END = Buffer.from('\r\n\r\n');

export class WebSocketCapture {
  readonly socketId = randomBytes(8).toString('hex');
  private seq = 0;
  private queue: WebSocketMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: WebSocketCaptureOptions) {}

  /** Taps both directions; `fromUpstream` starts with the HTTP response head, which must say 101. */
  attach(toUpstream: Duplex, fromUpstream: Duplex, requestTail: Buffer): void {
    const sent = new FrameReader(this.options.maxBytes, (m) => this.add('sent', m));
    // Frames the browser sent right behind its upgrade request arrive with the head.
    if (requestTail.length) sent.push(requestTail);
    const received = new FrameReader(this.options.maxBytes, (m) => this.add('received', m));
    let head: Buffer | null = Buffer.alloc(0);
    toUpstream.on('data', (chunk: Buffer) => sent.push(chunk));
    fromUpstream.on('data', (chunk: Buffer) => {
      if (head === null) return received.push(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) { if (head.length > 64 * 1024) head = null; return; }
      const ok = /^HTTP\/1\.1 101/.test(head.subarray(0, 12).toString('latin1'));
      const rest = head.subarray(end + 4);
      head = null;
      if (!ok) return void fromUpstream.removeAllListeners('data').resume();
      if (rest.length) received.push(rest);
    });
    const done = () => this.flush();
    toUpstream.once('close', done);
    fromUpstream.once('close', done);
  }

  /** Resolves once everything captured so far is in the store. */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private add(direction: WebSocketMessage['direction'], m: ReadMessage): void {
    let payload = m.payload;
    if (m.compressed) {
      // Compression is not negotiated while capturing; a peer that compresses anyway is read inflated (so the
      // pipeline can mask it), or its data is not kept.
      try {
        payload = inflateRawSync(Buffer.concat([m.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        payload = Buffer.alloc(0);
      }
    }
    // A cut inside a multi-byte character decodes to U+FFFD, which is honest for a truncated capture.
    const text = m.kind === 'text';
    this.queue.push({
      sessionId: this.options.sessionId, socketId: this.socketId, seq: this.seq++, url: this.options.url,
      direction, at: Date.now(), kind: m.kind, size: m.size,
      data: text ? payload.toString('utf8') : payload.toString('base64'), encoding: text ? 'utf8' : 'base64', truncated: m.truncated,
    });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => this.options.ingest.webSocketMessages(batch))
      .catch((err) => this.options.onError(err, 'websocket capture'));
  }
}
