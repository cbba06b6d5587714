/**
 * The forward proxy's sockets: plain HTTP proxy requests (absolute-form URLs),
 * CONNECT tunnels (TLS is intercepted with a per-host certificate, anything
 * else is tunnelled blind) and WebSocket upgrades (relayed; messages captured, websocket-relay.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HostCertificates } from './ca';
import { handleExchange, type ExchangeContext, type Target } from './exchange';
import { upstreamRequestHeaders } from './http-headers';
import { infoPage } from './info-page';
import { answerClientError, deadline, firstByteDeadline, serverOptions } from './network-limits';
import { joinSockets } from './socket-pair';
import { relayOptionsFor, relayWebSocket } from './websocket-relay';

export interface ForwardProxyOptions {
  context: ExchangeContext;
  certificates: HostCertificates;
  /** Trust settings for upstream TLS (tests add their own CA). */
  upstreamTls: tls.ConnectionOptions;
  lookup?: net.LookupFunction;
}

interface TunnelTarget { hostname: string; port: number }

export function createForwardProxy(options: ForwardProxyOptions): http.Server {
  const { context } = options;
  const { limits } = context;
  const tunnels = new WeakMap<Duplex, TunnelTarget>();

  const server = http.createServer(serverOptions(limits), (req, res) => {
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
  });

  // Requests that arrive inside an intercepted TLS tunnel.
  const inner = http.createServer(serverOptions(limits), (req: IncomingMessage, res: ServerResponse) => {
    const tunnel = tunnels.get(req.socket);
    if (!tunnel) return void res.writeHead(500).end();
    handleExchange(context, req, res, targetInTunnel(req, tunnel));
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const tunnel = parseAuthority(req.url ?? '');
    socket.on('error', () => socket.destroy());
    if (!tunnel) {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    // A browser sends its first bytes (a TLS ClientHello) at once: a tunnel that stays silent, or is closed, goes.
    const firstBytes = deadline(socket, limits.headersTimeoutMs);
    socket.once('data', (first: Buffer) => {
      firstBytes();
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) interceptTls(socket as net.Socket, tunnel);
      else blindTunnel(socket, tunnel);
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
      tlsSocket.once('secure', () => {
        handshake();
        firstByteDeadline(tlsSocket, limits.headersTimeoutMs);
      });
      tlsSocket.once('close', () => socket.destroy());
      tunnels.set(tlsSocket, tunnel);
      inner.emit('connection', tlsSocket);
      socket.resume();
    }, () => socket.destroy());
  };

  const onUpgrade = (secure: boolean) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let target: Target;
    if (secure) {
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
    const relay = relayOptionsFor(context, req, target, { upstreamTls: options.upstreamTls, lookup: context.lookup });
    relayWebSocket(req, socket, head, target, upstreamRequestHeaders(req.headers), relay);
  };
  server.on('upgrade', onUpgrade(false));
  inner.on('upgrade', onUpgrade(true));
  server.on('clientError', answerClientError);
  inner.on('clientError', answerClientError);
  server.on('connection', (socket: net.Socket) => firstByteDeadline(socket, limits.headersTimeoutMs));
  server.on('close', () => inner.closeAllConnections());

  /** Anything but TLS in a tunnel is relayed as it is, closed when silent both ways. */
  const blindTunnel = (socket: Duplex, tunnel: TunnelTarget): void => {
    const upstream = net.connect({ host: tunnel.hostname, port: tunnel.port, lookup: context.lookup });
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
  return server;
}

function targetInTunnel(req: IncomingMessage, tunnel: TunnelTarget): Target {
  const host = parseAuthority(req.headers.host ?? '', 443);
  return {
    protocol: 'https:',
    hostname: host?.hostname ?? tunnel.hostname,
    port: host?.port ?? tunnel.port,
    path: req.url ?? '/',
  };
}

function parseAuthority(authority: string, defaultPort = 443): TunnelTarget | undefined {
  const m = /^(\[[^\]]+\]|[^:\s/]+)(?::(\d{1,5}))?$/.exec(authority.trim());
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (port < 1 || port > 65535) return undefined;
  return { hostname: stripBrackets(m[1]), port };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
