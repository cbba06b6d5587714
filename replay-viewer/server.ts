/**
 * The replay viewer: a small node:http server over a VerbatimStore.
 *   GET /, /sessions/<id>      UI (index.html; the client routes)
 *   GET /assets/*              UI assets
 *   GET /api/...               JSON API (api-routes.ts)
 *   GET /api/sessions/<id>/export   a session as a download, when given an exporter (export-route.ts)
 *   GET /api/status            store health and drop counts, when given a status source (admin, auditor)
 *   GET /archive/...           archived resources (archive-route.ts)
 * Binds 127.0.0.1 by default: it serves customers' sessions.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VerbatimStore } from '../store/store';
import { VerbatimError, isVerbatimError } from '../store/errors';
import { ApiRoutes } from './api-routes';
import { ARCHIVE_PREFIX } from './archive-url';
import { ArchiveRoute } from './archive-route';
import type { ViewerAccess } from './auth/gate';
import { ExportRoute, type SessionExporter } from './export-route';
import { sendError, sendJson } from './http-responses';
import { UiRoutes } from './ui-routes';

export interface ViewerOptions {
  store: VerbatimStore;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** The built UI (dist/viewer). */
  uiDir: string;
  /** Told about unexpected (non-Verbatim) errors, which clients only see as a bare 500. */
  onError?: (err: unknown) => void;
  /**
   * Handlers served on this server's port before sign-in (they authenticate their own callers): the CLI mounts the
   * kiosk collector (proxy/collector/) under /collect/ this way, so the viewer itself never imports ingest code.
   */
  mounts?: { prefix: string; handle(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> }[];
  /** Sign-in, roles, CSRF and the audit trail in front of every route but the collector (auth/gate.ts). */
  access?: ViewerAccess;
  /** Builds evidence files and WACZ for the export route (scripts/export, injected by the CLI). */
  exporter?: SessionExporter;
  /**
   * Every request must carry `Authorization: Bearer <this>`: an in-process viewer only its creator may call
   * (the evidence exporter's, which runs beside a live Verbatim and has no sign-in in front of it).
   */
  bearer?: string;
  /**
   * GET /api/status (admin and auditor roles): the running Verbatim's store health and what it could not store
   * (scripts/status.ts builds it; the viewer only serves it).
   */
  status?: () => unknown;
}

export interface Viewer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const api = new ApiRoutes(opts.store);
  const archive = new ArchiveRoute(opts.store);
  const ui = new UiRoutes(opts.uiDir);
  const exportRoute = opts.exporter ? new ExportRoute(opts.store, opts.exporter) : undefined;

  const expected = opts.bearer === undefined ? undefined : Buffer.from(`Bearer ${opts.bearer}`);
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const target = req.url ?? '/';
    if (expected) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new VerbatimError('UNAUTHORIZED', 'this viewer answers its creator only');
      }
    }
    const mount = opts.mounts?.find((m) => target.startsWith(m.prefix));
    if (mount) return mount.handle(req, res, target.split('?', 1)[0]!);
    if (opts.access && (await opts.access.gate(req, res))) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      await sendJson(req, res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'Only GET and HEAD are supported' } });
      return;
    }
    if (target.startsWith(ARCHIVE_PREFIX)) return archive.handle(req, res);
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    if (pathname === '/api/status' && opts.status) {
      await sendJson(req, res, 200, opts.status());
      return;
    }
    if (pathname.startsWith('/api/')) {
      if (exportRoute && (await exportRoute.handle(req, res, pathname, query))) return;
      if (await api.handle(req, res, pathname, query)) return;
    } else if (await ui.handle(req, res, pathname)) {
      return;
    }
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    throw new VerbatimError('NOT_FOUND', 'Not found');
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch(async (err: unknown) => {
      if (!isVerbatimError(err)) opts.onError?.(err);
      const asText = (req.url ?? '').startsWith(ARCHIVE_PREFIX);
      await sendError(req, res, err, asText).catch(() => res.destroy());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
