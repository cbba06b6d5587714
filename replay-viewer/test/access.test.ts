/**
 * The access layer: every role against every API route (allowed and denied),
 * sign-in, CSRF, API tokens, agent scoping to customer-linked sessions, exports
 * (compliance only, audited, the file checks out), and the audit trail (agent
 * replays recorded; chain verifies; a tampered entry is caught). The throttle and
 * hostile sign-in bodies are in sign-in.test.ts; the table itself in route-table.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ROLE_PERMISSIONS, ViewerAccess, type Role } from '../auth/index';
import { routeTableMarkdown } from '../../scripts/route-table-doc';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { startViewer, type Viewer } from '../server';
import { sessionExporter } from '../../scripts/export/session-exporter';
import { unzip } from '../../test/helpers/unzip';
import { verifyEvidenceHtml } from '../../store/integrity/evidence-verify';

const LINKED = 'c2hx7k4m5n6p7r8s9t2v3w4x5y';
const ANON = 'd2hx7k4m5n6p7r8s9t2v3w4x5y';
const PASSWORD = 'correct horse battery';
const ROLES: Role[] = ['agent', 'analyst', 'compliance', 'admin', 'auditor'];

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let accounts: AccountStore;
let audit: AuditLog;
let now = Date.now();

interface Client { cookie: string; csrf: string }
const clients = new Map<Role, Client>();

async function call(method: string, url: string, c?: Client | { bearer: string }, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
  if (c && 'cookie' in c) { headers.cookie = c.cookie; headers['x-verbatim-csrf'] = c.csrf; }
  if (c && 'bearer' in c) headers.authorization = `Bearer ${c.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(viewer.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
}

async function signIn(name: string, password = PASSWORD): Promise<Response> {
  return call('POST', '/auth/login', undefined, { username: name, password });
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-access-'));
  // With a signing key, as `verbatim start` runs it: exports carry signed proofs.
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir: path.join(dir, 'keys'), sealIntervalMs: 0 } });
  for (const id of [LINKED, ANON]) {
    await store.createSession({ id, channel: 'proxy', startedAt: 1_700_000_000_000 });
    await store.appendEvents({ sessionId: id, page: { id: 'p1', url: 'https://bank.example/' }, seq: 0, events: [{ type: 4, timestamp: 1_700_000_000_001, data: { href: 'https://bank.example/', width: 800, height: 600 } }], receivedAt: 1_700_000_000_002 });
  }
  await store.linkCustomer({ sessionId: LINKED, customerId: 'C-1001', source: 'test', at: 1 });
  accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'), { now: () => now });
  audit = await AuditLog.open(path.join(dir, 'audit.log'));
  for (const role of ROLES) await accounts.add(role, role, PASSWORD);
  await accounts.add('locky', 'analyst', PASSWORD);
  const access = new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) });
  // A stand-in UI: only whether the gate lets the page through matters here.
  await mkdir(path.join(dir, 'ui'));
  await writeFile(path.join(dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
  viewer = await startViewer({ store, uiDir: path.join(dir, 'ui'), access, exporter: sessionExporter(store, path.join(dir, 'keys')) });
  for (const role of ROLES) {
    const res = await signIn(role);
    assert.equal(res.status, 200, `${role} signs in`);
    const setCookie = res.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const { csrf } = (await res.json()) as { csrf: string };
    clients.set(role, { cookie: setCookie.split(';')[0]!, csrf });
  }
});

after(async () => {
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The route matrix: for each route, the roles allowed. Everyone else gets 403 (401 when signed out). */
const MATRIX: { name: string; method: string; url: string; body?: unknown; allowed: Role[] }[] = [
  { name: 'list all sessions', method: 'GET', url: '/api/sessions', allowed: ['analyst', 'compliance'] },
  { name: 'search by customer id', method: 'GET', url: '/api/sessions?customer=C-1001', allowed: ['agent', 'analyst', 'compliance'] },
  { name: 'customer history', method: 'GET', url: '/api/customers/C-1001/sessions', allowed: ['agent', 'analyst', 'compliance'] },
  { name: 'session details', method: 'GET', url: `/api/sessions/${LINKED}`, allowed: ['agent', 'analyst', 'compliance'] },
  { name: 'replay events', method: 'GET', url: `/api/sessions/${LINKED}/events`, allowed: ['agent', 'analyst', 'compliance'] },
  { name: 'archived resource', method: 'GET', url: `/archive/${LINKED}/1700000000001/https://bank.example/x.css`, allowed: ['agent', 'analyst', 'compliance'] },
  { name: 'network log (technical)', method: 'GET', url: `/api/sessions/${LINKED}/captures`, allowed: ['analyst', 'compliance'] },
  { name: 'export', method: 'GET', url: `/api/sessions/${LINKED}/export?format=wacz`, allowed: ['compliance'] },
  { name: 'list users', method: 'GET', url: '/api/users', allowed: ['admin'] },
  { name: 'unlock a user', method: 'POST', url: '/api/users/locky/unlock', body: {}, allowed: ['admin'] },
  { name: 'read audit trail', method: 'GET', url: '/api/audit', allowed: ['admin', 'auditor'] },
  { name: 'export audit trail', method: 'GET', url: '/api/audit/export', allowed: ['admin', 'auditor'] },
  { name: 'audit page', method: 'GET', url: '/audit', allowed: ['admin', 'auditor'] },
  { name: 'who am I', method: 'GET', url: '/api/me', allowed: ['agent', 'analyst', 'compliance', 'admin', 'auditor'] },
  { name: 'viewer UI', method: 'GET', url: '/', allowed: ['agent', 'analyst', 'compliance', 'admin', 'auditor'] },
];

