/**
 * The forward proxy's sockets: plain HTTP proxy requests (absolute-form URLs),
 * CONNECT tunnels and WebSocket upgrades. Inside a tunnel, TLS is intercepted
 * with a per-host certificate and plain HTTP (Chromium sends a `ws://` WebSocket
 * through a proxy as a CONNECT tunnel) is read like any other request; both then
 * go through handleExchange and the WebSocket relay, so they are recorded.
 * Anything else is tunnelled blind. Who may use the proxy is client-access.ts,
 * where it may connect target-policy.ts, how long each socket may stall
 * network-limits.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HostCertificates } from './ca';
import { refusalHead, refusalOf, type ClientAccess } from './client-access';
import { connectLookup, handleExchange, type ExchangeContext, type Target } from './exchange';
import { upstreamRequestHeaders } from './http-headers';
import { infoPage } from './info-page';
import { answerClientError, deadline, serverOptions } from './network-limits';
import { joinSockets } from './socket-pair';
import { relayOptionsFor, relayWebSocket } from './websocket-relay';

export interface ForwardProxyOptions {
  context: ExchangeContext;
  certificates: HostCertificates;
  /** Trust settings for upstream TLS (tests add their own CA). */
  upstreamTls: tls.ConnectionOptions;
  /** Who may use the proxy; absent = anyone who can connect (loopback only, see index.ts). */
  clients?: ClientAccess;
}

interface TunnelTarget { hostname: string; port: number; secure: boolean }

/** A request line (`GET /path HTTP/1.1`) at the start of a tunnel: plain HTTP, e.g. a ws:// WebSocket. */
const HTTP_REQUEST_START = /^[A-Z]{3,10} \S/;

