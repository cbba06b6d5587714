/**
 * Site versions are for analysts and compliance only, enforced by the server's gate (page and API), every API read
 * audited with what was looked at; bad parameters answer 400 with the reason, an unknown version 404. A session's
 * own versions follow the session's details' rules.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Role } from '../../../auth/index';
import { ROLES, startRoleViewer, type RoleViewer } from '../../../../test/helpers/role-viewer';
import { VersionsRoutes } from '../versions-routes';

let rv: RoleViewer;
const call = (url: string, role?: Role) => rv.call(url, role);

before(async () => {
  rv = await startRoleViewer('versions-access', (search) => ({ versions: new VersionsRoutes(search.index) }));
});

after(async () => {
  await rv?.close();
});

it('lets analysts and compliance in, refuses the other roles and anonymous callers, on the page and the API', async () => {
  for (const url of ['/versions', '/api/analytics/versions?host=bank.example']) {
    assert.ok([401, 302].includes((await call(url)).status), `signed out: ${url}`);
    for (const role of ROLES) {
      const expected = role === 'analyst' || role === 'compliance' ? 200 : 403;
      assert.equal((await call(url, role)).status, expected, `${role} on ${url}`);
    }
  }
  assert.deepEqual(await (await call('/api/analytics/versions', 'analyst')).json(), { versions: [] });
});

it('audits every read with the site and versions looked at, and refuses the others on record', async () => {
  await call('/api/analytics/versions/compare?host=bank.example&a=0123456789ab&b=ba9876543210', 'compliance');
  const reads = await rv.audit.query({ actor: 'compliance', action: 'analytics-read' });
  assert.ok(reads.some((e) => e.details?.host === 'bank.example' && e.details?.a === '0123456789ab' && e.details?.b === 'ba9876543210'), JSON.stringify(reads));
  assert.ok((await rv.audit.query({ actor: 'agent', outcome: 'denied' })).length > 0);
});

it('answers 400 with the reason for bad parameters, 404 for a version the site never had', async () => {
  for (const [url, status, reason] of [
    ['/api/analytics/versions?from=yesterday', 400, /from must be a time/],
    ['/api/analytics/versions/compare?a=0123456789ab&b=0123456789ab', 400, /host is required/],
    ['/api/analytics/versions/compare?host=bank.example&a=0123&b=0123456789ab', 400, /a must be a version id/],
    [`/api/analytics/versions?host=${'x'.repeat(400)}`, 400, /longer than 300/],
    ['/api/analytics/versions/compare?host=bank.example&a=0123456789ab&b=0123456789ab', 404, /bank.example has no version 0123456789ab/],
  ] as const) {
    const res = await call(url, 'analyst');
    assert.equal(res.status, status, url);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, reason);
  }
});

it('gives a session\'s versions to whoever may read its details', async () => {
  await rv.store.createSession({ id: 'v-session', channel: 'proxy', startedAt: Date.now() });
  for (const role of ROLES) {
    const res = await call('/api/sessions/v-session/versions', role);
    // Agents see customer-linked sessions only; this one has no customer.
    const expected = role === 'analyst' || role === 'compliance' ? 200 : 403;
    assert.equal(res.status, expected, role);
    if (res.status === 200) assert.deepEqual(await res.json(), { pages: [] });
  }
});
