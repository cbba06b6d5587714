/**
 * The site version fingerprint and the versions index, in one file (one process: the suite's time budget):
 * - site-version.ts and the collector (tables.ts), fed captures directly: every shared subresource counts by its body
 *   digest (an image or font changed, added or removed is a new version, not only scripts and stylesheets);
 *   documents, data requests and per-customer (sealed) bodies never count, nor query strings; the collector gives
 *   the session API's answer (session-versions.ts) whatever the feed order.
 * - the index on SQLite and on PostgreSQL, followed from a real store: three sessions (two on build 1 with their own
 *   documents and data, one on build 2), the same versions, asset diff and `version:` search answers from both
 *   backends, and an erased session's version gone from both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CapturedResource, EventBatch } from '../../../../store/records';
import type { LevelStore } from '../../../../store/level/level-store';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import type { OpenedSearch } from '../../../search/index';
import { parseQuery } from '../../../search/query/parse';
import { bench, type Bench } from '../../../search/test/index-fixtures';
import { SiteVersions } from '../../site-version';
import { diffAssets, listVersions, versionAssets } from '../queries';
import { sessionVersions } from '../session-versions';
import { createVersionsCollector, type PageVersionRow, type VersionAssetDbRow } from '../tables';

const U0 = 1_800_000_000_000;
let n = 0;
function capture(url: string, destination: string, digest: string, extra: Partial<CapturedResource> = {}): CapturedResource {
  return {
    id: `c${++n}`, method: 'GET', url, status: 200, headers: [], destination, startedAt: U0 + n, timing: { headersMs: 1, totalMs: 2 },
    body: { digest: digest.padEnd(64, '0'), size: 100 + n, encoding: '', truncated: false }, ...extra,
  };
}
const build = (over: Record<string, string> = {}) => [
  capture('https://bank.example/', 'document', 'doc'),
  capture('https://bank.example/app.css?v=1', 'style', over.css ?? 'c55'),
  capture('https://cdn.example/app.js', 'script', 'a11'),
  capture('https://bank.example/logo.png', 'image', over.logo ?? 'b0b'),
  capture('https://bank.example/font.woff2', 'font', 'f0f'),
];
const versionOf = (captures: CapturedResource[]) => {
  const v = new SiteVersions();
  for (const c of captures) v.capture(c);
  return v.versionOf('https://bank.example/', U0 + 100);
};

it('changes with any shared asset body, images and fonts included, and not with per-customer material', () => {
  const base = versionOf(build());
  assert.match(base, /^[0-9a-f]{12}$/);
  assert.equal(versionOf(build()), base, 'the same build gives the same version');
  assert.notEqual(versionOf(build({ logo: 'b1b' })), base, 'a changed image is a new version');
  assert.notEqual(versionOf(build().filter((c) => !c.url.endsWith('logo.png'))), base, 'a removed image is a new version');
  assert.notEqual(versionOf(build({ css: 'c56' })), base, 'a changed stylesheet is a new version');
  // Per customer: another document body, data requests, a sealed (Cache-Control: private) avatar, a query string.
  const other = build().map((c) => (c.destination === 'document' ? { ...c, body: { ...c.body!, digest: 'e'.repeat(64) } } : c));
  other.push(capture('https://bank.example/api/me', 'empty', 'd47'));
  other.push(capture('https://bank.example/avatar.png?c=42', 'image', 'a7a', { body: { digest: 'a7a'.padEnd(64, '0'), size: 9, encoding: '', truncated: false, sealed: true } }));
  other[1] = { ...other[1]!, url: 'https://bank.example/app.css?v=2' };
  assert.equal(versionOf(other), base, 'documents, data, sealed bodies and queries do not count');
});

it('gives the session API\'s versions from the change feed in either order', () => {
  const captures = build();
  const batch = (pageId: string, at: number, url: string): EventBatch => ({
    sessionId: 's', page: { id: pageId, url }, seq: 0, receivedAt: at + 50, events: [{ type: 4, timestamp: at, data: { href: url } }],
  });
  const batches = [batch('p1', U0 + 100, 'https://bank.example/'), batch('p2', U0 + 60_000, 'https://bank.example/accounts')];
  const expected = sessionVersions(batches, captures);
  assert.equal(expected[0]!.version, versionOf(captures));
  assert.equal(expected[1]!.version, expected[0]!.version, 'a load served from the cache takes the host\'s earlier version');
  for (const order of ['batches first', 'captures first'] as const) {
    const c = createVersionsCollector();
    if (order === 'batches first') { for (const b of batches) c.batch(b, []); for (const x of captures) c.capture(x, []); }
    else { for (const x of captures) c.capture(x, []); for (const b of batches) c.batch(b, []); }
    const rows = c.drain();
    const last = new Map<string, PageVersionRow>();
    for (const r of rows) if (r.table === 'page_versions') last.set((r.row as PageVersionRow).pageId, r.row as PageVersionRow);
    assert.deepEqual([...last.values()].map((r) => r.version), expected.map((p) => p.version), order);
    const assets = rows.filter((r) => r.table === 'version_assets' && (r.row as VersionAssetDbRow).version === expected[0]!.version);
    assert.deepEqual(assets.map((r) => (r.row as VersionAssetDbRow).asset.url).sort(),
      ['bank.example/app.css', 'bank.example/font.woff2', 'bank.example/logo.png', 'cdn.example/app.js'], order);
  }
});

const T0 = Date.UTC(2026, 10, 2, 9);
const SITE = 'https://bank.example';
const answers: Record<string, unknown> = {};

async function record(store: LevelStore, id: string, at: number, build: 1 | 2): Promise<void> {
  await store.createSession({ id, channel: 'proxy', startedAt: at });
  const put = async (path: string, destination: string, body: string, offset: number) => {
    const digest = await store.putBlob(Buffer.from(body));
    await store.putCapture({
      id: `${id}-${offset}`, sessionId: id, method: 'GET', url: `${SITE}${path}`, status: 200, headers: [], destination,
      startedAt: at + offset, timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: body.length, encoding: '', truncated: false },
    });
  };
  await put(`/?customer=${id}`, 'document', `<p>${id}</p>`, 0);
  await put('/app.css', 'style', build === 1 ? 'h1{}' : 'h1{color:red}', 10);
  await put('/app.js', 'script', 'x=1', 11);
  if (build === 1) await put('/logo.png', 'image', 'png!', 12);
  else await put('/extra.js', 'script', 'y=2', 12);
  await put('/api/me', 'empty', `{"id":"${id}"}`, 13);
  await store.appendEvents({
    sessionId: id, page: { id: `${id}-p1`, url: `${SITE}/?customer=${id}` }, seq: 0, receivedAt: at + 600,
    events: [{ type: 4, timestamp: at + 100, data: { href: `${SITE}/?customer=${id}`, width: 800, height: 600 } }],
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`versions index (${backend})`, () => {
    let b: Bench;
    let s: OpenedSearch;
    let server: PostgresServer | undefined;
    before(async () => {
      b = await bench(`versions-${backend}`);
      let searchUrl: string | undefined;
      if (backend === 'postgres') {
        server = await startPostgres();
        searchUrl = server.url(await server.createDatabase('versions'));
      }
      await record(b.store, 'alice', T0, 1);
      await record(b.store, 'bob', T0 + 60_000, 1);
      await record(b.store, 'carol', T0 + 120_000, 2);
      s = await b.open({ searchUrl });
      await s.follower.catchUp();
    });
    after(async () => {
      await b.close();
      await server?.stop();
    });

    it('lists the two versions with counts, their diff, and finds sessions by version prefix', async () => {
      const db = s.index.analyticsDb();
      const versions = await listVersions(db, {});
      assert.deepEqual(versions.map((v) => [v.host, v.sessions, v.pages, v.assets, v.firstSeen - T0, v.lastSeen - T0]),
        [['bank.example', 1, 1, 3, 120_100, 120_100], ['bank.example', 2, 2, 3, 100, 60_100]]);
      const [v2, v1] = versions.map((v) => v.version);
      const diff = diffAssets(await versionAssets(db, v1!), await versionAssets(db, v2!));
      assert.deepEqual(diff.added.map((a) => `${a.kind} ${a.url} ${a.size}`), ['script bank.example/extra.js 3']);
      assert.deepEqual(diff.removed.map((a) => `${a.kind} ${a.url} ${a.size}`), ['image bank.example/logo.png 4']);
      assert.deepEqual(diff.changed.map((a) => `${a.kind} ${a.url} ${a.before.size}→${a.after.size}`), ['style bank.example/app.css 4→13']);
      const ids = async (q: string) => (await s.index.search(parseQuery(q), { limit: 10 })).results.map((r) => r.session.id).sort();
      assert.deepEqual(await ids(`version:${v1!.slice(0, 4)}`), ['alice', 'bob']);
      assert.deepEqual(await ids(`version:${v2}`), ['carol']);
      assert.deepEqual(await ids(`-version:${v2}`), ['alice', 'bob']);
      answers[backend] = { versions: versions.map(({ version, ...v }) => ({ version, ...v })), diff };
    });

    it('forgets an erased session', async () => {
      await b.store.eraseSession('carol', { reason: 'test' });
      await s.follower.catchUp();
      const versions = await listVersions(s.index.analyticsDb(), {});
      assert.deepEqual(versions.map((v) => v.sessions), [2]);
      assert.deepEqual(await versionAssets(s.index.analyticsDb(), (answers[backend] as { versions: { version: string }[] }).versions[0]!.version), []);
    });
  });
}

describe('both backends', () => {
  it('give the same answers', () => {
    assert.ok(answers.sqlite && answers.postgres, 'both ran');
    assert.deepEqual(answers.postgres, answers.sqlite);
  });
});