export function createForwardProxy(options: ForwardProxyOptions): http.Server {
  const { context, clients } = options;
  const { limits } = context;
  const tunnels = new WeakMap<Duplex, TunnelTarget>();

  /**
   * Runs `go` once the client is admitted (client-access.ts); otherwise answers the refusal, through
   * `res` for a plain request, on the raw socket for CONNECT and upgrades.
   */
  const admitted = (req: IncomingMessage, to: ServerResponse | Duplex, go: () => void): void => {
    if (!clients) return go();
    clients.admit(req).then((admission) => {
      if (admission.ok) return go();
      const refusal = refusalOf(admission.status, admission.reason);
      if (to instanceof http.ServerResponse) return void to.writeHead(refusal.status, refusal.headers).end(refusal.body);
      to.end(refusalHead(refusal));
      setTimeout(() => to.destroy(), 1000).unref();
    }, () => to.destroy());
  };

  const server = http.createServer(serverOptions(limits), (req, res) => admitted(req, res, () => {
    const url = req.url ?? '/';
    if (url.startsWith('/')) return infoPage(req, res);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Malformed proxy request URL');
      return;
    }
    if (parsed.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Only http: URLs can be proxied without CONNECT');
      return;
    }
    handleExchange(context, req, res, {
      protocol: 'http:', hostname: stripBrackets(parsed.hostname), port: Number(parsed.port || 80), path: parsed.pathname + parsed.search,
    });
  }));

  // Requests that arrive inside a tunnel (intercepted TLS or plain HTTP).
  const inner = http.createServer(serverOptions(limits), (req: IncomingMessage, res: ServerResponse) => {
    const tunnel = tunnels.get(req.socket);
    if (!tunnel) return void res.writeHead(500).end();
    handleExchange(context, req, res, targetInTunnel(req, tunnel));
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const authority = parseAuthority(req.url ?? '');
    if (!authority) return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    admitted(req, socket, () => {
      const refused = context.targets?.literalRefusal(authority.hostname, authority.port);
      if (refused) return void socket.end(`HTTP/1.1 403 Forbidden\r\nx-verbatim-error: TARGET_REFUSED\r\ncontent-length: 0\r\n\r\n`);
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) socket.unshift(head);
      // A browser sends its first bytes (a TLS ClientHello) at once: a tunnel that stays silent, or is closed, goes.
      const firstBytes = deadline(socket, limits.headersTimeoutMs);
      socket.once('data', (first: Buffer) => {
        firstBytes();
        socket.pause();
        socket.unshift(first);
        if (first[0] === 0x16) interceptTls(socket as net.Socket, { ...authority, secure: true });
        else if (HTTP_REQUEST_START.test(first.subarray(0, 12).toString('latin1'))) readPlainHttp(socket, { ...authority, secure: false });
        else blindTunnel(socket, authority);
      });
    });
  });

  const interceptTls = (socket: net.Socket, tunnel: TunnelTarget) => {
    options.certificates.contextFor(tunnel.hostname).then((secureContext) => {
      const tlsSocket = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNProtocols: ['http/1.1'],
        SNICallback: (servername, cb) => {
          options.certificates.contextFor(servername).then((ctx) => cb(null, ctx), (err) => cb(err));
        },
      });
      tlsSocket.on('error', () => { tlsSocket.destroy(); socket.destroy(); });
      // The handshake too must finish within the header timeout; after it the inner server's deadlines apply.
      const handshake = deadline(tlsSocket, limits.headersTimeoutMs);
      tlsSocket.once('secure', handshake);
      tlsSocket.once('close', () => socket.destroy());
      tunnels.set(tlsSocket, tunnel);
      inner.emit('connection', tlsSocket);
      socket.resume();
    }, () => socket.destroy());
  };

  /** Plain HTTP in a tunnel: the inner server reads it as it reads decrypted TLS. */
  const readPlainHttp = (socket: Duplex, tunnel: TunnelTarget) => {
    tunnels.set(socket, tunnel);
    inner.emit('connection', socket);
    socket.resume();
  };

  /** Anything else in a tunnel is relayed as it is, closed when silent both ways. */
  const blindTunnel = (socket: Duplex, tunnel: { hostname: string; port: number }): void => {
    const upstream = net.connect({ host: tunnel.hostname, port: tunnel.port, lookup: connectLookup(context, tunnel.port) });
    upstream.setTimeout(limits.upstreamTimeoutMs, () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    const early = () => upstream.destroy();
    socket.once('close', early);
    upstream.on('connect', () => {
      upstream.setTimeout(0);
      socket.off('close', early);
      joinSockets(socket, upstream, { idleMs: limits.idleTimeoutMs });
      socket.resume();
    });
  };

  const onUpgrade = (inTunnel: boolean) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let target: Target;
    if (inTunnel) {
      const tunnel = tunnels.get(socket);
      if (!tunnel) return void socket.destroy();
      target = targetInTunnel(req, tunnel);
    } else {
      try {
        const u = new URL(req.url ?? '');
        target = { protocol: 'http:', hostname: stripBrackets(u.hostname), port: Number(u.port || 80), path: u.pathname + u.search };
      } catch {
        return void socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      }
    }
    const relay = () => {
      const refused = context.targets?.literalRefusal(target.hostname, target.port);
      if (refused) return void socket.end('HTTP/1.1 403 Forbidden\r\nx-verbatim-error: TARGET_REFUSED\r\ncontent-length: 0\r\n\r\n');
      const relayOptions = relayOptionsFor(context, req, target, { upstreamTls: options.upstreamTls, lookup: connectLookup(context, target.port) });
      relayWebSocket(req, socket, head, target, upstreamRequestHeaders(req.headers), relayOptions);
    };
    // An upgrade inside a tunnel was admitted with its CONNECT.
    if (inTunnel) relay();
    else admitted(req, socket, relay);
  };
  server.on('upgrade', onUpgrade(false));
  inner.on('upgrade', onUpgrade(true));
  server.on('clientError', answerClientError);
  inner.on('clientError', answerClientError);
  // Node tracks a server's connections (header and request deadlines, closeAllConnections) from its
  // 'listening' event on; the inner server never listens, it is handed sockets: start that tracking here.
  inner.emit('listening');
  server.on('close', () => {
    inner.closeAllConnections();
    inner.close();
  });
  return server;
}

function targetInTunnel(req: IncomingMessage, tunnel: TunnelTarget): Target {
  const host = parseAuthority(req.headers.host ?? '', tunnel.secure ? 443 : 80);
  return {
    protocol: tunnel.secure ? 'https:' : 'http:',
    hostname: host?.hostname ?? tunnel.hostname,
    port: host?.port ?? tunnel.port,
    path: req.url ?? '/',
  };
}

function parseAuthority(authority: string, defaultPort = 443): { hostname: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:\s/]+)(?::(\d{1,5}))?$/.exec(authority.trim());
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (port < 1 || port > 65535) return undefined;
  return { hostname: stripBrackets(m[1]), port };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
