/**
 * The Host names the viewer answers to. Without accounts the viewer has no
 * credential to protect it, only its loopback address: a page on evil.example whose
 * name an attacker re-points at 127.0.0.1 (DNS rebinding) would otherwise read it
 * same-origin. The browser still sends `Host: evil.example`, so the viewer refuses
 * every Host that is not one of its own addresses.
 */
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import { VerbatimError } from '../store/errors';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** host:port pairs, lower case: the bound address, its loopback names, `extra` (names a bank gives the viewer). */
export function allowedHosts(address: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>();
  const add = (host: string) => {
    const name = (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();
    names.add(`${name}:${port}`);
    // Browsers leave the default port out of Host.
    if (port === 80) names.add(name);
  };
  add(address);
  const loopback = address === '::1' || address === 'localhost' || /^127\./.test(address);
  const anyAddress = address === '0.0.0.0' || address === '::';
  if (loopback || anyAddress) for (const n of LOOPBACK_NAMES) add(n);
  if (anyAddress) {
    add(os.hostname());
    for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) add(i.address);
  }
  for (const h of extra) {
    if (/:\d+$/.test(h)) names.add(h.toLowerCase());
    else add(h);
  }
  return names;
}

/** Throws HOST_NOT_ALLOWED (421) unless the request's Host is one of `allowed`. */
export function checkHost(req: IncomingMessage, allowed: ReadonlySet<string>): void {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    throw new VerbatimError('HOST_NOT_ALLOWED', 'This viewer does not answer to that host name', { host: host.slice(0, 100) });
  }
}
