/**
 * The forward proxy's sockets: plain HTTP proxy requests (absolute-form URLs),
 * CONNECT tunnels (TLS is intercepted with a per-host certificate, anything
 * else is tunnelled blind) and WebSocket upgrades (passed through).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { HostCertificates } from './ca';
import { handleExchange, type ExchangeContext, type Target } from './exchange';
import { upstreamRequestHeaders } from './http-headers';
import { infoPage } from './info-page';

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
    passWebSocket(req, socket, head, target, options);
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

/** Relays a WebSocket upgrade byte for byte once the request head is forwarded. */
function passWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target, options: ForwardProxyOptions): void {
  const connectOptions = { host: target.hostname, port: target.port, lookup: options.lookup };
  const upstream = target.protocol === 'https:'
    ? tls.connect({ ...options.upstreamTls, ...connectOptions, servername: net.isIP(target.hostname) ? undefined : target.hostname })
    : net.connect(connectOptions);
  const headers = upstreamRequestHeaders(req.headers);
  // upgrade and connection are hop-by-hop in general but are the point of this request.
  headers.connection = 'Upgrade';
  headers.upgrade = req.headers.upgrade;
  let headText = `${req.method} ${target.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headText += `${name}: ${v}\r\n`;
  }
  upstream.on(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
    upstream.write(headText + '\r\n');
    if (head.length) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  upstream.on('error', () => {
    socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
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
