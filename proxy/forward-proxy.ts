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
  const tunnels = new WeakMap<Duplex, TunnelTarget>();

  const server = http.createServer((req, res) => {
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
  const inner = http.createServer((req: IncomingMessage, res: ServerResponse) => {
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
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] === 0x16) interceptTls(socket as net.Socket, tunnel);
      else blindTunnel(socket, tunnel, options.lookup);
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
    const relay = relayOptionsFor(context, req, target, { upstreamTls: options.upstreamTls, lookup: options.lookup });
    relayWebSocket(req, socket, head, target, upstreamRequestHeaders(req.headers), relay);
  };
  server.on('upgrade', onUpgrade(false));
  inner.on('upgrade', onUpgrade(true));
  server.on('clientError', (_err, socket) => socket.destroy());
  inner.on('clientError', (_err, socket) => socket.destroy());
  server.keepAliveTimeout = 65_000;
  inner.keepAliveTimeout = 65_000;
  server.on('close', () => inner.closeAllConnections());
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

function blindTunnel(socket: Duplex, tunnel: TunnelTarget, lookup?: net.LookupFunction): void {
  const upstream = net.connect({ host: tunnel.hostname, port: tunnel.port, lookup });
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  upstream.on('connect', () => {
    socket.pipe(upstream);
    upstream.pipe(socket);
    socket.resume();
  });
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
