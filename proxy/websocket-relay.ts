/**
 * WebSocket upgrades: the request head is forwarded to the upstream and then
 * bytes are relayed both ways, untouched; with a session, the messages are also
 * captured (websocket-capture.ts). Used by the gateway and the forward proxy.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { clientOf, originOf, type ExchangeContext, type Target } from './exchange';
import { joinSockets } from './socket-pair';
import { WebSocketCapture, type WebSocketCaptureOptions } from './websocket-capture';

export interface RelayOptions {
  upstreamTls: tls.ConnectionOptions;
  lookup?: net.LookupFunction;
  /** No byte either way for this long closes the relay. */
  idleMs: number;
  /** The upstream must accept the connection within this. */
  connectTimeoutMs: number;
  /** Capture the messages into this session's network log. */
  capture?: WebSocketCaptureOptions;
  /** Told about each capture's store writes, so a drain can wait for them. */
  track?: (write: Promise<void>) => void;
}

export function relayWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, upstreamTarget: Target,
  headers: OutgoingHttpHeaders, options: RelayOptions): void {
  const connectOptions = { host: upstreamTarget.hostname, port: upstreamTarget.port, lookup: options.lookup };
  const upstream = upstreamTarget.protocol === 'https:'
    ? tls.connect({ ...options.upstreamTls, ...connectOptions, servername: net.isIP(upstreamTarget.hostname) ? undefined : upstreamTarget.hostname })
    : net.connect(connectOptions);
  // upgrade and connection are hop-by-hop in general but are the point of this request.
  headers.connection = 'Upgrade';
  headers.upgrade = req.headers.upgrade;
  // Compressed frames could not be read for capture: the browser and site fall back to plain frames.
  if (options.capture) delete headers['sec-websocket-extensions'];
  const capture = options.capture ? new WebSocketCapture(options.capture) : undefined;
  let headText = `${req.method} ${upstreamTarget.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headText += `${name}: ${v}\r\n`;
  }
  upstream.setTimeout(options.connectTimeoutMs, () => upstream.destroy(new Error('upstream did not accept in time')));
  upstream.on(upstreamTarget.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    upstream.setTimeout(0);
    upstream.write(headText + '\r\n');
    if (head.length) upstream.write(head);
    capture?.attach(socket, upstream, head);
    joinSockets(socket, upstream, { idleMs: options.idleMs });
  });
  upstream.on('error', () => {
    if (socket.writable) socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
    // Our 502 is sent; a browser that does not close in turn is not waited for.
    setTimeout(() => socket.destroy(), 2000).unref();
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => {
    upstream.destroy();
    if (capture) options.track?.(capture.drain());
  });
}

/** Largest payload kept per WebSocket message (the HTTP capture cap applies when smaller). */
const WS_MESSAGE_CAP = 256 * 1024;

/**
 * Relay options for an exchange context: capture when the upgrade belongs to a session, by its cookie or,
 * without one, by the page that opened it (its Origin, sessions.ts forPageOrigin).
 */
export function relayOptionsFor(ctx: ExchangeContext, req: IncomingMessage, target: Target, connect: Pick<RelayOptions, 'upstreamTls' | 'lookup'>): RelayOptions {
  const base: RelayOptions = { ...connect, idleMs: ctx.limits.idleTimeoutMs, connectTimeoutMs: ctx.limits.upstreamTimeoutMs };
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
  const sessionId = ctx.sessions.fromRequest(req) ?? ctx.sessions.forPageOrigin(clientOf(ctx, req), origin);
  if (!sessionId) return base;
  const url = `${target.protocol === 'https:' ? 'wss:' : 'ws:'}${originOf(target).slice(target.protocol.length)}${target.path}`;
  return {
    ...base,
    capture: {
      ingest: ctx.ingest, sessionId, url, maxBytes: Math.min(ctx.captureMaxBytes, WS_MESSAGE_CAP), onError: ctx.onError,
    },
    track: (write) => ctx.captures.track(write),
  };
}
