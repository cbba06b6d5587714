/**
 * The per-process state every exchange needs (store, sessions, capture writer,
 * upstream agents), built the same way for the forward proxy and the gateway.
 */
import tls from 'node:tls';
import type { Channel } from '../store/records';
import { CaptureWriter } from './capture';
import type { ExchangeContext } from './exchange';
import type { ProxyOptions } from './index';
import { DEFAULT_POLICY, Masker, recorderMaskingAttribute } from './masking/index';
import { Http2Upstreams } from './http2-upstream';
import { RecorderEndpoint } from './recorder-endpoint';
import type { SessionTokens } from './session-tokens';
import { SessionTracker } from './sessions';
import { upstreamAgents } from './upstream-agents';

export type CommonOptions = Omit<ProxyOptions, 'host' | 'port'>;

export function upstreamTlsOptions(options: CommonOptions): tls.ConnectionOptions {
  return {
    ...(options.upstreamCa?.length ? { ca: [...tls.rootCertificates, ...options.upstreamCa] } : {}),
    ...(options.insecureUpstream ? { rejectUnauthorized: false } : {}),
  };
}

export function createExchangeContext(options: CommonOptions, tokens: SessionTokens, channel: Channel): ExchangeContext {
  const onError = options.onError ?? (() => {});
  const upstreamTls = upstreamTlsOptions(options);
  const masking = options.masking ?? DEFAULT_POLICY;
  const masker = new Masker(masking);
  const sessions = new SessionTracker(options.store, tokens, options.sessionIdleMs ?? 30 * 60_000, channel, (err) => onError(err, 'session start'), (s) => masker.text(s));
  const sessionReady = (id: string) => sessions.ready(id);
  return {
    store: options.store,
    sessions,
    endpoint: new RecorderEndpoint({
      store: options.store, tokens, recorderScript: options.recorderScript,
      maxUploadBytes: options.maxUploadBytes ?? 2 * 1024 * 1024, masking, onError, sessionReady,
    }),
    captures: new CaptureWriter(options.store, (err) => onError(err, 'capture write'), masking, options.identity, sessionReady),
    recorderMasking: recorderMaskingAttribute(masking),
    agents: upstreamAgents({ tls: upstreamTls }),
    captureMaxBytes: options.captureMaxBytes ?? 32 * 1024 * 1024,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? 120_000,
    lookup: options.lookup,
    passOrigins: new Set(options.passOrigins ?? []),
    onError,
    http2: options.http2Upstream ? new Http2Upstreams(upstreamTls, options.lookup) : undefined,
  };
}

/** Waits until every capture and recorder upload received so far is in the store (or refused). */
export async function drainContext(context: ExchangeContext): Promise<void> {
  await Promise.all([context.captures.drain(), context.endpoint.idle()]);
}
