/**
 * Field analytics and click maps are for analysts and compliance only, enforced by the server's gate (pages and
 * API), every API read audited with what was looked at; bad parameters answer 400 with the reason.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../../../auth/index';
import { openStore } from '../../../../store/index';
import type { VerbatimStore } from '../../../../store/store';
import { openSearch, type OpenedSearch } from '../../../search/index';
import { startViewer, type Viewer } from '../../../server';
import { FieldAnalyticsRoutes } from '../fields-routes';

const ROLES: Role[] = ['agent', 'analyst', 'compliance', 'admin', 'auditor'];
const PASSWORD = 'a long enough password 42';
let dir: string;
let store: VerbatimStore;
let search: OpenedSearch;
let viewer: Viewer;
let audit: AuditLog;
const cookies = new Map<Role, string>();

const call = (url: string, role?: Role) => fetch(viewer.url + url, { headers: role ? { cookie: cookies.get(role)! } : {}, redirect: 'manual' });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-fields-access-'));
  store = await openStore(path.join(dir, 'store'));
  search = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store, gatherMs: 0, log: () => undefined });
  const accounts = await AccountStore.open(path.join(dir, 'accounts.json'));
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  for (const role of ROLES) await accounts.add(role, role, PASSWORD);
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  viewer = await startViewer({
    store, uiDir: path.join(dir, 'ui'), access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
    fieldAnalytics: new FieldAnalyticsRoutes(search.index),
  });
  for (const role of ROLES) {
    const res = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) });
    assert.equal(res.status, 200);
    cookies.set(role, res.headers.get('set-cookie')!.split(';')[0]!);
  }
});

after(async () => {
  await viewer?.close();
  await search?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

it('lets analysts and compliance in, refuses the other roles and anonymous callers, on pages and API', async () => {
  for (const url of ['/analytics/fields', '/analytics/clickmap', '/api/analytics/fields', '/api/analytics/clickmap', '/api/analytics/clickmap?host=bank.example&url=%2Ftransfer&version=']) {
    assert.ok([401, 302].includes((await call(url)).status), `signed out: ${url}`);
    for (const role of ROLES) {
      const expected = role === 'analyst' || role === 'compliance' ? 200 : 403;
      assert.equal((await call(url, role)).status, expected, `${role} on ${url}`);
    }
  }
  const body = await (await call('/api/analytics/clickmap?host=bank.example&url=%2Ftransfer&version=', 'analyst')).json();
  assert.deepEqual(body, { page: { host: 'bank.example', url: '/transfer', version: '' }, hotspots: [], scroll: { views: 0, reached: new Array(11).fill(0) } });
});

it('audits every read with the page looked at, and refuses the others on record', async () => {
  await call('/api/analytics/fields?host=bank.example&url=%2Ftransfer&form=%23transfer&from=1&to=2', 'compliance');
  const reads = await audit.query({ actor: 'compliance', action: 'analytics-read' });
  assert.ok(reads.some((e) => e.outcome === 'ok' && e.details?.form === '#transfer' && e.details?.url === '/transfer' && e.details?.from === '1'), JSON.stringify(reads));
  assert.ok((await audit.query({ actor: 'agent', outcome: 'denied' })).length > 0);
});

it('answers 400 with the reason for bad parameters', async () => {
  for (const [url, reason] of [
    ['/api/analytics/fields?from=yesterday', /from must be a time/],
    ['/api/analytics/fields?from=5&to=1', /to must be after from/],
    ['/api/analytics/clickmap?host=bank.example&version=', /Missing url/],
    [`/api/analytics/fields?host=${'x'.repeat(400)}&url=%2F&form=`, /longer than 300/],
  ] as const) {
    const res = await call(url, 'analyst');
    assert.equal(res.status, 400, url);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, reason);
  }
});
