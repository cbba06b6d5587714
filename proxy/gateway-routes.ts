/**
 * Gateway routing: which origin serves a public host name, and the header work a
 * reverse proxy owes both sides (X-Forwarded-*, Host, Location). Pure functions,
 * so the rules are tested without sockets.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import net from 'node:net';
import { VerbatimError } from '../store/errors';
import { originOf, type Target } from './exchange';

export interface GatewayRoute {
  /** Public host name (lower case, no port) this route answers; undefined = the only route, any Host. */
  publicHost?: string;
  upstream: URL;
}

/**
 * `https://origin.example` or `www.bank.example=https://origin.internal:8443`.
 * One upstream answers every Host; several are chosen by Host (the host name of
 * the upstream URL when no public name is given).
 */
export function parseUpstreams(specs: string[]): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  for (const raw of specs.map((s) => s.trim()).filter(Boolean)) {
    const eq = raw.indexOf('=');
    const hasName = eq > 0 && !raw.slice(0, eq).includes('/');
    const name = hasName ? raw.slice(0, eq).trim().toLowerCase() : undefined;
    let upstream: URL;
    try {
      upstream = new URL(hasName ? raw.slice(eq + 1).trim() : raw);
    } catch {
      throw new VerbatimError('CONFIG_INVALID', `--upstream "${raw}" is not a URL`);
    }
    if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
      throw new VerbatimError('CONFIG_INVALID', `--upstream "${raw}" must be http: or https:`);
    }
    if (upstream.pathname !== '/' || upstream.search) {
      throw new VerbatimError('CONFIG_INVALID', `--upstream "${raw}" must be an origin (no path)`);
    }
    if (name !== undefined && !/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(name)) {
      throw new VerbatimError('CONFIG_INVALID', `--upstream "${raw}": bad public host name`);
    }
    routes.push({ publicHost: name, upstream });
  }
  if (!routes.length) throw new VerbatimError('CONFIG_INVALID', '--upstream needs at least one origin');
  if (routes.length === 1) return routes;
  const seen = new Set<string>();
  for (const r of routes) {
    r.publicHost ??= r.upstream.hostname.toLowerCase();
    if (seen.has(r.publicHost)) throw new VerbatimError('CONFIG_INVALID', `--upstream: host ${r.publicHost} given twice`);
    seen.add(r.publicHost);
  }
  return routes;
}

export function routeFor(routes: GatewayRoute[], hostName: string): GatewayRoute | undefined {
  if (routes.length === 1 && routes[0].publicHost === undefined) return routes[0];
  const name = hostName.toLowerCase();
  return routes.find((r) => r.publicHost === name);
}

/** `name[:port]` from a Host header; undefined when malformed. */
export function parseHostHeader(value: string | undefined, defaultPort: number): { hostname: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s/[\]]+)(?::(\d{1,5}))?$/.exec((value ?? '').trim());
  if (!m) return undefined;
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (port < 1 || port > 65535) return undefined;
  return { hostname: m[1].startsWith('[') ? m[1].slice(1, -1) : m[1], port };
}

/** Addresses of proxies whose X-Forwarded-* headers are believed (exact IPs or CIDR blocks). */
export class TrustedProxies {
  private readonly list = new net.BlockList();
  private readonly any: boolean;

  constructor(entries: string[]) {
    this.any = entries.length > 0;
    for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
      const [address, bits] = entry.split('/');
      const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : undefined;
      if (!family) throw new VerbatimError('CONFIG_INVALID', `--trusted-proxies: "${entry}" is not an IP address or CIDR block`);
      if (bits === undefined) this.list.addAddress(address, family);
      else {
        const prefix = Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128)) {
          throw new VerbatimError('CONFIG_INVALID', `--trusted-proxies: bad prefix in "${entry}"`);
        }
        this.list.addSubnet(address, prefix, family);
      }
    }
  }

  trusts(address: string | undefined): boolean {
    if (!this.any || !address) return false;
    const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
    return this.list.check(plain, net.isIPv6(plain) ? 'ipv6' : 'ipv4');
  }
}

/** What the browser sent, as seen through any trusted proxies in front of us. */
export interface PublicView {
  clientIp: string | undefined;
  protocol: 'http:' | 'https:';
  /** Host header value as the browser sent it. */
  host: string | undefined;
  /** The X-Forwarded-For chain to pass on (client first, our peer last). */
  forwardedFor: string;
}

export function publicView(headers: IncomingHttpHeaders, peer: string | undefined, secure: boolean, trusted: TrustedProxies): PublicView {
  const peerIp = peer?.startsWith('::ffff:') ? peer.slice(7) : peer;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim() || undefined;
  if (!trusted.trusts(peer)) {
    // An untrusted peer's X-Forwarded-* are anyone's words: replaced, not extended.
    return { clientIp: peerIp, protocol: secure ? 'https:' : 'http:', host: headers.host, forwardedFor: peerIp ?? '' };
  }
  // Walk the chain from the right, skipping our trusted proxies: the first untrusted hop is the client.
  const chain = [String(headers['x-forwarded-for'] ?? '').split(','), peerIp ?? ''].flat().map((s) => s.trim()).filter(Boolean);
  let clientIp = peerIp;
  for (let i = chain.length - 1; i >= 0; i--) {
    clientIp = chain[i];
    if (!trusted.trusts(chain[i])) break;
  }
  const proto = first(headers['x-forwarded-proto'])?.toLowerCase();
  return {
    clientIp,
    protocol: proto === 'https' ? 'https:' : proto === 'http' ? 'http:' : secure ? 'https:' : 'http:',
    host: first(headers['x-forwarded-host']) ?? headers.host,
    forwardedFor: chain.join(', '),
  };
}

/** Upstream request headers: X-Forwarded-*, and Host either kept (default) or set to the origin's. */
export function forwardHeaders(headers: OutgoingHttpHeaders, view: PublicView, upstream: Target, preserveHost: boolean): void {
  headers['x-forwarded-for'] = view.forwardedFor;
  headers['x-forwarded-proto'] = view.protocol.slice(0, -1);
  if (view.host) headers['x-forwarded-host'] = view.host;
  headers.host = preserveHost && view.host ? view.host : new URL(originOf(upstream)).host;
}

/** A Location (or Content-Location) that points at the origin is pointed at the public host instead. */
export function rewriteLocation(value: string, upstreamOrigin: string, publicOrigin: string): string {
  if (!/^https?:\/\//i.test(value)) return value; // relative: already right for the public host
  try {
    const u = new URL(value);
    if (u.origin !== upstreamOrigin) return value;
    return publicOrigin + u.pathname + u.search + u.hash;
  } catch {
    return value;
  }
}
