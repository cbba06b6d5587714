/**
 * The proxy's public door: start a recording forward proxy on top of a store.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { VerbatimStore } from '../store/store';
import { HostCertificates, loadOrCreateCa, type CaFiles } from './ca';
import { CaptureWriter, type CaptureStats, type IdentityHook } from './capture';
import type { ExchangeContext } from './exchange';
import { createForwardProxy } from './forward-proxy';
import { Http2Upstreams } from './http2-upstream';
import { DEFAULT_POLICY, recorderMaskingAttribute, type MaskingPolicy } from './masking/index';
import { RecorderEndpoint } from './recorder-endpoint';
import { SessionTokens } from './session-tokens';
import { SessionTracker } from './sessions';

export { loadOrCreateCa, caPaths, type CaFiles } from './ca';
export { loadIdentityRules, parseIdentityRules, type IdentityRule } from './identity/rules';
export type { IdentityHook } from './capture';
export { loadPolicy, parsePolicy, DEFAULT_POLICY, type MaskingPolicy } from './masking/index';

export interface ProxyOptions {
  store: VerbatimStore;
  /** Data dir: CA and token key live here. */
  dataDir: string;
  /** The built recorder bundle (dist/recorder/recorder.js). */
  recorderScript: Buffer;
  host?: string;
  port?: number;
  /** Largest response body kept per capture; longer bodies are streamed whole and stored truncated. */
  captureMaxBytes?: number;
  maxUploadBytes?: number;
  sessionIdleMs?: number;
  upstreamTimeoutMs?: number;
  /** Extra CA certificates (PEM) trusted for upstream TLS, e.g. an internal CA. */
  upstreamCa?: string[];
  /** Do not verify upstream TLS certificates (test benches with self-signed sites only). */
  insecureUpstream?: boolean;
  /** Speak HTTP/2 to HTTPS upstreams that offer it via ALPN (probed once per origin). */
  http2Upstream?: boolean;
  /** Origins (scheme://host:port) to forward without recording, e.g. the replay viewer's own address. */
  passOrigins?: string[];
  /** Name resolution override for upstream hosts (split DNS, tests). */
  lookup?: net.LookupFunction;
  /** Masking policy applied in the page and again before anything is written (default: DEFAULT_POLICY). */
  masking?: MaskingPolicy;
  /** Customer identity rules (proxy/identity/rules.ts) and where the ids they find go. */
  identity?: IdentityHook;
  /** Called for failures that must not reach the browser; never given secrets. */
  onError?: (err: unknown, context: string) => void;
}

export interface RunningProxy {
  url: string;
  port: number;
  ca: CaFiles;
  captureStats: CaptureStats;
  /** Waits until every capture in flight is in the store. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const onError = options.onError ?? (() => {});
  const [ca, tokens] = await Promise.all([loadOrCreateCa(options.dataDir), SessionTokens.load(options.dataDir)]);
  const certificates = new HostCertificates(ca);
  await certificates.warm();
  const upstreamTls: tls.ConnectionOptions = {
    ...(options.upstreamCa?.length ? { ca: [...tls.rootCertificates, ...options.upstreamCa] } : {}),
    ...(options.insecureUpstream ? { rejectUnauthorized: false } : {}),
  };
  const sessions = new SessionTracker(options.store, tokens, options.sessionIdleMs ?? 30 * 60_000, 'proxy');
  const masking = options.masking ?? DEFAULT_POLICY;
  const captures = new CaptureWriter(options.store, (err) => onError(err, 'capture write'), masking, options.identity);
  const context: ExchangeContext = {
    store: options.store,
    sessions,
    endpoint: new RecorderEndpoint({
      store: options.store, tokens, recorderScript: options.recorderScript,
      maxUploadBytes: options.maxUploadBytes ?? 2 * 1024 * 1024, masking, onError,
    }),
    recorderMasking: recorderMaskingAttribute(masking),
    captures,
    agents: {
      http: new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, ...upstreamTls }),
    },
    captureMaxBytes: options.captureMaxBytes ?? 32 * 1024 * 1024,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? 120_000,
    lookup: options.lookup,
    passOrigins: new Set(options.passOrigins ?? []),
    onError,
    http2: options.http2Upstream ? new Http2Upstreams(upstreamTls, options.lookup) : undefined,
  };
  const server = createForwardProxy({ context, certificates, upstreamTls, lookup: options.lookup });
  // Tunnels and upgraded sockets are not closed by closeAllConnections(): track every socket.
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, host, () => { server.off('error', reject); resolve(); });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    ca,
    captureStats: captures.stats,
    drain: () => captures.drain(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      context.agents.http.destroy();
      context.agents.https.destroy();
      context.http2?.close();
      await captures.drain();
    },
  };
}

export { startGateway, parseUpstreams, type GatewayOptions, type GatewayRoute, type RunningGateway } from './gateway';
