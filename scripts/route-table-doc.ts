/**
 * Prints the viewer's route table (replay-viewer/routes.ts) as the markdown that
 * docs/ACCESS.md carries: `npx tsx scripts/route-table-doc.ts`. A test checks that
 * the document and the declaration agree.
 */
import { fileURLToPath } from 'node:url';
import type { ViewerAccess } from '../replay-viewer/auth/gate';
import { ApiRoutes } from '../replay-viewer/api-routes';
import { ArchiveRoute } from '../replay-viewer/archive-route';
import { ReplayLibrary } from '../replay-viewer/replay/index';
import { AdminRoutes } from '../replay-viewer/admin/admin-routes';
import { AuditRoutes } from '../replay-viewer/auth/audit-routes';
import { SignInRoutes } from '../replay-viewer/auth/sign-in-routes';
import { UserRoutes } from '../replay-viewer/auth/user-routes';
import { ExportRoute } from '../replay-viewer/export-route';
import { LiveHub } from '../replay-viewer/live/live-hub';
import { LiveRoutes } from '../replay-viewer/live/live-routes';
import { describeRoutes, viewerRoutes, type AnalyticsHandler, type ReviewsHandler } from '../replay-viewer/routes';
import { UiRoutes } from '../replay-viewer/ui-routes';
import { PrefsRoutes } from '../replay-viewer/prefs/prefs-routes';
import { UserPrefsStore } from '../replay-viewer/prefs/user-prefs';
import { FileSharedState } from '../store/files/file-shared-state';
import { NotesRoutes } from '../replay-viewer/notes/notes-routes';
import type { VerbatimStore } from '../store/store';

/** Every route group, as `verbatim start` serves them (handlers never called here). */
export function routeTableMarkdown(): string {
  const store = {} as VerbatimStore;
  const access = {} as ViewerAccess;
  return describeRoutes(viewerRoutes({
    api: new ApiRoutes(store), archive: new ArchiveRoute(new ReplayLibrary(store)), ui: new UiRoutes(''),
    exporter: new ExportRoute(store, async () => { throw new Error('not here'); }),
    collector: { handle: async () => undefined },
    status: () => undefined, statusProbe: { handle: async () => undefined },
    search: { search: async () => undefined, matches: async () => undefined, auditDetails: () => ({}) },
    reviews: Object.fromEntries(['listSearches', 'createSearch', 'updateSearch', 'deleteSearch', 'run', 'listRuns', 'getRun', 'download', 'verify', 'mark']
      .map((name) => [name, async () => undefined])) as unknown as ReviewsHandler,
    fieldAnalytics: { fields: async () => undefined, clickmap: async () => undefined, auditDetails: () => ({}) },
    analytics: Object.fromEntries(['listFunnels', 'createFunnel', 'updateFunnel', 'deleteFunnel', 'funnelReport', 'journeys', 'journeySessions', 'auditDetails', 'auditTarget']
      .map((name) => [name, async () => undefined])) as unknown as AnalyticsHandler,
    signIn: new SignInRoutes(access), users: new UserRoutes(access), audit: new AuditRoutes(access),
    admin: new AdminRoutes({}),
    prefs: new PrefsRoutes(new UserPrefsStore(new FileSharedState(''))),
    live: new LiveRoutes(store, new LiveHub(store)),
    versions: { list: async () => undefined, assets: async () => undefined, compare: async () => undefined, auditDetails: () => ({}) },
    notes: new NotesRoutes(store),
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${routeTableMarkdown()}\n`);
