/**
 * The page's context, read once and sent with the page's first upload: where
 * the visit came from (referrer, UTM parameters) and what it was shown on.
 * The ingest point adds the client IP and the parsed user agent.
 */
import type { PageContext, TrafficSource } from '../store/records';

const UTM = ['source', 'medium', 'campaign', 'term', 'content'] as const;
const cap = (s: string, n = 2048) => (s.length > n ? s.slice(0, n) : s);

export function trafficSource(href: string, referrer: string): TrafficSource {
  const url = new URL(href);
  const source: TrafficSource = { kind: 'direct' };
  for (const k of UTM) {
    const v = url.searchParams.get(`utm_${k}`);
    if (v) (source as unknown as Record<string, string>)[`utm${k[0].toUpperCase()}${k.slice(1)}`] = cap(v, 256);
  }
  let refHost: string | undefined;
  try { refHost = referrer ? new URL(referrer).host : undefined; } catch { /* not a URL */ }
  if (refHost) source.referrerHost = refHost;
  source.kind = source.utmSource || source.utmCampaign || source.utmMedium ? 'campaign'
    : !refHost ? 'direct' : refHost === url.host ? 'internal' : 'referral';
  return source;
}

export function collectPageContext(): PageContext {
  const href = cap(location.href, 8192);
  let timeZone: string | undefined;
  try { timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch { /* old engines */ }
  return {
    url: href,
    ...(document.referrer ? { referrer: cap(document.referrer, 8192) } : {}),
    source: trafficSource(href, document.referrer),
    userAgent: cap(navigator.userAgent, 1024),
    viewport: { width: innerWidth, height: innerHeight },
    screen: { width: screen.width, height: screen.height },
    devicePixelRatio: devicePixelRatio,
    language: navigator.language,
    languages: navigator.languages ? navigator.languages.slice(0, 10) : undefined,
    ...(timeZone ? { timeZone } : {}),
  };
}
