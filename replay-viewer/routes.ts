/**
 * Every route of the viewer, declared once: method, pattern, who may call it, what
 * the audit trail records, and the handler. The server looks requests up here
 * (route-table.ts) and the gate (auth/gate.ts) takes its rules from the route it is
 * given; a path not declared here is not served. docs/ACCESS.md's route table is
 * this list, rendered (describeRoutes; a test keeps the two equal).
 *
 * Groups whose handler is not given (no exporter, no collector, no access layer)
 * are left out: their paths then answer 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COLLECT_PATHS } from '../recorder/protocol';
import type { AdminRoutes } from './admin/admin-routes';
import type { AnalyticsRoutes } from './analytics/analytics-routes';
import type { ApiRoutes } from './api-routes';
import type { ArchiveRoute } from './archive-route';
import type { AuditRoutes } from './auth/audit-routes';
import { rolesWith, type Permission } from './auth/roles';
import type { SignInRoutes } from './auth/sign-in-routes';
import type { UserRoutes } from './auth/user-routes';
import type { ExportRoute } from './export-route';
import type { FieldAnalyticsRoutes } from './analytics/fields/fields-routes';
import type { LiveRoutes } from './live/live-routes';
import type { ReviewRoutes } from './reviews/review-routes';
import { sendJson } from './http-responses';
import type { Allow, Route, RouteContext } from './route-table';
import type { UiRoutes } from './ui-routes';
import type { PrefsRoutes } from './prefs/prefs-routes';
import type { VersionsRoutes } from './analytics/versions/versions-routes';
import type { NotesRoutes } from './notes/notes-routes';

/** The kiosk collector (proxy/collector/routes.ts), injected: the viewer serves its paths but holds no ingest code. */
export interface CollectorHandler {
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/** The search API (search/search-routes.ts), injected when the CLI opened the search index. */
export interface SearchHandler {
  search(ctx: RouteContext): Promise<void>;
  matches(ctx: RouteContext): Promise<void>;
  auditDetails(ctx: RouteContext): Record<string, string>;
}

/** Compliance reviews (reviews/review-routes.ts), injected when the CLI opened the search index. */
export type ReviewsHandler = Pick<ReviewRoutes, 'listSearches' | 'createSearch' | 'updateSearch' | 'deleteSearch' | 'run' | 'listRuns' | 'getRun' | 'download' | 'verify' | 'mark'>;

/** Funnels and the journey map (analytics/analytics-routes.ts), injected when the CLI opened the search index. */
export type AnalyticsHandler = Pick<AnalyticsRoutes, 'listFunnels' | 'createFunnel' | 'updateFunnel' | 'deleteFunnel' | 'funnelReport' | 'funnelSteps' | 'journeys' | 'journeySessions' | 'auditDetails' | 'auditTarget'>;

export interface RouteHandlers {
  api: ApiRoutes;
  analytics?: AnalyticsHandler;
  search?: SearchHandler;
  reviews?: ReviewsHandler;
  archive: ArchiveRoute;
  ui: UiRoutes;
  exporter?: ExportRoute;
  collector?: CollectorHandler;
  /** The running Verbatim's store health and drop counts (scripts/status.ts builds it; the viewer only serves it). */
  status?: () => unknown;
  /** `verbatim status`'s loopback probe (scripts/status.ts): it checks its own callers. */
  statusProbe?: CollectorHandler;
  signIn?: SignInRoutes;
  users?: UserRoutes;
  audit?: AuditRoutes;
  /** The administrator screen's terminals, policy and store health (admin/admin-routes.ts). */
  admin?: AdminRoutes;
  /** A signed-in user's own preferences (prefs/), given with the access layer. */
  prefs?: PrefsRoutes;
  /** Field analytics and click maps (analytics/fields/fields-routes.ts), when the search index is open. */
  fieldAnalytics?: Pick<FieldAnalyticsRoutes, 'fields' | 'clickmap' | 'auditDetails'>;
  /** The agents' live view (live/live-routes.ts). */
  live?: LiveRoutes;
  /** Site versions per host and what changed between two (analytics/versions/versions-routes.ts), when the search index is open. */
  versions?: Pick<VersionsRoutes, 'list' | 'assets' | 'compare' | 'auditDetails'>;
  /** Notes on a session at a moment (notes/notes-routes.ts). */
  notes?: NotesRoutes;
}

const REPLAY: readonly Permission[] = ['session.replay'];
const sessionParam = (c: RouteContext) => c.params.id;
/**
 * `/archive/<sessionId>/<ts>/<url>`: the first segment of the path as sent, the same
 * one archive-url.ts parses (never a decoded form that could differ from it).
 */
const archiveSession = (c: RouteContext) => /^\/archive\/([^/]+)\//.exec(c.pathname)?.[1];

export function viewerRoutes(h: RouteHandlers): Route[] {
  const routes: Route[] = [
    // The UI (the client routes between its pages); the data behind it is guarded per route.
    { method: 'GET', path: '/', summary: 'the viewer UI', allow: 'signed-in', handler: (c) => h.ui.page(c) },
    { method: 'GET', path: '/sessions/:id', summary: 'the viewer UI (a session)', allow: 'signed-in', handler: (c) => h.ui.page(c) },
    { method: 'GET', path: '/assets/:name', summary: 'UI scripts and styles', allow: 'signed-in', handler: (c) => h.ui.asset(c) },
    { method: 'GET', path: '/favicon.ico', summary: 'no icon', allow: 'public', handler: ({ res }) => void res.writeHead(204).end() },

    // Sessions and replay.
    {
      method: 'GET', path: '/api/sessions', summary: 'list and search all sessions', allow: ['sessions.list'], audit: 'search',
      narrowedBy: { query: 'customer', allow: ['sessions.byCustomer', 'sessions.list'], audit: 'search' },
      handler: (c) => h.api.list(c),
    },
    { method: 'GET', path: '/api/customers/:id/sessions', summary: "one customer's sessions", allow: ['sessions.byCustomer', 'sessions.list'], audit: 'search', handler: (c) => h.api.customerHistory(c) },
    { method: 'GET', path: '/api/sessions/:id', summary: 'one session\'s details', allow: ['session.read'], audit: 'view', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.session(c) },
    { method: 'GET', path: '/api/sessions/:id/events', summary: 'replay: a tab\'s events', allow: REPLAY, audit: 'replay', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.sessionEvents(c) },
    { method: 'GET', path: '/api/sessions/:id/signals', summary: 'player: struggle signals and score', allow: REPLAY, audit: 'replay', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.sessionSignals(c) },
    { method: 'GET', path: '/api/sessions/:id/foreign-content', summary: 'content the bank did not send: injected elements, foreign sources and forms', allow: REPLAY, audit: 'view', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.sessionForeignContent(c) },
    { method: 'GET', path: '/archive/*', summary: 'replay: archived resources', allow: REPLAY, sessionOf: archiveSession, customerScoped: true, handler: ({ req, res }) => h.archive.handle(req, res) },
    { method: 'GET', path: '/api/sessions/:id/fidelity', summary: 'replay fidelity: where each resource comes from, what was not recorded', allow: REPLAY, audit: 'view', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.sessionFidelity(c) },
    { method: 'GET', path: '/api/sessions/:id/versions', summary: 'the site version each page load was served (url, version id)', allow: ['session.read'], audit: 'view', sessionOf: sessionParam, customerScoped: true, handler: (c) => h.api.sessionVersions(c) },
    { method: 'GET', path: '/api/sessions/:id/captures', summary: 'technical panels: network log, WebSocket messages', allow: ['session.technical'], audit: 'technical', sessionOf: sessionParam, handler: (c) => h.api.sessionCaptures(c) },
  ];
  const { exporter, collector, status, statusProbe, signIn, users, audit, search, reviews, admin, prefs, live, analytics } = h;
  if (live) {
    // Live view: who may replay may watch, agents customer-linked sessions only; one `live` entry per view started.
    routes.push(
      { method: 'GET', path: '/sessions/:id/live', summary: 'the viewer UI (a session, live)', allow: 'signed-in', handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/sessions/:id/live', summary: 'live view: a running session\'s tab as Server-Sent Events (`?track=`, Last-Event-ID)', allow: REPLAY, audit: 'live', sessionOf: sessionParam, customerScoped: true, handler: (c) => live.stream(c) },
    );
  }
  if (h.notes) routes.push(...notesRoutes(h.notes));
  if (analytics) routes.push(...analyticsRoutes(analytics, h.ui));
  if (search) {
    // Whoever may list sessions may search them; agents (customer lookups) get customer-linked sessions only, as for
    // replay. The audit entry records the query with its personal values hashed (search/audit-query.ts).
    const auditDetails = (c: RouteContext) => search.auditDetails(c);
    routes.push(
      { method: 'GET', path: '/api/search', summary: 'search sessions (`?q=&cursor=&limit=&facets=`)', allow: ['sessions.byCustomer', 'sessions.list'], audit: 'search', customerScoped: true, auditDetails, handler: (c) => search.search(c) },
      { method: 'GET', path: '/api/sessions/:id/matches', summary: 'search: every matching moment of one session (`?q=`)', allow: REPLAY, audit: 'search', sessionOf: sessionParam, customerScoped: true, auditDetails, handler: (c) => search.matches(c) },
    );
  }
  if (reviews) {
    // Compliance runs reviews; auditors may read them (progress, results, signatures) but neither run nor mark, and
    // replay stays with session.replay. Everything is audited, reads included.
    const manage = ['reviews.manage'] as const;
    const read = ['reviews.read'] as const;
    const run = (c: RouteContext) => (c.params.id ? `review-run:${c.params.id}` : undefined);
    routes.push(
      { method: 'GET', path: '/reviews', summary: 'the viewer UI (reviews)', allow: 'signed-in', handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/reviews/runs/:runId', summary: 'the viewer UI (a review run)', allow: 'signed-in', handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/reviews/searches', summary: 'saved searches with their schedule and last run', allow: read, audit: 'review-read', handler: (c) => reviews.listSearches(c) },
      { method: 'POST', path: '/api/reviews/searches', summary: 'save a search (`{name, query, schedule}`)', allow: manage, audit: 'review-config', handler: (c) => reviews.createSearch(c) },
      { method: 'PUT', path: '/api/reviews/searches/:id', summary: 'edit a saved search', allow: manage, audit: 'review-config', handler: (c) => reviews.updateSearch(c) },
      { method: 'DELETE', path: '/api/reviews/searches/:id', summary: 'delete a saved search (its runs are kept)', allow: manage, audit: 'review-config', handler: (c) => reviews.deleteSearch(c) },
      { method: 'POST', path: '/api/reviews/searches/:id/runs', summary: 'run a saved search over a period (`{from, to}`)', allow: manage, audit: 'review-run', handler: (c) => reviews.run(c) },
      { method: 'GET', path: '/api/reviews/runs', summary: 'review runs, newest first (`?search=`)', allow: read, audit: 'review-read', handler: (c) => reviews.listRuns(c) },
      { method: 'GET', path: '/api/reviews/runs/:id', summary: 'a run: its result set, marks, progress, signature', allow: read, audit: 'review-read', auditTarget: run, handler: (c) => reviews.getRun(c) },
      { method: 'GET', path: '/api/reviews/runs/:id/download', summary: 'a run as signed JSON or CSV (`?format=json` or `csv`)', allow: read, audit: 'review-download', auditTarget: run, handler: (c) => reviews.download(c) },
      { method: 'GET', path: '/api/reviews/runs/:id/verify', summary: 'check a run\'s signature', allow: read, handler: (c) => reviews.verify(c) },
      { method: 'POST', path: '/api/reviews/runs/:id/marks', summary: 'mark a session reviewed, flagged or open, with a note', allow: manage, audit: 'review-mark', handler: (c) => reviews.mark(c) },
    );
  }
  if (h.fieldAnalytics) {
    // Analytics over many sessions: analysts and compliance only; every read audited with what was looked at.
    const fa = h.fieldAnalytics;
    const analytics = ['analytics.read'] as const;
    const auditDetails = (c: RouteContext) => fa.auditDetails(c);
    routes.push(
      { method: 'GET', path: '/analytics/fields', summary: 'the viewer UI (field analytics)', allow: analytics, handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/analytics/clickmap', summary: 'the viewer UI (click maps)', allow: analytics, handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/analytics/fields', summary: 'field analytics: forms, or one form\'s fields (`?host=&url=&form=&from=&to=`)', allow: analytics, audit: 'analytics-read', auditDetails, handler: (c) => fa.fields(c) },
      { method: 'GET', path: '/api/analytics/clickmap', summary: 'click maps: pages and versions, or one map (`?host=&url=&version=&from=&to=`)', allow: analytics, audit: 'analytics-read', auditDetails, handler: (c) => fa.clickmap(c) },
    );
  }
  if (h.versions) {
    // Site versions: analysts and compliance, as the other analytics; every read audited with what was looked at.
    const v = h.versions;
    const analytics = ['analytics.read'] as const;
    const auditDetails = (c: RouteContext) => v.auditDetails(c);
    routes.push(
      { method: 'GET', path: '/versions', summary: 'the viewer UI (site versions)', allow: analytics, handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/analytics/versions', summary: 'site versions per host: first and last seen, sessions, pages (`?host=&from=&to=`)', allow: analytics, audit: 'analytics-read', auditDetails, handler: (c) => v.list(c) },
      { method: 'GET', path: '/api/analytics/versions/assets', summary: 'one version of a site and its assets: kind, URL, digest, size (`?host=&version=`)', allow: analytics, audit: 'analytics-read', auditDetails, handler: (c) => v.assets(c) },
      { method: 'GET', path: '/api/analytics/versions/compare', summary: 'what changed between two versions of a site: assets added, removed, changed (`?host=&a=&b=`)', allow: analytics, audit: 'analytics-read', auditDetails, handler: (c) => v.compare(c) },
    );
  }
  if (exporter) {
    routes.push({ method: 'GET', path: '/api/sessions/:id/export', summary: 'export: evidence HTML, WACZ or HAR (`?format=html`, `wacz` or `har`)', allow: ['session.export'], audit: 'export', sessionOf: sessionParam, handler: (c) => exporter.handle(c) });
  }
  if (status) {
    // A routine read for operators and auditors: not audited.
    routes.push({ method: 'GET', path: '/api/status', summary: 'store writable or not; captures and uploads that could not be stored', allow: ['config.manage', 'audit.read'], handler: ({ req, res }) => sendJson(req, res, 200, status()) });
  }
  if (statusProbe) {
    routes.push({ method: 'GET', path: '/_status', summary: '`verbatim status`: the same snapshot', allow: 'local-token', handler: ({ req, res, pathname }) => statusProbe.handle(req, res, pathname) });
  }
  if (signIn) {
    routes.push(
      { method: 'GET', path: '/signin', summary: 'the sign-in page', allow: 'public', handler: (c) => signIn.page(c) },
      { method: 'POST', path: '/auth/login', summary: 'sign in (form or JSON; throttled)', allow: 'public', audit: 'sign-in', handler: (c) => signIn.login(c) },
      { method: 'POST', path: '/auth/logout', summary: 'sign out', allow: 'signed-in', audit: 'sign-out', handler: (c) => signIn.logout(c) },
      { method: 'GET', path: '/api/me', summary: 'who am I (role, permissions, CSRF token)', allow: 'signed-in', handler: (c) => signIn.me(c) },
    );
  }
  if (prefs) {
    // Each user's own, whatever the role: nothing recorded is read or changed.
    routes.push(
      { method: 'GET', path: '/api/me/prefs', summary: 'my viewer preferences (the session list\'s columns)', allow: 'signed-in', handler: (c) => prefs.get(c) },
      { method: 'PUT', path: '/api/me/prefs', summary: 'change my viewer preferences (`{listColumns}`)', allow: 'signed-in', audit: 'prefs', handler: (c) => prefs.put(c) },
    );
  }
  if (users) {
    const admin = ['users.manage'] as const;
    routes.push(
      { method: 'GET', path: '/api/users', summary: 'list accounts', allow: admin, handler: (c) => users.list(c) },
      { method: 'POST', path: '/api/users', summary: 'add an account', allow: admin, audit: 'config', handler: (c) => users.add(c) },
      { method: 'DELETE', path: '/api/users/:name', summary: 'remove an account', allow: admin, audit: 'config', handler: (c) => users.remove(c) },
      { method: 'POST', path: '/api/users/:name/role', summary: 'change a role', allow: admin, audit: 'config', handler: (c) => users.setRole(c) },
      { method: 'POST', path: '/api/users/:name/password', summary: 'set a password', allow: admin, audit: 'config', handler: (c) => users.setPassword(c) },
      { method: 'POST', path: '/api/users/:name/unlock', summary: 'lift a user name\'s sign-in backoff', allow: admin, audit: 'config', handler: (c) => users.unlock(c) },
      { method: 'POST', path: '/api/users/:name/tokens', summary: 'create an API token', allow: admin, audit: 'config', handler: (c) => users.createToken(c) },
      { method: 'DELETE', path: '/api/users/:name/tokens/:tokenId', summary: 'revoke an API token', allow: admin, audit: 'config', handler: (c) => users.revokeToken(c) },
    );
  }
  if (audit) {
    const auditor = ['audit.read'] as const;
    routes.push(
      { method: 'GET', path: '/audit', summary: 'the viewer UI (the audit trail)', allow: auditor, handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/audit', summary: 'audit entries, newest first (filters: actor, action, session, outcome, from, to; `before=<seq>&limit=` pages)', allow: auditor, audit: 'audit-read', handler: (c) => audit.entries(c) },
      { method: 'GET', path: '/api/audit/verify', summary: 'check the audit chain (status in words)', allow: auditor, handler: (c) => audit.verify(c) },
      { method: 'GET', path: '/api/audit/export', summary: 'audit entries as a file (`?format=csv`, `json` or `jsonl`)', allow: auditor, audit: 'audit-export', handler: (c) => audit.export(c) },
    );
  }
  if (admin) {
    const config = ['config.manage'] as const;
    routes.push(
      { method: 'GET', path: '/admin', summary: 'the viewer UI (administration)', allow: ['users.manage', 'config.manage'], handler: (c) => h.ui.page(c) },
      { method: 'GET', path: '/api/admin/terminals', summary: 'kiosk terminals: enrolment, last seen, reported queue', allow: config, handler: (c) => admin.terminals(c) },
      { method: 'POST', path: '/api/admin/terminals', summary: 'enrol a kiosk terminal (`{id}`; its token is shown once)', allow: config, audit: 'config', handler: (c) => admin.enrol(c) },
      { method: 'DELETE', path: '/api/admin/terminals/:id', summary: 'revoke a kiosk terminal', allow: config, audit: 'config', handler: (c) => admin.revoke(c) },
      { method: 'GET', path: '/api/admin/policy', summary: 'retention and masking policy in force (read-only)', allow: config, handler: (c) => admin.policy(c) },
      { method: 'GET', path: '/api/admin/store', summary: 'store health: size, last checkpoint, search lag, verify status', allow: config, handler: (c) => admin.storeHealth(c) },
      { method: 'POST', path: '/api/admin/store/verify', summary: 'start verifying the store (progress in GET /api/admin/store)', allow: config, audit: 'config', handler: (c) => admin.startVerify(c) },
    );
  }
  if (collector) {
    // Kiosk terminals: the collector checks the terminal token itself (proxy/collector/routes.ts).
    const kiosk = (method: Route['method'], path: string, summary: string): Route =>
      ({ method, path, summary, allow: 'terminal', handler: ({ req, res, pathname }) => collector.handle(req, res, pathname) });
    routes.push(
      kiosk('POST', COLLECT_PATHS.sessions, 'kiosk: create or continue a session'),
      kiosk('POST', COLLECT_PATHS.events, 'kiosk: recorder events'),
      kiosk('POST', COLLECT_PATHS.blobsMissing, 'kiosk: which bodies to upload'),
      kiosk('PUT', `${COLLECT_PATHS.blobs}:digest`, 'kiosk: a body, by its SHA-256'),
      kiosk('POST', COLLECT_PATHS.captures, 'kiosk: captured responses'),
      kiosk('POST', COLLECT_PATHS.status, 'kiosk: the terminal\'s queue and last upload error'),
    );
  }
  return routes;
}

/** Notes on a session: whoever may replay it (agents: customer-linked sessions only); reads and changes audited. */
function notesRoutes(n: NotesRoutes): Route[] {
  const base = { allow: REPLAY, sessionOf: sessionParam, customerScoped: true } as const;
  return [
    { method: 'GET', path: '/api/sessions/:id/notes', summary: 'notes on the session, by moment', audit: 'note-read', ...base, handler: (c) => n.list(c) },
    { method: 'POST', path: '/api/sessions/:id/notes', summary: 'add a note at a moment (`{text, at, pageId?, track?}`)', audit: 'note-add', ...base, handler: (c) => n.create(c) },
    { method: 'PATCH', path: '/api/sessions/:id/notes/:noteId', summary: 'edit the text of one\'s own note (`{text}`)', audit: 'note-edit', ...base, handler: (c) => n.edit(c) },
    { method: 'DELETE', path: '/api/sessions/:id/notes/:noteId', summary: 'delete a note (one\'s own; compliance: any)', audit: 'note-delete', ...base, handler: (c) => n.remove(c) },
  ];
}

/** Funnels and journeys: analysts and compliance only, pages included; every read audited, changes too. */
function analyticsRoutes(a: AnalyticsHandler, ui: UiRoutes): Route[] {
  const allow = ['analytics.read'] as const;
  const auditDetails = (c: RouteContext) => a.auditDetails(c);
  const auditTarget = (c: RouteContext) => a.auditTarget(c);
  return [
    { method: 'GET', path: '/analytics/funnels', summary: 'the viewer UI (funnels)', allow, handler: (c) => ui.page(c) },
    { method: 'GET', path: '/analytics/journeys', summary: 'the viewer UI (journey map)', allow, handler: (c) => ui.page(c) },
    { method: 'GET', path: '/api/analytics/funnels', summary: 'saved funnels', allow, audit: 'analytics', handler: (c) => a.listFunnels(c) },
    { method: 'POST', path: '/api/analytics/funnels', summary: 'save a funnel (`{name, steps}`)', allow, audit: 'analytics-config', handler: (c) => a.createFunnel(c) },
    { method: 'PUT', path: '/api/analytics/funnels/:id', summary: 'change a saved funnel', allow, audit: 'analytics-config', handler: (c) => a.updateFunnel(c) },
    { method: 'DELETE', path: '/api/analytics/funnels/:id', summary: 'delete a saved funnel', allow, audit: 'analytics-config', handler: (c) => a.deleteFunnel(c) },
    { method: 'GET', path: '/api/analytics/funnels/:id/report', summary: 'a funnel over a period (`?from=&to=`; progress streamed)', allow, audit: 'analytics', auditDetails, auditTarget, handler: (c) => a.funnelReport(c) },
    { method: 'GET', path: '/api/analytics/funnel-steps', summary: 'marker names and request patterns seen over a period (`?from=&to=`), the funnel editor\'s suggestions', allow, audit: 'analytics', auditDetails, handler: (c) => a.funnelSteps(c) },
    { method: 'GET', path: '/api/analytics/journeys', summary: 'the journey map over a period (`?from=&to=`; progress streamed)', allow, audit: 'analytics', auditDetails, handler: (c) => a.journeys(c) },
    { method: 'GET', path: '/api/analytics/journeys/sessions', summary: 'the sessions of a journey link or path', allow, audit: 'analytics', auditDetails, handler: (c) => a.journeySessions(c) },
  ];
}

/** Who a rule admits, in words (docs/ACCESS.md). */
export function describeAllow(allow: Allow): string {
  if (allow === 'public') return 'anyone';
  if (allow === 'signed-in') return 'any signed-in user';
  if (allow === 'terminal') return 'kiosk terminals (terminal token)';
  if (allow === 'local-token') return 'this machine, with the token in `<data>/verbatim.run`';
  return [...new Set(allow.flatMap(rolesWith))].join(', ');
}

/** The route table as markdown, for docs/ACCESS.md. */
export function describeRoutes(routes: readonly Route[]): string {
  const rows = routes.map((r) => {
    const who = r.narrowedBy ? `${describeAllow(r.allow)}; with \`?${r.narrowedBy.query}=\`: ${describeAllow(r.narrowedBy.allow)}` : describeAllow(r.allow);
    const scope = r.customerScoped ? ' (agents: customer-linked sessions only)' : '';
    return `| \`${r.method}\` | \`${r.path}\` | ${r.summary} | ${who}${scope} | ${r.audit ?? '—'} |`;
  });
  return ['| Method | Path | What | Who | Audit |', '|---|---|---|---|---|', ...rows].join('\n');
}
