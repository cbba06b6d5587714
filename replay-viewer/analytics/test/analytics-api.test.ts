/**
 * The analytics API through the real viewer and access layer over the corpus (SQLite index): analysts and compliance
 * only (pages too), saved funnels written atomically to <data>/analytics/funnels.json (0600) with every change audited,
 * reports streamed with their progress, every read audited, bad input answered 400 with a reason.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import { signIn } from '../../../test/helpers/role-viewer';
import { bench, type Bench } from '../../search/test/index-fixtures';
import type { Funnel } from '../funnels/definition';
import type { FunnelReport } from '../funnels/funnel-report';
import { openAnalytics, ANALYTICS_DIR } from '../index';
import type { JourneyReport } from '../journeys/journey-report';
import { EXPECTED, FUNNEL, corpus, recordCorpus } from './corpus';

const PASSWORD = 'correct horse battery';
const ROLES: Role[] = ['compliance', 'analyst', 'agent', 'auditor', 'admin'];
const T0 = Date.UTC(2026, 10, 2, 9);
const PERIOD = `from=2026-11-02&to=2026-11-03`;

describe('analytics API', () => {
  let b: Bench;
  let viewer: Viewer;
  let audit: AuditLog;
  const login = new Map<Role, { cookie: string; csrf: string }>();

  before(async () => {
    b = await bench('analytics-api');
    await recordCorpus(b.store, corpus(T0));
    const search = await b.open();
    await search.follower.catchUp();
    const accounts = await AccountStore.open(path.join(b.dir, 'accounts.json'));
    audit = await AuditLog.open(path.join(b.dir, 'audit.log'), Date.now, (s) => s);
    for (const role of ROLES) await accounts.add(role, role, PASSWORD);
    await mkdir(path.join(b.dir, 'ui'));
    await writeFile(path.join(b.dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
    viewer = await startViewer({
      store: b.store, uiDir: path.join(b.dir, 'ui'),
      access: new ViewerAccess({ accounts, audit, customerOf: (id) => b.store.customerOf(id) }),
      analytics: openAnalytics({ dataDir: b.dir, index: search.index, customerOf: (id) => b.store.customerOf(id) }),
    });
    for (const role of ROLES) login.set(role, await signIn(viewer.url, role, PASSWORD));
  });
  after(async () => {
    await viewer?.close();
    await b.close();
  });

  const call = (role: Role, method: string, url: string, body?: unknown) => fetch(viewer.url + url, {
    method, headers: { cookie: login.get(role)!.cookie, 'x-verbatim-csrf': login.get(role)!.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const lines = async (res: Response) => (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const entries = async (action: string) => (await readFile(path.join(b.dir, 'audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.action === action);

  it('serves analysts and compliance only, pages included', async () => {
    for (const role of ['agent', 'auditor', 'admin'] as const) {
      for (const url of ['/analytics/funnels', '/analytics/journeys', '/api/analytics/funnels', `/api/analytics/journeys?${PERIOD}`, `/api/analytics/funnel-steps?${PERIOD}`]) {
        assert.equal((await call(role, 'GET', url)).status, 403, `${role} ${url}`);
      }
      assert.equal((await call(role, 'POST', '/api/analytics/funnels', FUNNEL)).status, 403, role);
    }
    for (const role of ['analyst', 'compliance'] as const) {
      assert.equal((await call(role, 'GET', '/analytics/funnels')).status, 200, role);
      assert.equal((await call(role, 'GET', '/analytics/journeys')).status, 200, role);
    }
  });

  it('saves, changes and deletes funnels atomically, each change audited', async () => {
    const created = await call('analyst', 'POST', '/api/analytics/funnels', FUNNEL);
    assert.equal(created.status, 201, await created.clone().text());
    const { funnel } = (await created.json()) as { funnel: Funnel };
    assert.match(funnel.id, /^[0-9a-f]{16}$/);
    assert.equal(funnel.createdBy, 'analyst');
    const file = path.join(b.dir, ANALYTICS_DIR, 'funnels.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).funnels.map((f: Funnel) => f.name), ['Transfer']);
    const renamed = await call('compliance', 'PUT', `/api/analytics/funnels/${funnel.id}`, { ...FUNNEL, name: 'Transfer money' });
    assert.equal(renamed.status, 200);
    const listed = (await (await call('analyst', 'GET', '/api/analytics/funnels')).json()) as { funnels: Funnel[] };
    assert.deepEqual(listed.funnels.map((f) => [f.name, f.steps.length]), [['Transfer money', 4]]);
    const extra = (await (await call('analyst', 'POST', '/api/analytics/funnels', { ...FUNNEL, name: 'Spare' })).json()) as { funnel: Funnel };
    assert.equal((await call('analyst', 'DELETE', `/api/analytics/funnels/${extra.funnel.id}`)).status, 200);
    assert.equal((await call('analyst', 'DELETE', `/api/analytics/funnels/${extra.funnel.id}`)).status, 404);
    const config = await entries('analytics-config');
    // The refused attempts of the first test are in the trail too.
    assert.deepEqual(config.filter((e) => e.outcome === 'denied').map((e) => e.actor), ['agent', 'auditor', 'admin']);
    const changes = config.filter((e) => e.outcome !== 'denied').map((e) => `${e.actor} ${e.details.change} ${e.outcome} ${e.target}`);
    assert.deepEqual(changes, [
      `analyst funnel-created ok funnel:${funnel.id}`, `compliance funnel-updated ok funnel:${funnel.id}`,
      `analyst funnel-created ok funnel:${extra.funnel.id}`, `analyst funnel-deleted ok funnel:${extra.funnel.id}`,
      `analyst funnel-deleted failed funnel:${extra.funnel.id}`,
    ]);
  });

  it('refuses a bad definition, id or period with a 400 and a reason, and changes nothing', async () => {
    const before = await readFile(path.join(b.dir, ANALYTICS_DIR, 'funnels.json'), 'utf8');
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/analytics/funnels', { name: 'x', steps: [FUNNEL.steps[0]] }, /2 to 10 steps/],
      ['POST', '/api/analytics/funnels', { name: 'x', steps: [{ kind: 'page', match: 'no-slash' }, FUNNEL.steps[1]] }, /starts with \//],
      ['POST', '/api/analytics/funnels', { name: 'x', steps: [{ kind: 'hover', match: '#a' }, FUNNEL.steps[1]] }, /kind must be one of/],
      ['POST', '/api/analytics/funnels', { name: 'x', steps: [FUNNEL.steps[0], { kind: 'request', match: '/api/transfer' }] }, /a request is METHOD \/path-pattern/],
      ['GET', '/api/analytics/funnels/zz/report', undefined, /Malformed funnel id/],
      ['GET', `/api/analytics/journeys?from=yesterday`, undefined, /from must be/],
      ['GET', `/api/analytics/journeys?from=2026-11-03&to=2026-11-02`, undefined, /before to/],
      ['GET', `/api/analytics/journeys/sessions?${PERIOD}&step=9&from_url=/&to_url=/`, undefined, /step must be/],
    ];
    for (const [method, url, body, reason] of cases) {
      const res = await call('analyst', method, url, body);
      assert.equal(res.status, 400, url);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, reason);
    }
    assert.equal(await readFile(path.join(b.dir, ANALYTICS_DIR, 'funnels.json'), 'utf8'), before);
  });

  it('streams a funnel report with its progress, and audits the read', async () => {
    const { funnels } = (await (await call('analyst', 'GET', '/api/analytics/funnels')).json()) as { funnels: Funnel[] };
    const res = await call('analyst', 'GET', `/api/analytics/funnels/${funnels[0]!.id}/report?${PERIOD}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /application\/x-ndjson/);
    const out = await lines(res);
    assert.deepEqual(out.slice(0, -1).map((l) => l.progress.done), [0, 1, 2, 3]);
    const report = out.at(-1)!.result as FunnelReport;
    assert.deepEqual(report.steps.map((s) => s.reached), EXPECTED.reached);
    assert.deepEqual(report.steps.map((s) => s.medianMs), EXPECTED.medianMs);
    const read = (await entries('analytics')).find((e) => e.target === `funnel:${funnels[0]!.id}`);
    assert.equal(read?.actor, 'analyst');
    assert.equal(read?.details.from, '2026-11-02');
    // Per customer (none of these sessions is linked: each is its own journey, the same counts), audited as such.
    const perCustomer = await lines(await call('analyst', 'GET', `/api/analytics/funnels/${funnels[0]!.id}/report?${PERIOD}&per=customer`));
    assert.deepEqual(perCustomer.slice(0, -1).map((l) => l.progress.done), [0, 1, 2, 3, 4]);
    const byCustomer = perCustomer.at(-1)!.result as FunnelReport;
    assert.equal(byCustomer.per, 'customer');
    assert.deepEqual(byCustomer.steps.map((s) => s.reached), EXPECTED.reached);
    assert.equal((await entries('analytics')).filter((e) => e.target === `funnel:${funnels[0]!.id}` && e.details.per === 'customer').length, 1);
    const bad = await call('analyst', 'GET', `/api/analytics/funnels/${funnels[0]!.id}/report?${PERIOD}&per=tab`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /per must be session or customer/);
    assert.equal((await call('agent', 'GET', `/api/analytics/funnels/${funnels[0]!.id}/report?${PERIOD}&per=customer`)).status, 403);
  });

  it('suggests the marker names and request patterns of the period for the step editor, and audits the read', async () => {
    const res = await call('analyst', 'GET', `/api/analytics/funnel-steps?${PERIOD}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { markers: [], requests: [{ match: 'POST /api/transfer', sessions: 7 }] });
    assert.ok((await entries('analytics')).some((e) => e.actor === 'analyst' && e.details.path === '/api/analytics/funnel-steps' && e.details.from === '2026-11-02'));
  });

  it('streams the journey map and lists the sessions of a link', async () => {
    const out = await lines(await call('compliance', 'GET', `/api/analytics/journeys?${PERIOD}`));
    const map = out.at(-1)!.result as JourneyReport;
    assert.equal(map.sessions, 12);
    const res = await call('compliance', 'GET', `/api/analytics/journeys/sessions?${PERIOD}&step=1&from_url=${encodeURIComponent('/accounts/:id')}&to_url=(exit)`);
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { sessions: { session: string }[] }).sessions.map((s) => s.session), ['acct-9', 'acct-8']);
    const paths = await call('compliance', 'GET', `/api/analytics/journeys/sessions?${PERIOD}&path=/&path=${encodeURIComponent('/accounts/:id')}`);
    assert.deepEqual(((await paths.json()) as { total: number }).total, 2);
    assert.ok((await entries('analytics')).some((e) => e.actor === 'compliance' && e.details.path === '/api/analytics/journeys/sessions'));
  });
});
