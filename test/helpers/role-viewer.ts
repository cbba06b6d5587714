/**
 * A viewer over a throw-away LevelDB store and search index with one signed-in account per role, for tests of a
 * route group's role gate and audit: `call(url, role)` fetches as that role (no role: signed out).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../../replay-viewer/auth/index';
import { openSearch, type OpenedSearch } from '../../replay-viewer/search/index';
import { startViewer, type Viewer, type ViewerOptions } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

export const ROLES: readonly Role[] = ['agent', 'analyst', 'compliance', 'admin', 'auditor'];
const PASSWORD = 'a long enough password 42';

export interface RoleViewer {
  store: VerbatimStore;
  search: OpenedSearch;
  viewer: Viewer;
  audit: AuditLog;
  call(url: string, role?: Role): Promise<Response>;
  close(): Promise<void>;
}

/** Signs `username` in on the viewer at `viewerUrl`: the session cookie, and the CSRF token changes must carry. */
export async function signIn(viewerUrl: string, username: string, password: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${viewerUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200, `${username} signs in`);
  const body = (await res.json()) as { csrf: string };
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: body.csrf };
}

/** `routes` adds the route groups under test (given the search index). */
export async function startRoleViewer(name: string, routes: (search: OpenedSearch) => Partial<ViewerOptions>): Promise<RoleViewer> {
  const dir = await mkdtemp(path.join(tmpdir(), `verbatim-${name}-`));
  const store = await openStore(path.join(dir, 'store'));
  const search = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, gatherMs: 0, log: () => undefined });
  const accounts = await AccountStore.open(path.join(dir, 'accounts.json'));
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  for (const role of ROLES) await accounts.add(role, role, PASSWORD);
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  const viewer = await startViewer({
    store, uiDir: path.join(dir, 'ui'), access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
    ...routes(search),
  });
  const cookies = new Map<Role, string>();
  for (const role of ROLES) cookies.set(role, (await signIn(viewer.url, role, PASSWORD)).cookie);
  return {
    store, search, viewer, audit,
    call: (url, role) => fetch(viewer.url + url, { headers: role ? { cookie: cookies.get(role)! } : {}, redirect: 'manual' }),
    async close() {
      await viewer.close();
      await search.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
