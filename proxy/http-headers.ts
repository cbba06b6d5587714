/** Header hygiene shared by the proxy paths. Kept allocation-light: it runs on every request. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

export const SESSION_COOKIE = '__verbatim_s';

/** Request headers for the upstream: hop-by-hop removed, our session cookie taken out. */
export function upstreamRequestHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const connectionListed = listedInConnection(headers.connection);
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || connectionListed?.has(name)) continue;
    out[name] = headers[name];
  }
  if (typeof out.cookie === 'string' && out.cookie.includes(SESSION_COOKIE)) {
    const kept = withoutSessionCookie(out.cookie);
    if (kept) out.cookie = kept;
    else delete out.cookie;
  }
  return out;
}

/** Response headers as flat [name, value] pairs (lower-cased names), hop-by-hop removed. */
export function responseHeaderPairs(rawHeaders: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  let connectionListed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === 'connection') connectionListed = listedInConnection(rawHeaders[i + 1]);
    if (HOP_BY_HOP.has(name)) continue;
    pairs.push([name, rawHeaders[i + 1]]);
  }
  return connectionListed ? pairs.filter(([n]) => !connectionListed!.has(n)) : pairs;
}

export function flatten(pairs: [string, string][]): string[] {
  const flat: string[] = [];
  for (const [k, v] of pairs) flat.push(k, v);
  return flat;
}

export function headerValue(pairs: [string, string][], name: string): string | undefined {
  for (const [k, v] of pairs) if (k === name) return v;
  return undefined;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || !header.includes(name)) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function withoutSessionCookie(cookie: string): string {
  return cookie.split(';').filter((p) => p.trim().split('=')[0] !== SESSION_COOKIE).join(';').trim();
}

function listedInConnection(value: string | string[] | undefined): Set<string> | undefined {
  if (!value || typeof value !== 'string' || value.toLowerCase() === 'keep-alive' || value.toLowerCase() === 'close') return undefined;
  return new Set(value.toLowerCase().split(',').map((s) => s.trim()));
}
