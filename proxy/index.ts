/**
 * The proxy's public door: start a recording forward proxy on top of a store.
 */
import type net from 'node:net';
import type { VerbatimStore } from '../store/store';
import { HostCertificates, loadOrCreateCa, type CaFiles } from './ca';
import type { CaptureStats } from './capture';
import type { IdentityRule } from './identity/rules';
import type { IngestPipeline } from './ingest/pipeline';
import { createExchangeContext, drainContext, upstreamTlsOptions } from './exchange-context';
import { ClientAccess } from './client-access';
import { createForwardProxy } from './forward-proxy';
import { listenTracked } from './listen';
import type { MaskingPolicy } from './masking/index';
import { SessionTokens } from './session-tokens';
import { TargetPolicy } from './target-policy';

export { loadOrCreateCa, caPaths, type CaFiles } from './ca';
export { loadIdentityRules, parseIdentityRules, type IdentityRule } from './identity/rules';
export { IngestPipeline, type IngestOptions } from './ingest/pipeline';
export { loadPolicy, parsePolicy, DEFAULT_POLICY, EventMasker, Masker, type MaskingPolicy } from './masking/index';

export interface ProxyOptions {
  store: VerbatimStore;
  /** Data dir: CA and token key live here unless keysDir says otherwise. */
  dataDir: string;
  /** Shared key dir (several instances): the session-token key, and the CA under ca/. Default <data>/keys and <data>/ca. */
  keysDir?: string;
  /** The built recorder bundle (dist/recorder/recorder.js). */
  recorderScript: Buffer;
  host?: string;
  port?: number;
  /** Largest response body kept per capture; longer bodies are streamed whole and stored truncated. */
  captureMaxBytes?: number;
  maxUploadBytes?: number;
  sessionIdleMs?: number;
  /** Timeouts and header sizes (network-limits.ts, defaults there and in the README). */
  upstreamTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxHeaderBytes?: number;
  /** Extra CA certificates (PEM) trusted for upstream TLS, e.g. an internal CA. */
  upstreamCa?: string[];
  /** Do not verify upstream TLS certificates (test benches with self-signed sites only). */
  insecureUpstream?: boolean;
  /** Speak HTTP/2 to HTTPS upstreams that offer it via ALPN (probed once per origin). */
  http2Upstream?: boolean;
  /** Origins (scheme://host:port) to forward without recording, e.g. the replay viewer's own address (forward proxy: for browsers on this machine only). */
  passOrigins?: string[];
  /**
   * Forward proxy: private, loopback and other non-public addresses it may reach (IPs, CIDR blocks, host
   * names, `*.suffix`). Public addresses are always reached; anything else only when listed (target-policy.ts).
   */
  allowedTargets?: string[];
  /** Forward proxy: ports of Verbatim's other listeners on this machine (viewer, gateway), never reached through it. */
  ownPorts?: number[];
  /** Forward proxy: client addresses (IPs or CIDR blocks) that may use it (client-access.ts). */
  allowClients?: string[];
  /** Forward proxy: require Proxy-Authorization credentials, checked here. */
  authenticateClient?: (id: string, secret: string) => Promise<boolean>;
  /** Name resolution override for upstream hosts (split DNS, tests). */
  lookup?: net.LookupFunction;
  /** Masking policy applied in the page and again before anything is written (default: DEFAULT_POLICY). */
  masking?: MaskingPolicy;
  /** Customer identity rules (proxy/identity/rules.ts); the ids they find go to the store's customer index. */
  identityRules?: IdentityRule[];
  /**
   * The ingest pipeline to use (shared by the proxy, gateway and collector of one process); one is made from
   * `store`, `masking` and `identityRules` when absent.
   */
  ingest?: IngestPipeline;
  /** Called for failures that must not reach the browser; never given secrets. */
  onError?: (err: unknown, context: string) => void;
  /** Whether an agent watches a session live (the viewer's LiveHub): its recorder is then told to upload every 500 ms. */
  liveWatched?: (sessionId: string) => boolean;
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

/** Throws CONFIG_INVALID when a forward proxy on `host` would be open to anyone (check before starting anything). */
export function assertProxyExposure(host: string, options: Pick<ProxyOptions, 'allowClients' | 'authenticateClient'>): void {
  ClientAccess.assertSafe(host, { allow: options.allowClients, authenticate: options.authenticateClient });
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const host = options.host ?? '127.0.0.1';
  const clientOptions = { allow: options.allowClients, authenticate: options.authenticateClient };
  // Beyond loopback the proxy is never open to anyone: an address allow-list or credentials (or both).
  ClientAccess.assertSafe(host, clientOptions);
  const clients = options.allowClients?.length || options.authenticateClient ? new ClientAccess(clientOptions) : undefined;
  const targets = new TargetPolicy(options.allowedTargets ?? [], options.lookup);
  for (const port of options.ownPorts ?? []) targets.addOwnPort(port);
  const [ca, tokens] = await Promise.all([loadOrCreateCa(options.keysDir ?? options.dataDir), SessionTokens.load(options.dataDir, options.keysDir)]);
  const certificates = new HostCertificates(ca);
  await certificates.warm();
  // Built the same way as the gateway's (exchange-context.ts): one place decides agents, masking, sessions.
  const context = createExchangeContext(options, tokens, 'proxy', targets);
  const upstreamTls = upstreamTlsOptions(options);
  const server = createForwardProxy({ context, certificates, upstreamTls, clients });
  const listening = await listenTracked(server, host, options.port ?? 8080, context);
  targets.addOwnPort(listening.port);
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
