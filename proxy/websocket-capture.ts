/**
 * Captures a relayed WebSocket's messages, both directions, into the session's
 * network log: timestamped, text masked by the policy, each payload capped.
 * Writes are batched and never delay the relay; a failed write is reported, not thrown.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { WebSocketMessage } from '../store/records';
import type { VerbatimStore } from '../store/store';
import { inflateRawSync, constants as zlibConstants } from 'node:zlib';
import { Masker, type MaskingPolicy } from './masking/index';
import { FrameReader, type ReadMessage } from './websocket-frames';

export interface WebSocketCaptureOptions {
  store: VerbatimStore;
  sessionId: string;
  url: string;
  /** Largest payload kept per message. */
  maxBytes: number;
  masking?: MaskingPolicy;
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
  private readonly masker: Masker | undefined;
  /** The socket's URL as stored (masked: a query string can carry anything). */
  private readonly url: string;

  constructor(private readonly options: WebSocketCaptureOptions) {
    this.masker = options.masking ? new Masker(options.masking) : undefined;
    this.url = this.masker ? this.masker.url(options.url) : options.url;
  }

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
    let data: string;
    let encoding: WebSocketMessage['encoding'] = 'base64';
    let masked = false;
    let payload = m.payload;
    if (m.compressed && this.masker) {
      // Compression is not negotiated while capturing; a peer that compresses anyway is read inflated, or not kept.
      try {
        payload = inflateRawSync(Buffer.concat([m.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        payload = Buffer.alloc(0);
      }
      masked = true;
    }
    if (m.kind === 'text' && (!m.compressed || this.masker)) {
      // A cut inside a multi-byte character decodes to U+FFFD, which is honest for a truncated capture.
      const text = payload.toString('utf8');
      data = this.masker ? this.masker.webSocketText(text, m.truncated) : text;
      masked ||= data !== text;
      encoding = 'utf8';
    } else if (this.masker) {
      const out = this.masker.webSocketBinary(payload, m.truncated);
      data = out.data.toString('base64');
      masked ||= out.masked;
    } else data = payload.toString('base64');
    this.queue.push({
      sessionId: this.options.sessionId, socketId: this.socketId, seq: this.seq++, url: this.url,
      direction, at: Date.now(), kind: m.kind, size: m.size, data, encoding, truncated: m.truncated,
      ...(masked ? { masked } : {}),
    });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => this.options.store.putWebSocketMessages(batch))
      .catch((err) => this.options.onError(err, 'websocket capture'));
  }
}
