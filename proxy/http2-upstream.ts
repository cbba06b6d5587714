/**
 * HTTP/2 to upstreams that offer it (ALPN `h2`), opt-in (`http2Upstream`). Each
 * origin is probed once; h2 requests then share one session per origin. The
 * request object handed back behaves like an http.ClientRequest where the
 * exchange uses it (write/pipe, 'response' with an IncomingMessage-like stream,
 * 'error', setTimeout, destroy), so exchange.ts keeps one code path.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { originOf, type Target } from './exchange';

/** Connection-specific headers HTTP/2 forbids. */
const FORBIDDEN = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/** Header fields accepted per response (Set-Cookie-heavy sites send many). */
const MAX_HEADER_FIELDS = 2000;

export class Http2Upstreams {
  private readonly probes = new Map<string, Promise<boolean>>();
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  constructor(
    private readonly tlsOptions: tls.ConnectionOptions,
    private readonly maxHeaderBytes: number,
    /** Name resolution for a connection to a port (the forward proxy's checks where it may connect). */
    private readonly lookupFor: (port: number) => net.LookupFunction | undefined = () => undefined,
  ) {}

  /** Whether the origin negotiates h2 (probed once per origin; failures mean no). */
  supports(to: Target): Promise<boolean> {
    const origin = originOf(to);
    let probe = this.probes.get(origin);
    if (!probe) {
      probe = new Promise<boolean>((resolve) => {
        const socket = tls.connect(this.connectOptions(to, ['h2', 'http/1.1']));
        socket.setTimeout(10_000, () => socket.destroy());
        socket.once('secureConnect', () => { resolve(socket.alpnProtocol === 'h2'); socket.destroy(); });
        socket.once('error', () => resolve(false));
        socket.once('close', () => resolve(false));
      });
      this.probes.set(origin, probe);
    }
    return probe;
  }

  request(to: Target, method: string, headers: http.OutgoingHttpHeaders): Http2Request {
    const session = this.session(to);
    const h2Headers: http2.OutgoingHttpHeaders = {
      ':method': method, ':path': to.path, ':scheme': 'https',
      ':authority': typeof headers.host === 'string' ? headers.host : new URL(originOf(to)).host,
    };
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || FORBIDDEN.has(name)) continue;
      h2Headers[name] = value;
    }
    return new Http2Request(session.request(h2Headers, { endStream: false }));
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  private session(to: Target): http2.ClientHttp2Session {
    const origin = originOf(to);
    let session = this.sessions.get(origin);
    if (!session || session.closed || session.destroyed) {
      session = http2.connect(origin, {
        createConnection: () => tls.connect(this.connectOptions(to, ['h2'])),
        // Large header blocks pass as they do over HTTP/1.1 (Node's defaults: 64 KB and 128 fields).
        maxHeaderListPairs: MAX_HEADER_FIELDS,
        settings: { maxHeaderListSize: this.maxHeaderBytes },
      });
      const s = session;
      const forget = () => { if (this.sessions.get(origin) === s) this.sessions.delete(origin); };
      s.on('error', forget);
      s.on('close', forget);
      s.on('goaway', forget);
      this.sessions.set(origin, s);
    }
    return session;
  }

  private connectOptions(to: Target, alpn: string[]): tls.ConnectionOptions {
    const isIp = /^[\d.]+$/.test(to.hostname) || to.hostname.includes(':');
    return { ...this.tlsOptions, host: to.hostname, port: to.port, ALPNProtocols: alpn, lookup: this.lookupFor(to.port), ...(isIp ? {} : { servername: to.hostname }) };
  }
}

/** What exchange.ts needs of an upstream request, over one HTTP/2 stream. */
export class Http2Request extends Writable {
  constructor(private readonly stream: http2.ClientHttp2Stream) {
    // Not destroyed when the request body ends: destroy() cancels the stream (client gone, timeout).
    super({ autoDestroy: false });
    stream.on('response', (headers) => {
      const res = stream as unknown as http.IncomingMessage;
      const status = Number(headers[':status']);
      const raw: string[] = [];
      for (const [name, value] of Object.entries(headers)) {
        if (name.startsWith(':') || value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) raw.push(name, String(v));
      }
      Object.assign(res, { statusCode: status, statusMessage: http.STATUS_CODES[status] ?? '', rawHeaders: raw, httpVersion: '2.0' });
      this.emit('response', res);
    });
    stream.on('error', (err) => this.emit('error', err));
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.stream.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.stream.end();
    callback();
  }

  setTimeout(ms: number, onTimeout: () => void): this {
    this.stream.setTimeout(ms, onTimeout);
    return this;
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.stream.closed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    callback(err);
  }
}
