/**
 * A small, deterministic bank website for the demo and end-to-end tests.
 *
 *   /            home: hero, offers (fetched from /api/offers), product image, rates iframe
 *   /login       GET form; POST customerId+password -> 302 /accounts with a session cookie
 *   /accounts    needs the cookie: accounts table (from /api/accounts), SVG sprite, transfer form
 *   /transfer    POST from the accounts page -> 303 /accounts?transfer=ok
 *   /terms       long text to scroll
 *   /logout      clears the cookie -> 302 /
 *
 * Pages mark themselves ready with body[data-ready="true"] (see READY_SELECTOR).
 * setVersion(2) switches every resource to a second look (colours, layout,
 * images, font, JSON, iframe), so a replay that leaked a live request differs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAssets, CONTENT_TYPES, makeAsset, type Asset } from './assets';
import { accountsFor } from './data';
import { fontFor } from './fonts';
import { accountsPage, loginPage } from './pages';
import type { SiteVersion } from './palette';
import { NO_STORE, plain, redirect, send, sendAsset } from './responses';

export type { SiteVersion } from './palette';
export { STATIC_PATHS } from './assets';
export { CONTENT_SECURITY_POLICY } from './responses';

/** Every page sets this once its content (including fetched data) is rendered. */
export const READY_SELECTOR = 'body[data-ready="true"]';
export const SESSION_COOKIE = 'vsb_session';

export interface SampleBankRequest {
  method: string;
  /** Request target as received: path plus query string. */
  path: string;
  /** Status sent, once the response has been written. */
  status?: number;
}

export interface SampleBank {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  origin: string;
  /** Every request received, for "the replay asked the live site nothing" assertions. */
  requestCount(): number;
  requests(): SampleBankRequest[];
  setVersion(v: SiteVersion): void;
  version(): SiteVersion;
  /** System font file served per version, null if none was found (the font URL then answers 404). */
  fontFiles: Record<SiteVersion, string | null>;
  close(): Promise<void>;
}

export interface SampleBankOptions {
  host?: string;
  port?: number;
  version?: SiteVersion;
}

/** Fixed token: the site has one demo customer and must behave the same on every run. */
const SESSION_VALUE = 'demo-7f3a9c';
const MAX_FORM_BYTES = 64 * 1024;

function hasSession(req: IncomingMessage): boolean {
  const header = req.headers.cookie ?? '';
  return header.split(';').some((pair) => pair.trim() === `${SESSION_COOKIE}=${SESSION_VALUE}`);
}

class FormTooLarge extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startSampleBank(opts: SampleBankOptions = {}): Promise<SampleBank> {
  const host = opts.host ?? '127.0.0.1';
  let version: SiteVersion = opts.version ?? 1;
  const sites = new Map<SiteVersion, Map<string, Asset>>();
  const site = (): Map<string, Asset> => {
    let s = sites.get(version);
    if (!s) {
      s = buildAssets(version);
      sites.set(version, s);
    }
    return s;
  };
  const log: SampleBankRequest[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://sample-bank.invalid');
    const readable = method === 'GET' || method === 'HEAD';

    switch (pathname) {
      case '/login':
        if (readable) {
          return send(req, res, 200, makeAsset(version, loginPage(version, searchParams.get('error') === '1'), CONTENT_TYPES.HTML), {
            'Cache-Control': NO_STORE,
          });
        }
        if (method === 'POST') {
          const form = await readForm(req);
          if (!form.get('customerId')?.trim() || !form.get('password')) return redirect(res, 302, '/login?error=1');
          return redirect(res, 302, '/accounts', {
            'Set-Cookie': `${SESSION_COOKIE}=${SESSION_VALUE}; Path=/; HttpOnly; SameSite=Lax`,
          });
        }
        return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD, POST' });

      case '/logout':
        if (!readable) return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
        return redirect(res, 302, '/', { 'Set-Cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });

      case '/accounts':
        if (!readable) return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
        if (!hasSession(req)) return redirect(res, 302, '/login');
        return send(req, res, 200, makeAsset(version, accountsPage(version, searchParams.get('transfer') === 'ok'), CONTENT_TYPES.HTML), {
          'Cache-Control': NO_STORE,
        });

      case '/api/accounts':
        if (!readable) return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
        if (!hasSession(req)) {
          return send(req, res, 401, makeAsset(version, JSON.stringify({ error: 'unauthenticated' }), CONTENT_TYPES.JSON), {
            'Cache-Control': NO_STORE,
          });
        }
        return send(req, res, 200, makeAsset(version, JSON.stringify(accountsFor(version), null, 2), CONTENT_TYPES.JSON), {
          'Cache-Control': NO_STORE,
        });

      case '/transfer':
        if (method !== 'POST') return plain(req, res, 405, 'Method not allowed', { Allow: 'POST' });
        if (!hasSession(req)) return redirect(res, 302, '/login');
        await readForm(req); // accepted and discarded: nothing is ever moved
        return redirect(res, 303, '/accounts?transfer=ok');
    }

    const asset = site().get(pathname);
    if (!asset) return plain(req, res, 404, 'Not found');
    if (!readable) return plain(req, res, 405, 'Method not allowed', { Allow: 'GET, HEAD' });
    return sendAsset(req, res, asset);
  }

  const server = createServer((req, res) => {
    const entry: SampleBankRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    log.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof FormTooLarge) return plain(req, res, 413, 'Form too large', { Connection: 'close' });
      plain(req, res, 500, 'Internal error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin,
    origin,
    requestCount: () => log.length,
    requests: () => log.map((e) => ({ ...e })),
    setVersion(v) {
      version = v;
    },
    version: () => version,
    fontFiles: { 1: fontFor(1)?.file ?? null, 2: fontFor(2)?.file ?? null },
    // Idempotent: tests close the bank mid-way to prove the replay does not need it.
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
