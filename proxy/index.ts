/**
 * The proxy's public door: start a recording forward proxy on top of a store.
 */
import type net from 'node:net';
import type { VerbatimStore } from '../store/store';
import { HostCertificates, loadOrCreateCa, type CaFiles } from './ca';
import type { CaptureStats, IdentityHook } from './capture';
import { createExchangeContext, drainContext, upstreamTlsOptions } from './exchange-context';
import { createForwardProxy } from './forward-proxy';
import { listenTracked } from './listen';
import type { MaskingPolicy } from './masking/index';
import { SessionTokens } from './session-tokens';

export { loadOrCreateCa, caPaths, type CaFiles } from './ca';
export { loadIdentityRules, parseIdentityRules, type IdentityRule } from './identity/rules';
export type { IdentityHook } from './capture';
export { loadPolicy, parsePolicy, DEFAULT_POLICY, EventMasker, Masker, type MaskingPolicy } from './masking/index';

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
  /** Waits until every capture and recorder upload received so far is in the store. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const [ca, tokens] = await Promise.all([loadOrCreateCa(options.dataDir), SessionTokens.load(options.dataDir)]);
  const certificates = new HostCertificates(ca);
  await certificates.warm();
  // Built the same way as the gateway's (exchange-context.ts): one place decides agents, masking, sessions.
  const context = createExchangeContext(options, tokens, 'proxy');
  const upstreamTls = upstreamTlsOptions(options);
  const server = createForwardProxy({ context, certificates, upstreamTls, lookup: options.lookup });
  const listening = await listenTracked(server, options.host ?? '127.0.0.1', options.port ?? 8080, context);
  return {
    url: `http://${listening.authority}`,
    port: listening.port,
    ca,
    captureStats: context.captures.stats,
    drain: () => drainContext(context),
    close: () => listening.close(),
  };
}

export { startGateway, parseUpstreams, type GatewayOptions, type GatewayRoute, type RunningGateway } from './gateway';
