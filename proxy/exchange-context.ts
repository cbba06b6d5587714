/**
 * The per-process state every exchange needs (store, sessions, capture writer,
 * upstream agents), built the same way for the forward proxy and the gateway.
 */
import tls from 'node:tls';
import type { Channel } from '../store/records';
import { CaptureWriter } from './capture';
import type { ExchangeContext } from './exchange';
import type { ProxyOptions } from './index';
import { IngestPipeline } from './ingest/pipeline';
import { DEFAULT_POLICY, recorderMaskingAttribute } from './masking/index';
import { Http2Upstreams } from './http2-upstream';
import { RecorderEndpoint } from './recorder-endpoint';
import type { SessionTokens } from './session-tokens';
import type { TargetPolicy } from './target-policy';
import { SessionTracker } from './sessions';
import { limitsFrom } from './network-limits';
import { upstreamAgents } from './upstream-agents';

/** What the forward proxy and the gateway share (the rest is the forward proxy's own: who may use it, where it may go). */
export type CommonOptions = Omit<ProxyOptions, 'host' | 'port' | 'allowedTargets' | 'ownPorts' | 'allowClients' | 'authenticateClient'>;

export function upstreamTlsOptions(options: CommonOptions): tls.ConnectionOptions {
  return {
    ...(options.upstreamCa?.length ? { ca: [...tls.rootCertificates, ...options.upstreamCa] } : {}),
    ...(options.insecureUpstream ? { rejectUnauthorized: false } : {}),
  };
}

/** `targets`: the forward proxy's policy for where it may connect (target-policy.ts); the gateway has none. */
export function createExchangeContext(options: CommonOptions, tokens: SessionTokens, channel: Channel, targets?: TargetPolicy): ExchangeContext {
  const onError = options.onError ?? (() => {});
  const upstreamTls = upstreamTlsOptions(options);
  // One pipeline per process: `verbatim start` hands the same one to the proxy, the gateway and the collector.
  const ingest = options.ingest ?? new IngestPipeline({
    store: options.store, masking: options.masking ?? DEFAULT_POLICY, identityRules: options.identityRules, onError,
  });
  const sessions = new SessionTracker(ingest, tokens, options.sessionIdleMs ?? 30 * 60_000, channel, (err) => onError(err, 'session start'));
  const limits = limitsFrom(options);
  return {
    store: options.store,
    ingest,
    ownsIngest: options.ingest === undefined,
    sessions,
    endpoint: new RecorderEndpoint({
      ingest, tokens, recorderScript: options.recorderScript, maxUploadBytes: options.maxUploadBytes ?? 2 * 1024 * 1024, onError,
      onStored: (sessionId, events) => sessions.uploaded(sessionId, events),
      liveWatched: options.liveWatched,
    }),
    captures: new CaptureWriter(ingest),
    recorderMasking: recorderMaskingAttribute(ingest.masking),
    agents: upstreamAgents({ tls: upstreamTls }),
    captureMaxBytes: options.captureMaxBytes ?? 32 * 1024 * 1024,
    limits,
    lookup: options.lookup,
    targets,
    passOrigins: new Set(options.passOrigins ?? []),
    onError,
    http2: options.http2Upstream
      ? new Http2Upstreams(upstreamTls, limits.maxHeaderBytes, (port) => (targets ? targets.lookupFor(port) : options.lookup)) : undefined,
  };
}

/** Waits until every capture and recorder upload received so far is in the store (or refused). */
export async function drainContext(context: ExchangeContext): Promise<void> {
  await Promise.all([context.captures.drain(), context.endpoint.idle()]);
}
