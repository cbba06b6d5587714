/**
 * Where the forward proxy may connect. A browser that can use the proxy must not
 * reach through it what it could not reach itself: Verbatim's own listeners (the
 * viewer holds every recording; the gateway and the proxy itself) are never
 * reached, and private, loopback, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, unique-local and other non-public addresses only when listed
 * (`--proxy-allow-targets`: IPs, CIDR blocks, host names, `*.suffix`). Public
 * addresses are reached as before. The check is made on the address actually
 * connected to (a lookup that filters what DNS returns), so a name that resolves
 * to a public address first and a private one later (DNS rebinding) gains nothing.
 * Only the forward proxy applies it: the gateway's upstreams are configuration.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import ipaddr from 'ipaddr.js';
import { VerbatimError } from '../store/errors';

type Lookup = NonNullable<net.TcpSocketConnectOpts['lookup']>;

export class TargetPolicy {
  private readonly nets: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ownPorts = new Set<number>();
  private readonly local = localAddresses();

  /** `allowed`: IPs, CIDR blocks, host names or `*.suffix` that may be reached although not public. */
  constructor(allowed: string[], private readonly base: Lookup = dns.lookup as unknown as Lookup) {
    for (const raw of allowed.map((e) => e.trim().toLowerCase()).filter(Boolean)) {
      if (ipaddr.isValidCIDR(raw)) this.nets.push(ipaddr.parseCIDR(raw));
      else if (net.isIP(raw)) {
        const ip = ipaddr.process(raw);
        this.nets.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      } else if (/^\*\.[a-z0-9.-]+$/.test(raw)) this.suffixes.push(raw.slice(1));
      else if (/^[a-z0-9.-]+$/.test(raw)) this.names.add(raw.replace(/\.$/, ''));
      else throw new VerbatimError('CONFIG_INVALID', `allowed target "${raw}" is not an IP, a CIDR block, a host name or *.suffix`);
    }
  }

  /** A port Verbatim itself listens on (viewer, gateway, this proxy): never reached on this machine. */
  addOwnPort(port: number): void {
    this.ownPorts.add(port);
  }

  /** Why the proxy will not connect to `address`:`port` (what `hostname` resolved to), or undefined. */
  refusal(address: string, port: number, hostname: string): string | undefined {
    let ip: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      ip = ipaddr.process(address);
    } catch {
      return `${hostname} resolves to ${address}, which is not an IP address`;
    }
    const range = ip.range();
    if (this.ownPorts.has(port) && (range === 'loopback' || range === 'unspecified' || this.local.has(ip.toNormalizedString()))) {
      return `${hostname}:${port} is one of Verbatim's own listeners`;
    }
    if (range === 'unicast' || this.allowedName(hostname) || this.nets.some(([n, bits]) => n.kind() === ip.kind() && ip.match(n, bits))) return undefined;
    return `${hostname} is ${address === hostname ? 'a' : `at ${address}, a`} ${range} address (not listed in --proxy-allow-targets)`;
  }

  /** For a target given as an IP (no name lookup happens for it): the refusal, if any. */
  literalRefusal(hostname: string, port: number): string | undefined {
    return net.isIP(hostname) ? this.refusal(hostname, port, hostname) : undefined;
  }

  /** A lookup for connections to `port` that resolves as usual and drops refused addresses (all refused: TARGET_REFUSED). */
  lookupFor(port: number): Lookup {
    return ((hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
      this.base(hostname, { ...options, all: true }, (err, found) => {
        if (err) return callback(err, options.all ? [] : '');
        const list = (Array.isArray(found) ? found : [{ address: found as unknown as string, family: 4 }]) as LookupAddress[];
        const kept = list.filter((a) => this.refusal(a.address, port, hostname) === undefined);
        if (!kept.length) {
          const reason = list.length ? this.refusal(list[0].address, port, hostname)! : `${hostname} has no address`;
          return callback(targetRefused(reason), options.all ? [] : '');
        }
        if (options.all) callback(null, kept);
        else callback(null, kept[0].address, kept[0].family);
      });
    }) as Lookup;
  }

  private allowedName(hostname: string): boolean {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    return this.names.has(name) || this.suffixes.some((s) => name.endsWith(s));
  }
}

/** The error a refused connection fails with; exchange.ts answers it with 403. */
export function targetRefused(reason: string): NodeJS.ErrnoException {
  return Object.assign(new Error(reason), { code: 'TARGET_REFUSED' });
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  try {
    return ipaddr.process(host).range() === 'loopback';
  } catch {
    return false;
  }
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      try { out.add(ipaddr.process(a.address.split('%')[0]).toNormalizedString()); } catch { /* not an address */ }
    }
  }
  return out;
}
