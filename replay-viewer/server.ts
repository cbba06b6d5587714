/**
 * The replay viewer: a small node:http server over a VerbatimStore. Its routes
 * (UI, JSON API, export, archive, sign-in, users, audit trail, kiosk collector)
 * are declared once in routes.ts; each request is looked up there, checked by the
 * gate (auth/gate.ts) against its route's rule, then handled.
 * Binds 127.0.0.1 by default: it serves customers' sessions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VerbatimStore } from '../store/store';
import { VerbatimError, isVerbatimError } from '../store/errors';
import { AdminRoutes, type AdminSources } from './admin/admin-routes';
import { allowedHosts, checkHost } from './allowed-hosts';
import { ApiRoutes } from './api-routes';
import { ArchiveRoute } from './archive-route';
import { AuditRoutes } from './auth/audit-routes';
import { sameOrigin } from './auth/csrf';
import type { ViewerAccess } from './auth/gate';
import { SignInRoutes } from './auth/sign-in-routes';
import { UserRoutes } from './auth/user-routes';
import { ExportRoute, type SessionExporter } from './export-route';
import { LiveHub, type LiveLimits } from './live/live-hub';
import { LiveRoutes } from './live/live-routes';
import { sendError } from './http-responses';
import { sendErrorPage, wantsPage } from './error-page';
import { RouteTable, isWrite, type Route, type RouteContext } from './route-table';
import { viewerRoutes, type AnalyticsHandler, type CollectorHandler, type ReviewsHandler, type RouteHandlers, type SearchHandler } from './routes';
import { UiRoutes } from './ui-routes';
import { PrefsRoutes } from './prefs/prefs-routes';
import { UserPrefsStore } from './prefs/user-prefs';
import { ARCHIVE_PREFIX, ReplayLibrary } from './replay/index';
import { NotesRoutes, type NotesOptions } from './notes/notes-routes';

export interface ViewerOptions {
  store: VerbatimStore;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** The built UI (dist/viewer). */
  uiDir: string;
  /**
   * A UI built before keyframes (replay/keyframe/): its player pages preload the events without asking for one.
   * Only for comparing builds (scripts/bench/first-frame.ts); default false.
   */
  uiWithoutKeyframes?: boolean;
  /** Told about unexpected (non-Verbatim) errors, which clients only see as a bare 500. */
  onError?: (err: unknown) => void;
  /**
   * The kiosk collector (proxy/collector/), served on this port under /collect/v1/ and authenticating its terminals
   * itself. Injected by the CLI, so the viewer never imports ingest code.
   */
  collector?: CollectorHandler;
  /** Sign-in, roles, CSRF and the audit trail in front of every route but the collector (auth/gate.ts). */
  access?: ViewerAccess;
  /** Builds evidence files and WACZ for the export route (scripts/export, injected by the CLI). */
  exporter?: SessionExporter;
  /**
   * Host names (`name` or `name:port`) the viewer answers to besides its own address
   * and, on loopback, localhost. Checked on every request while the viewer is open
   * (no access layer, or no accounts yet); with accounts, only when given here.
   */
  allowedHosts?: string[];
  /**
   * GET /api/status (admin and auditor roles): the running Verbatim's store health and what it could not store
   * (scripts/status.ts builds it; the viewer only serves it).
   */
  status?: () => unknown;
  /** GET /_status for `verbatim status`: checks its own callers (loopback, the run file's token). */
  statusProbe?: CollectorHandler;
  /** GET /api/search and /api/sessions/:id/matches (search/search-routes.ts, over the index the CLI opened). */
  search?: SearchHandler;
  /** /api/reviews/… and the Reviews page (reviews/review-routes.ts, over the search index and <data>/reviews). */
  reviews?: ReviewsHandler;
  /** The administrator screen's kiosk terminals, policy and store health (admin/admin-routes.ts, wired by the CLI). */
  admin?: AdminSources;
  /** Field analytics and click maps over the search index (analytics/fields/fields-routes.ts). */
  fieldAnalytics?: RouteHandlers['fieldAnalytics'];
  /** The live view's limits (live/): viewers per session and instance, idle end, per-connection buffer. */
  live?: LiveLimits & { idleMs?: number; bufferBytes?: number };
  /** /api/analytics/… and the funnels and journey pages (analytics/analytics-routes.ts, over the search index). */
  analytics?: AnalyticsHandler;
  /** /versions and /api/analytics/versions… (analytics/versions/versions-routes.ts, over the search index). */
  versions?: RouteHandlers['versions'];
  /** Notes on a session (notes/notes-routes.ts): the CLI gives the masker their text goes through. */
  notes?: NotesOptions;
}

