/**
 * Who may use the forward proxy. On loopback only this machine's own programs can;
 * anywhere else the proxy refuses to start unless clients are limited by address
 * (`--proxy-allow-clients`, IPs or CIDR blocks) or must authenticate with their
 * own credentials (`Proxy-Authorization: Basic <id>:<secret>`, issued by
 * `verbatim proxy-clients add <id>`), or both: an open proxy next to the viewer
 * would let anyone reach whatever the proxy host can.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { VerbatimError } from '../store/errors';
import { isLoopbackHost } from './target-policy';

export interface ClientAccessOptions {
  /** Addresses (IPs or CIDR blocks) that may use the proxy; absent = any address. */
  allow?: string[];
  /** Checks a client's credentials (id and secret); absent = no authentication asked. */
  authenticate?: (id: string, secret: string) => Promise<boolean>;
}

export type Admission = { ok: true; client?: string } | { ok: false; status: 403 | 407; reason: string };

/** Verified credentials are trusted this long (a revoked client is refused within it). */
const CREDENTIAL_CACHE_MS = 60_000;

export class ClientAccess {
  private readonly allow: net.BlockList | undefined;
  private readonly verified = new Map<string, { client: string; until: number }>();

  constructor(private readonly options: ClientAccessOptions) {
    if (options.allow?.length) {
      this.allow = new net.BlockList();
      for (const entry of options.allow.map((e) => e.trim()).filter(Boolean)) {
        const [address, bits] = entry.split('/');
        const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : undefined;
        const prefix = bits === undefined ? (family === 'ipv6' ? 128 : 32) : Number(bits);
        if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv6' ? 128 : 32)) {
          throw new VerbatimError('CONFIG_INVALID', `proxy client "${entry}" is not an IP address or CIDR block`);
        }
        this.allow.addSubnet(address, prefix, family);
      }
    }
  }

  /** Throws CONFIG_INVALID when a proxy on `host` would be open to anyone who can reach it. */
  static assertSafe(host: string, options: ClientAccessOptions): void {
    if (isLoopbackHost(host) || options.allow?.length || options.authenticate) return;
    throw new VerbatimError('CONFIG_INVALID',
      `refusing to start the forward proxy on ${host} open to anyone: limit it with --proxy-allow-clients (IPs/CIDRs), `
      + 'require credentials with --proxy-auth (verbatim proxy-clients add <id>), or bind it to 127.0.0.1 with --proxy-host');
  }

  /** Whether this proxy request (plain, CONNECT or upgrade) may go on. */
  async admit(req: IncomingMessage): Promise<Admission> {
    const address = req.socket.remoteAddress ?? '';
    // An IPv4-mapped peer (::ffff:10.1.2.3) matches IPv4 blocks.
    if (this.allow && !this.allow.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4')) {
      return { ok: false, status: 403, reason: `client ${address} is not allowed to use this proxy` };
    }
    if (!this.options.authenticate) return { ok: true };
    const header = req.headers['proxy-authorization'];
    const m = typeof header === 'string' ? /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
    if (!m) return { ok: false, status: 407, reason: 'proxy credentials required' };
    const cached = this.verified.get(m[1]);
    if (cached && cached.until > Date.now()) return { ok: true, client: cached.client };
    const plain = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    const id = plain.slice(0, colon);
    if (colon < 1 || !(await this.options.authenticate(id, plain.slice(colon + 1)))) {
      this.verified.delete(m[1]);
      return { ok: false, status: 407, reason: 'proxy credentials not accepted' };
    }
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(m[1], { client: id, until: Date.now() + CREDENTIAL_CACHE_MS });
    return { ok: true, client: id };
  }
}

/** What a refused client is told: 407 asks for credentials (Basic), 403 is final. */
export interface Refusal { status: 403 | 407; headers: Record<string, string>; body: string }

export function refusalOf(status: 403 | 407, reason: string): Refusal {
  const body = `${reason}\n`;
  return {
    status,
    headers: {
      ...(status === 407 ? { 'proxy-authenticate': 'Basic realm="Verbatim proxy", charset="UTF-8"' } : {}),
      'x-verbatim-error': status === 407 ? 'PROXY_AUTH_REQUIRED' : 'CLIENT_REFUSED',
      'content-type': 'text/plain; charset=utf-8',
      connection: 'close',
      'content-length': String(Buffer.byteLength(body)),
    },
    body,
  };
}

/** A refusal as raw bytes, for a socket that has no ServerResponse (CONNECT, upgrade). */
export function refusalHead(r: Refusal): string {
  const lines = Object.entries(r.headers).map(([n, v]) => `${n}: ${v}\r\n`).join('');
  return `HTTP/1.1 ${r.status} ${r.status === 407 ? 'Proxy Authentication Required' : 'Forbidden'}\r\n${lines}\r\n${r.body}`;
}