describe('role × endpoint matrix', () => {
  for (const route of MATRIX) {
    it(`${route.method} ${route.name}`, async () => {
      const anon = await call(route.method, route.url, undefined, route.body);
      assert.ok(anon.status === 401 || (anon.status === 302 && !route.url.startsWith('/api/')), `signed out: ${anon.status}`);
      for (const role of ROLES) {
        const res = await call(route.method, route.url, clients.get(role), route.body);
        const allowed = res.status !== 401 && res.status !== 403;
        assert.equal(allowed, route.allowed.includes(role), `${role} → ${res.status} on ${route.method} ${route.url}`);
        if (allowed && route.method === 'GET' && !route.url.startsWith('/archive/')) assert.equal(res.status, 200, `${role} gets ${route.url}`);
      }
    });
  }

  it('agents only see the customer they searched for, and cannot open anonymous sessions', async () => {
    const agent = clients.get('agent')!;
    const list = (await (await call('GET', '/api/sessions?customer=C-1001', agent)).json()) as { id: string; customerId: string }[];
    assert.deepEqual(list.map((s) => [s.id, s.customerId]), [[LINKED, 'C-1001']]);
    assert.equal((await call('GET', `/api/sessions/${ANON}/events`, agent)).status, 403);
    assert.equal((await call('GET', `/archive/${ANON}/1700000000001/https://bank.example/x.css`, agent)).status, 403);
    assert.equal((await call('GET', `/api/sessions/${ANON}/events`, clients.get('analyst'))).status, 200);
  });

  it('admins manage users; the new account can sign in', async () => {
    const admin = clients.get('admin')!;
    const created = await call('POST', '/api/users', admin, { name: 'newagent', role: 'agent', password: 'another long password' });
    assert.equal(created.status, 201);
    assert.equal((await signIn('newagent', 'another long password')).status, 200);
    assert.equal((await call('POST', '/api/users', clients.get('compliance'), { name: 'x', role: 'admin', password: 'another long password' })).status, 403);
  });
});

