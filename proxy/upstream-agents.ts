/**
 * Connection pools towards upstream sites.
 *
 * Node's agent keeps an idle connection until one second before the timeout a
 * server announces (`Keep-Alive: timeout=N`), and not at all when N ≤ 1: behind
 * such a server every request through the proxy paid a new TCP (and TLS)
 * connection while the browser, which ignores the hint, reused its own. Here an
 * idle connection is kept for three quarters of the announced time (at most one
 * second less), and a request that fails on a reused connection before any
 * answer is sent again once (exchange.ts), as browsers do.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/** Below this there is no point in keeping a connection: the next request rarely comes sooner. */
const MIN_IDLE_MS = 200;

type PooledSocket = Socket & { _httpMessage?: { res?: IncomingWithHeaders } | null; timeout?: number };
interface IncomingWithHeaders { headers: http.IncomingHttpHeaders }

/** Milliseconds an idle connection may stay in the pool; undefined = do not keep it. */
export function idleAllowance(keepAliveHeader: string | string[] | undefined, defaultMs: number): number | undefined {
  const hint = typeof keepAliveHeader === 'string' ? /(?:^|[\s,])timeout\s*=\s*(\d+)/i.exec(keepAliveHeader)?.[1] : undefined;
  if (hint === undefined) return defaultMs;
  const announced = Number(hint) * 1000;
  const idle = announced - Math.min(1000, announced / 4);
  return idle >= MIN_IDLE_MS ? idle : undefined;
}

function keepIdle(socket: PooledSocket, defaultMs: number): boolean {
  const idle = idleAllowance(socket._httpMessage?.res?.headers['keep-alive'], defaultMs);
  if (idle === undefined) return false;
  socket.setKeepAlive(true, 1000);
  socket.unref();
  if (socket.timeout !== idle) socket.setTimeout(idle);
  return true;
}

export interface UpstreamAgentOptions {
  /** Idle time for connections whose server announces none (default 30 s; a stale one is retried). */
  idleMs?: number;
  tls?: https.AgentOptions;
}

const POOL = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64 } as const;

class UpstreamHttpAgent extends http.Agent {
  constructor(private readonly idleMs: number) { super(POOL); }
  override keepSocketAlive(socket: Socket): boolean { return keepIdle(socket, this.idleMs); }
}

class UpstreamHttpsAgent extends https.Agent {
  constructor(private readonly idleMs: number, tls: https.AgentOptions) { super({ ...POOL, ...tls }); }
  override keepSocketAlive(socket: Socket): boolean { return keepIdle(socket, this.idleMs); }
}

export function upstreamAgents(options: UpstreamAgentOptions = {}): { http: http.Agent; https: https.Agent } {
  const idleMs = options.idleMs ?? 30_000;
  return { http: new UpstreamHttpAgent(idleMs), https: new UpstreamHttpsAgent(idleMs, options.tls ?? {}) };
}

/**
 * A request that may be sent again after its reused connection turned out to be
 * closed by the server: no answer yet, a method without side effects, and no body.
 */
export function retriableOnStaleConnection(req: http.IncomingMessage, upstream: http.ClientRequest, err: NodeJS.ErrnoException): boolean {
  if (!upstream.reusedSocket) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') return false;
  if (req.headers['transfer-encoding'] || Number(req.headers['content-length'] ?? 0) > 0) return false;
  return err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ECONNABORTED' || /socket hang up/i.test(err.message);
}
