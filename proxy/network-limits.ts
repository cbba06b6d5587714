/**
 * How long the proxy and the gateway wait for each side, and how large a header
 * block they accept. Every socket the proxy holds has a deadline: a browser must
 * send its request headers (or a tunnel its first bytes, or a TLS handshake)
 * promptly, a tunnel or WebSocket that carries nothing either way is closed, an
 * upstream that stops answering is given up. Without these a silent client holds
 * a file descriptor forever (issue 11, item 13). The values are in the README.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export interface NetworkLimits {
  /** Request headers, a CONNECT tunnel's first bytes and a TLS handshake must arrive within this. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) from the browser must arrive within this. */
  requestTimeoutMs: number;
  /** A tunnel or WebSocket with no byte in either direction for this long is closed. */
  idleTimeoutMs: number;
  /** A kept-alive browser connection with no request for this long is closed. */
  keepAliveTimeoutMs: number;
  /** An upstream that sends nothing (no answer, no body byte) for this long is given up (504). */
  upstreamTimeoutMs: number;
  /** Largest header block accepted from browsers and from upstreams. */
  maxHeaderBytes: number;
}

export const DEFAULT_LIMITS: NetworkLimits = {
  // Browsers send the whole head at once; 15 s is generous for a slow branch link and short for slowloris.
  headersTimeoutMs: 15_000,
  // Node's own default, stated: a large form post over a slow link still fits.
  requestTimeoutMs: 300_000,
  // Longer than the 60 s idle cut of common load balancers, which apps already ping within.
  idleTimeoutMs: 300_000,
  // Above the 60 s idle cut of a load balancer in front, so it never reuses a connection we just closed.
  keepAliveTimeoutMs: 65_000,
  upstreamTimeoutMs: 120_000,
  // Chromium's own limit for response headers: what a browser accepts directly must pass through Verbatim.
  maxHeaderBytes: 256 * 1024,
};

/** How often the HTTP server checks header and request deadlines (Node's default is 30 s). */
const DEADLINE_CHECK_MS = 1000;

export function limitsFrom(options: Partial<NetworkLimits>): NetworkLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof NetworkLimits)[]) {
    if (options[key] !== undefined) limits[key] = options[key]!;
  }
  // Node refuses a request deadline shorter than the header deadline.
  limits.requestTimeoutMs = Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs);
  return limits;
}

/** Options for an http/https server that faces browsers. */
export function serverOptions(limits: NetworkLimits): http.ServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(DEADLINE_CHECK_MS, limits.headersTimeoutMs),
  };
}

/**
 * Destroys `socket` unless `done()` is called within `ms`: a tunnel's first bytes,
 * a TLS handshake. A peer that half-closes meanwhile is closed at once (it will
 * send nothing more, and the socket would otherwise sit in CLOSE-WAIT).
 */
export function deadline(socket: Duplex, ms: number): () => void {
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  const onEnd = () => socket.destroy();
  socket.once('end', onEnd);
  return () => {
    clearTimeout(timer);
    socket.off('end', onEnd);
  };
}

/**
 * A request that breaks the rules gets a status line before its socket goes:
 * 408 for headers or a request that did not arrive in time, 431 for headers over
 * the limit, 400 for anything that does not parse.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
    : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const answered = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (socket.writable && !answered) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  socket.destroy();
}
