/**
 * Gateway (reverse-proxy) mode: Verbatim stands in front of one or more origins
 * on a listen address, so customers' browsers need no proxy settings. Every
 * exchange goes through the same handleExchange as the forward proxy (injection,
 * capture, sessions, store); only the public URL and the upstream differ.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { CaptureStats } from './capture';
import { createExchangeContext, drainContext, upstreamTlsOptions, type CommonOptions } from './exchange-context';
import { handleExchange, originOf, type Target, type UpstreamHop } from './exchange';
import {
  forwardHeaders, parseHostHeader, publicView, rewriteLocation, routeFor, TrustedProxies,
  type GatewayRoute, type PublicView,
} from './gateway-routes';
import { listenTracked } from './listen';
import { answerClientError, serverOptions } from './network-limits';
import { upstreamRequestHeaders } from './http-headers';
import { SessionTokens } from './session-tokens';
import { relayOptionsFor, relayWebSocket } from './websocket-relay';

export { parseUpstreams, type GatewayRoute } from './gateway-routes';

export interface GatewayOptions extends CommonOptions {
  routes: GatewayRoute[];
  host?: string;
  port?: number;
  /** PEM certificate chain and key: the gateway then speaks HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Send the browser's Host to the origin (default true); false sends the origin's own host name. */
  preserveHost?: boolean;
  /** Addresses (IPs or CIDR blocks) of load balancers whose X-Forwarded-For/-Proto/-Host are believed. */
  trustedProxies?: string[];
}

export interface RunningGateway {
  url: string;
  port: number;
  captureStats: CaptureStats;
  drain(): Promise<void>;
  close(): Promise<void>;
}

const LOCATION_HEADERS = new Set(['location', 'content-location']);

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const tokens = await SessionTokens.load(options.dataDir, options.keysDir);
  const context = createExchangeContext(options, tokens, 'gateway');
  const trusted = new TrustedProxies(options.trustedProxies ?? []);
  const preserveHost = options.preserveHost ?? true;
  const secure = Boolean(options.tls);
  const upstreamTls = upstreamTlsOptions(options);
  const views = new WeakMap<IncomingMessage, PublicView>();
  context.clientIp = (req) => views.get(req)?.clientIp ?? req.socket.remoteAddress;

  /** The public target and the hop to the origin, or an HTTP status when the request cannot be routed. */
  const resolve = (req: IncomingMessage): { target: Target; hop: UpstreamHop; view: PublicView } | number => {
    const path = req.url ?? '';
    if (!path.startsWith('/')) return 400; // absolute-form: someone is using us as a forward proxy
    const view = publicView(req.headers, req.socket.remoteAddress, secure, trusted);
    const host = parseHostHeader(view.host, view.protocol === 'https:' ? 443 : 80);
    if (!host) return 400;
    const route = routeFor(options.routes, host.hostname);
    if (!route) return 421;
    const up = route.upstream;
    const upstream: Target = {
      protocol: up.protocol as Target['protocol'],
      hostname: up.hostname.startsWith('[') ? up.hostname.slice(1, -1) : up.hostname,
      port: Number(up.port || (up.protocol === 'https:' ? 443 : 80)),
      path,
    };
    const target: Target = { protocol: view.protocol, hostname: host.hostname, port: host.port, path };
    const upstreamOrigin = originOf(upstream);
    const publicOrigin = originOf(target);
    views.set(req, view);
    return {
      target, view,
      hop: {
        upstream,
        requestHeaders: (headers) => forwardHeaders(headers, view, upstream, preserveHost),
        responseHeaders: (pairs) => pairs.map(([n, v]) => (LOCATION_HEADERS.has(n) ? [n, rewriteLocation(v, upstreamOrigin, publicOrigin)] : [n, v])),
      },
    };
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const resolved = resolve(req);
    if (typeof resolved === 'number') {
      res.writeHead(resolved, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(resolved === 421 ? 'No site is configured for this host name' : 'Bad request');
    }
    handleExchange(context, req, res, resolved.target, resolved.hop);
  };
  const limits = serverOptions(context.limits);
  const server = options.tls
    ? https.createServer({
      ...limits, cert: options.tls.cert, key: options.tls.key, ALPNProtocols: ['http/1.1'],
      handshakeTimeout: context.limits.headersTimeoutMs,
    }, onRequest)
    : http.createServer(limits, onRequest);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const resolved = resolve(req);
    if (typeof resolved === 'number') return void socket.end(`HTTP/1.1 ${resolved} ${http.STATUS_CODES[resolved]}\r\ncontent-length: 0\r\n\r\n`);
    const headers = upstreamRequestHeaders(req.headers);
    resolved.hop.requestHeaders(headers);
    relayWebSocket(req, socket, head, resolved.hop.upstream, headers, relayOptionsFor(context, req, resolved.target, { upstreamTls, lookup: options.lookup }));
  });
  server.on('clientError', answerClientError);
  const listening = await listenTracked(server, options.host ?? '127.0.0.1', options.port ?? 8443, context);
  return {
    url: `${secure ? 'https' : 'http'}://${listening.authority}`,
    port: listening.port,
    captureStats: context.captures.stats,
    drain: () => drainContext(context),
    close: () => listening.close(),
  };
}