describe('export', () => {
  const exportUrl = (format: string, id = LINKED) => `/api/sessions/${id}/export?format=${format}`;
  const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

  it('gives compliance the WACZ as an attachment whose files match their recorded hashes', async () => {
    const digest = await store.putBlob(Buffer.from('body { color: navy }'));
    await store.putCapture({
      id: 'cap-export', sessionId: LINKED, method: 'GET', url: 'https://bank.example/site.css', status: 200,
      headers: [['content-type', 'text/css']], startedAt: 1_700_000_000_001, timing: { headersMs: 1, totalMs: 2 },
      body: { digest, size: 20, encoding: '', truncated: false },
    });
    const res = await call('GET', exportUrl('wacz'), clients.get('compliance'));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/wacz');
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="verbatim-${LINKED}.wacz"`);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const files = unzip(Buffer.from(await res.arrayBuffer()));
    const pkg = JSON.parse(files.get('datapackage.json')!.toString()) as { resources: { path: string; hash: string }[] };
    for (const r of pkg.resources) assert.equal(r.hash, sha256(files.get(r.path)!), r.path);
    assert.equal(JSON.parse(files.get('datapackage-digest.json')!.toString()).hash, sha256(files.get('datapackage.json')!));
    assert.match(files.get('archive/data.warc')!.toString('latin1'), /WARC-Target-URI: https:\/\/bank\.example\/site\.css/);
  });

  it('refuses agents and analysts, and writes every attempt to the audit trail with the session id', async () => {
    for (const role of ['agent', 'analyst'] as const) {
      for (const format of ['html', 'wacz']) assert.equal((await call('GET', exportUrl(format), clients.get(role))).status, 403, `${role} ${format}`);
    }
    const exports = await audit.query({ action: 'export', target: LINKED });
    assert.ok(exports.some((e) => e.actor === 'compliance' && e.outcome === 'ok' && (e.details as Record<string, unknown>).format === 'wacz'));
    for (const role of ['agent', 'analyst']) assert.ok(exports.some((e) => e.actor === role && e.outcome === 'denied'), `${role}'s attempt is on record`);
    assert.equal((await audit.verify()).ok, true);
  });

  it('answers an unknown format with 400 and an unknown session with 404', async () => {
    const compliance = clients.get('compliance')!;
    assert.equal((await call('GET', exportUrl('pdf'), compliance)).status, 400);
    assert.equal((await call('GET', exportUrl('wacz', 'e2hx7k4m5n6p7r8s9t2v3w4x5y'), compliance)).status, 404);
  });

  it('gives compliance the signed evidence file (HTML), which verifies on its own', async () => {
    const res = await call('GET', exportUrl('html'), clients.get('compliance'));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="verbatim-${LINKED}.html"`);
    const report = verifyEvidenceHtml(await res.text());
    assert.deepEqual(report.problems, []);
    assert.equal(report.sessionId, LINKED);
  });
});

describe('sign-in, CSRF and tokens', () => {
  it('slows a user name down after 5 failures, and an admin lifts it', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await signIn('locky', 'wrong password!!')).status, 401);
    const sixth = await signIn('locky');
    assert.equal(sixth.status, 429, 'backing off, even for the right password');
    assert.equal(((await sixth.json()) as { error: { code: string } }).error.code, 'THROTTLED');
    assert.ok(Number(sixth.headers.get('retry-after')) >= 1);
    assert.equal((await call('POST', '/api/users/locky/unlock', clients.get('admin'), {})).status, 200);
    assert.equal((await signIn('locky')).status, 200, 'the administrator lifted the backoff');
    const failures = await audit.query({ actor: 'locky', action: 'sign-in', outcome: 'failed' });
    assert.ok(failures.length >= 6);
    assert.ok((await audit.query({ action: 'config', target: 'user:locky' })).some((e) => e.details?.change === 'unlocked'));
  });

  it('an unknown user name fails like a wrong password, and is not put on the record (it may be a password)', async () => {
    const res = await signIn('my-secret-passw0rd', 'whatever password');
    assert.equal(res.status, 401);
    const entries = await audit.query({ action: 'sign-in', outcome: 'failed' });
    assert.ok(entries.some((e) => e.actor === '(unknown user)'));
    assert.ok(!JSON.stringify(entries).includes('my-secret-passw0rd'));
  });

  it('answers an undeclared route 404 and a declared one with another method 405, signed in or not', async () => {
    for (const c of [undefined, clients.get('admin'), clients.get('compliance')]) {
      assert.equal((await call('POST', `/api/sessions/${LINKED}/hold`, c, {})).status, 404);
      assert.equal((await call('GET', '/api/retention', c)).status, 404);
      assert.equal((await call('POST', `/api/sessions/${LINKED}/events`, c, {})).status, 405);
    }
    const res = await call('DELETE', `/api/sessions/${ANON}`, clients.get('admin'));
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('refuses state-changing requests without the CSRF token or from another origin', async () => {
    const c = clients.get('admin')!;
    const unlock = '/api/users/locky/unlock';
    const noToken = await fetch(`${viewer.url}${unlock}`, { method: 'POST', headers: { cookie: c.cookie } });
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'CSRF');
    const wrong = await call('POST', unlock, { ...c, csrf: 'x'.repeat(32) });
    assert.equal(wrong.status, 403);
    const crossSite = await call('POST', unlock, c, {}, { origin: 'https://evil.example' });
    assert.equal(crossSite.status, 403);
    const crossLogin = await call('POST', '/auth/login', undefined, { username: 'agent', password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(crossLogin.status, 403);
    const crossSiteFetch = await call('POST', '/auth/login', undefined, { username: 'agent', password: PASSWORD }, { 'sec-fetch-site': 'cross-site', origin: 'null' });
    assert.equal(crossSiteFetch.status, 403);
    const sameSite = await call('POST', unlock, c, {}, { 'sec-fetch-site': 'same-site' });
    assert.equal(sameSite.status, 403, 'a sibling subdomain is not our origin');
    const ok = await call('POST', unlock, c, {});
    assert.equal(ok.status, 200);
  });

  it('API tokens authenticate automation without cookies or CSRF', async () => {
    const admin = clients.get('admin')!;
    const res = await call('POST', '/api/users/analyst/tokens', admin, { label: 'nightly report' });
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    assert.equal((await call('GET', '/api/sessions', { bearer: token })).status, 200);
    assert.equal((await call('GET', '/api/audit', { bearer: token })).status, 403);
    assert.equal((await call('GET', '/api/sessions', { bearer: token.slice(0, -2) + 'xx' })).status, 401);
  });

  it('signs out', async () => {
    const res = await signIn('auditor');
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const { csrf } = (await res.json()) as { csrf: string };
    assert.equal((await call('POST', '/auth/logout', { cookie, csrf })).status, 200);
    assert.equal((await call('GET', '/api/audit', { cookie, csrf })).status, 401);
  });
});

describe('audit trail', () => {
  it("records an agent's searches and replays, readable by the auditor", async () => {
    const agent = clients.get('agent')!;
    assert.equal((await call('GET', `/api/sessions/${LINKED}/events`, agent)).status, 200);
    const res = await call('GET', `/api/audit?actor=agent&action=replay`, clients.get('auditor'));
    const { entries } = (await res.json()) as { entries: { actor: string; action: string; target: string; outcome: string }[] };
    assert.ok(entries.some((e) => e.target === LINKED && e.outcome === 'ok'), 'the replay is on record');
    const denied = await audit.query({ actor: 'agent', outcome: 'denied' });
    assert.ok(denied.length > 0, 'denied attempts are on record too');
    const searches = await audit.query({ actor: 'agent', action: 'search' });
    assert.ok(searches.some((e) => (e.details as Record<string, unknown>).customer === 'C-1001'));
    const exported = await (await call('GET', '/api/audit/export?actor=agent', clients.get('auditor'))).text();
    assert.ok(exported.split('\n').filter(Boolean).every((l) => JSON.parse(l).actor === 'agent'));
  });

  it('the chain verifies, and a tampered entry breaks it', async () => {
    assert.deepEqual((await audit.verify()).ok, true);
    const file = path.join(dir, 'audit.log');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('"actor":"agent","role":"agent","action":"replay"', '"actor":"analyst","role":"agent","action":"replay"'));
    const broken = await audit.verify();
    assert.equal(broken.ok, false);
    const lines = original.split('\n').filter(Boolean);
    await writeFile(file, [...lines.slice(0, 3), ...lines.slice(4)].join('\n') + '\n');
    assert.equal((await audit.verify()).ok, false, 'a removed entry is caught');
    await writeFile(file, original);
  });
});

describe('the route table', () => {
  /** A concrete, side-effect-free request for a declared pattern (unknown users and tokens answer 404). */
  const concrete = (pattern: string) => pattern
    .replace(':id', LINKED).replace(':name', 'no-such-user').replace(':tokenId', '0123456789ab').replace('*', `${LINKED}/1700000000001/https://bank.example/x.css`);

  it('every declared route admits exactly the roles its rule names', async () => {
    const checked: string[] = [];
    for (const route of viewer.routes) {
      if (typeof route.allow === 'string') continue; // public, signed-in, terminal: not a role rule
      const url = concrete(route.path) + (route.method === 'GET' && route.path.endsWith('/export') ? '?format=html' : '');
      for (const role of ROLES) {
        const res = await call(route.method, url, clients.get(role), route.method === 'GET' ? undefined : {});
        const admitted = res.status !== 401 && res.status !== 403;
        const expected = route.allow.some((p) => ROLE_PERMISSIONS[role].has(p));
        assert.equal(admitted, expected, `${role} → ${res.status} on ${route.method} ${route.path}`);
      }
      checked.push(`${route.method} ${route.path}`);
    }
    assert.ok(checked.length >= 15, checked.join(', '));
  });

  it('docs/ACCESS.md shows the table as declared', async () => {
    const doc = await readFile(path.join(import.meta.dirname, '..', '..', 'docs', 'ACCESS.md'), 'utf8');
    assert.ok(doc.includes(routeTableMarkdown()), 'regenerate the table in docs/ACCESS.md: npx tsx scripts/route-table-doc.ts');
  });
});