export interface Viewer {
  url: string;
  server: http.Server;
  /** The routes this viewer serves (routes.ts, less the groups it was not given). */
  routes: readonly Route[];
  /** Who watches which session live (the proxy asks it to tell recorders to upload more often). */
  live: LiveHub;
  close(): Promise<void>;
}

export async function startViewer(opts: ViewerOptions): Promise<Viewer> {
  const access = opts.access;
  // One replay library for the API and the archive route (the evidence exporter uses it too).
  const replay = new ReplayLibrary(opts.store);
  const liveHub = new LiveHub(opts.store, opts.live);
  const live = new LiveRoutes(opts.store, liveHub, {
    ...opts.live,
    onEnd: (ctx, reason, durationMs) => {
      if (access && ctx.principal) {
        void access.record(ctx.req, ctx.principal, { action: 'live-end', outcome: 'ok', target: ctx.params.id, details: { durationMs, reason } })
          .catch((err: unknown) => opts.onError?.(err));
      }
    },
  });
  const api = new ApiRoutes(opts.store, replay);
  // The player page carries its deep link's keyframe when its user may replay the session: the events route's rule
  // and audit entry (auth/gate.ts admitsToo, written beside the keyframe's build), checked for the page's own request.
  const pageKeyframe = async (ctx: RouteContext) => {
    const { route } = table.find('GET', `/api/sessions/${encodeURIComponent(ctx.params.id!)}/events`);
    const read = () => api.pageKeyframe(ctx.params.id!, ctx.query);
    return access ? access.admitsToo(route, ctx, read) : read();
  };
  const table: RouteTable = new RouteTable(viewerRoutes({
    api,
    archive: new ArchiveRoute(replay),
    ui: new UiRoutes(opts.uiDir, { keyframe: !opts.uiWithoutKeyframes, pageKeyframe, onError: (err) => { if (!isVerbatimError(err)) opts.onError?.(err); } }),
    exporter: opts.exporter ? new ExportRoute(opts.store, opts.exporter) : undefined,
    collector: opts.collector,
    status: opts.status,
    statusProbe: opts.statusProbe,
    search: opts.search,
    reviews: opts.reviews,
    fieldAnalytics: opts.fieldAnalytics,
    analytics: opts.analytics,
    versions: opts.versions,
    signIn: access ? new SignInRoutes(access) : undefined,
    users: access ? new UserRoutes(access) : undefined,
    audit: access ? new AuditRoutes(access) : undefined,
    admin: opts.admin ? new AdminRoutes(opts.admin) : undefined,
    prefs: access ? new PrefsRoutes(new UserPrefsStore(access.accounts.state)) : undefined,
    live,
    notes: new NotesRoutes(opts.store, opts.notes),
  }));
  let hosts: ReadonlySet<string> = new Set();

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // Open (nobody signs in): only the viewer's own host names, against DNS rebinding.
    if (!access || access.open || opts.allowedHosts) checkHost(req, hosts);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const method = req.method ?? 'GET';
    const ctx: RouteContext = {
      req, res, method, pathname: q < 0 ? target : target.slice(0, q), query: new URLSearchParams(q < 0 ? '' : target.slice(q + 1)),
      params: {}, audit: { details: {} },
    };
    const { route, params } = table.find(method, ctx.pathname);
    ctx.params = params;
    // State changes come from the viewer's own pages or from non-browser clients, never from another site.
    if (isWrite(method) && route.allow !== 'terminal' && !sameOrigin(req)) {
      throw new VerbatimError('CSRF', 'Cross-site request refused');
    }
    if (access && (await access.admit(route, ctx))) return;
    try {
      await route.handler(ctx);
    } catch (err) {
      await access?.recordWrite(route, ctx, err);
      throw err;
    }
    await access?.recordWrite(route, ctx);
  };

  const server = http.createServer((req, res) => {
    serve(req, res).catch(async (err: unknown) => {
      if (!isVerbatimError(err)) opts.onError?.(err);
      const asText = (req.url ?? '').startsWith(ARCHIVE_PREFIX);
      // A browser opening a page it may not see (or that does not exist) gets a page, not the API's JSON.
      if (!res.headersSent && wantsPage(req, (req.url ?? '/').split('?')[0]!)) return sendErrorPage(req, res, err);
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
  hosts = allowedHosts(address, port, opts.allowedHosts);

  return {
    url: `http://${host}:${port}`,
    server,
    routes: table.routes,
    live: liveHub,
    close: () =>
      new Promise<void>((resolve, reject) => {
        liveHub.close();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
