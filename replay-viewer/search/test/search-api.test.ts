/**
 * The search API through the real viewer and access layer: results and facets, a malformed query answers 400 with
 * its position, agents only ever get customer-linked sessions (search and matches), every search is audited with
 * its personal values hashed (the audit file never holds what was typed), and the route table lists both routes.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccountStore, AuditLog, ViewerAccess, type Role } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import { SearchRoutes } from '../index';
import type { MatchesResponse, SearchResponse } from '../types';
import { bench, recordJourney, type Bench } from './index-fixtures';

const PASSWORD = 'correct horse battery';
const LINKED = 'api-linked-1';
const ANON = 'api-anon-1';
const TYPED_SECRET = 'Vantrexil';
const T0 = Date.UTC(2026, 10, 22, 9);

describe('search API', () => {
  let b: Bench;
  let viewer: Viewer;
  let audit: AuditLog;
  const cookies = new Map<Role, string>();

  before(async () => {
    b = await bench('api');
    await recordJourney(b.store, LINKED, T0, { seen: 'linked transfer page', typed: `${TYPED_SECRET} one`, channel: 'kiosk' });
    await recordJourney(b.store, ANON, T0 + 60_000, { seen: 'anonymous transfer page', typed: `${TYPED_SECRET} two` });
    await b.store.linkCustomer({ sessionId: LINKED, customerId: 'C-77', source: 'test', at: T0 });
    const search = await b.open();
    await search.follower.catchUp();
    const accounts = await AccountStore.open(path.join(b.dir, 'accounts.json'));
    audit = await AuditLog.open(path.join(b.dir, 'audit.log'));
    for (const role of ['agent', 'analyst', 'admin'] as const) await accounts.add(role, role, PASSWORD);
    await mkdir(path.join(b.dir, 'ui'));
    await writeFile(path.join(b.dir, 'ui', 'index.html'), '<!doctype html><title>Verbatim</title>');
    viewer = await startViewer({
      store: b.store, uiDir: path.join(b.dir, 'ui'),
      access: new ViewerAccess({ accounts, audit, customerOf: (id) => b.store.customerOf(id) }),
      search: new SearchRoutes(search.index, b.store, search.key),
    });
    for (const role of ['agent', 'analyst', 'admin'] as const) {
      const res = await fetch(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: role, password: PASSWORD }) });
      assert.equal(res.status, 200);
      cookies.set(role, res.headers.get('set-cookie')!.split(';')[0]!);
    }
  });
  after(async () => {
    await viewer?.close();
    await b.close();
  });

  const get = (role: Role, url: string) => fetch(viewer.url + url, { headers: { cookie: cookies.get(role)! } });
  const search = async (role: Role, q: string, extra = ''): Promise<SearchResponse> => {
    const res = await get(role, `/api/search?q=${encodeURIComponent(q)}${extra}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as SearchResponse;
  };

  it('answers results newest first with first match, total and facets', async () => {
    const r = await search('analyst', `typed:${TYPED_SECRET.toLowerCase()} then status:>=500`, '&facets=channel,status');
    assert.deepEqual(r.results.map((x) => x.session.id), [ANON, LINKED]);
    assert.equal(r.total, 2);
    assert.equal(r.results[1]!.firstMatch?.at, T0 + 2_000);
    assert.equal(r.results[1]!.firstMatch?.kind, 'typed');
    assert.deepEqual(r.facets.channel, [{ value: 'kiosk', count: 1 }, { value: 'proxy', count: 1 }]);
    assert.deepEqual(r.facets.status, [{ value: '5xx', count: 2 }]);
    const all = await search('analyst', '', '&limit=1');
    assert.equal(all.results.length, 1);
    assert.ok(all.next);
    const page2 = await search('analyst', '', `&limit=1&cursor=${all.next}`);
    assert.deepEqual(page2.results.map((x) => x.session.id), [LINKED]);
    assert.equal(page2.next, undefined);
  });

  it('answers a malformed query with 400 QUERY_INVALID and its position', async () => {
    const res = await get('analyst', `/api/search?q=${encodeURIComponent('transfer (status:500')}`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string; position: number } };
    assert.equal(body.error.code, 'QUERY_INVALID');
    assert.equal(body.error.position, 9);
    assert.ok(body.error.message.length > 0);
    const short = await get('analyst', `/api/search?q=${encodeURIComponent('text:tr*')}`);
    assert.equal(short.status, 400);
    assert.equal(((await short.json()) as { error: { position: number } }).error.position, 0);
    assert.equal((await get('analyst', '/api/search?q=x&facets=customer')).status, 400);
  });

  it('gives agents customer-linked sessions only', async () => {
    assert.deepEqual((await search('agent', 'transfer')).results.map((x) => x.session.id), [LINKED]);
    assert.equal((await search('agent', 'transfer')).total, 1);
    assert.deepEqual((await search('agent', 'channel:proxy')).results, []);
    assert.deepEqual((await search('agent', 'customer:C-77')).results.map((x) => x.session.id), [LINKED]);
    const linked = await get('agent', `/api/sessions/${LINKED}/matches?q=transfer`);
    assert.equal(linked.status, 200);
    assert.ok(((await linked.json()) as MatchesResponse).matches.length >= 3);
    assert.equal((await get('agent', `/api/sessions/${ANON}/matches?q=transfer`)).status, 403);
    assert.equal((await get('admin', `/api/search?q=transfer`)).status, 403);
  });

  it('answers every matching moment of one session', async () => {
    const res = await get('analyst', `/api/sessions/${ANON}/matches?q=${encodeURIComponent(`typed:${TYPED_SECRET} OR error:typeerror`)}`);
    const { matches } = (await res.json()) as MatchesResponse;
    assert.deepEqual(matches.map((m) => [m.at - T0, m.kind]), [[62_000, 'typed'], [63_100, 'error']]);
    assert.equal(matches[0]!.snippet, `${TYPED_SECRET} two`);
  });

  it('audits every search without what was typed or seen', async () => {
    await search('analyst', `typed:"${TYPED_SECRET} two" channel:proxy`);
    const entries = await audit.query({ action: 'search' });
    const mine = entries.filter((e) => e.details?.path === '/api/search');
    assert.ok(mine.length >= 8, `search entries: ${mine.length}`);
    const last = mine.find((e) => String(e.details?.query).includes('channel:proxy'))!;
    assert.ok(last, mine.map((e) => e.details?.query).join(' | '));
    assert.equal(last.actor, 'analyst');
    assert.match(String(last.details?.query), /^typed:#[0-9a-f]{12} channel:proxy$/);
    assert.equal(last.details?.q, undefined);
    const invalid = mine.find((e) => String(e.details?.query).startsWith('(invalid'));
    assert.ok(invalid, 'a malformed query is audited too');
    const file = await readFile(path.join(b.dir, 'audit.log'), 'utf8');
    assert.ok(!file.toLowerCase().includes(TYPED_SECRET.toLowerCase()), 'the typed value is not in the audit trail');
    assert.ok(!file.includes('linked transfer page'));
  });

  it('declares both routes', () => {
    const paths = viewer.routes.map((r) => `${r.method} ${r.path}`);
    assert.ok(paths.includes('GET /api/search'));
    assert.ok(paths.includes('GET /api/sessions/:id/matches'));
  });
});
