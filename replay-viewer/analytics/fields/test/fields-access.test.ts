/**
 * Field analytics and click maps are for analysts and compliance only, enforced by the server's gate (pages and
 * API), every API read audited with what was looked at; bad parameters answer 400 with the reason.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Role } from '../../../auth/index';
import { ROLES, startRoleViewer, type RoleViewer } from '../../../../test/helpers/role-viewer';
import { FieldAnalyticsRoutes } from '../fields-routes';

let rv: RoleViewer;
const call = (url: string, role?: Role) => rv.call(url, role);

before(async () => {
  rv = await startRoleViewer('fields-access', (search) => ({ fieldAnalytics: new FieldAnalyticsRoutes(search.index) }));
});

after(async () => {
  await rv?.close();
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
  const reads = await rv.audit.query({ actor: 'compliance', action: 'analytics-read' });
  assert.ok(reads.some((e) => e.outcome === 'ok' && e.details?.form === '#transfer' && e.details?.url === '/transfer' && e.details?.from === '1'), JSON.stringify(reads));
  assert.ok((await rv.audit.query({ actor: 'agent', outcome: 'denied' })).length > 0);
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
