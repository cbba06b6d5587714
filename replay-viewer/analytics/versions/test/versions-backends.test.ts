/**
 * The versions index on SQLite and on PostgreSQL, followed from a real store: three sessions (two on build 1 with
 * their own documents and data, one on build 2), the same versions, asset diff and `version:` search answers from
 * both backends, and an erased session's version gone from both.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LevelStore } from '../../../../store/level/level-store';
import { startPostgres, type PostgresServer } from '../../../../test/helpers/postgres-server';
import type { OpenedSearch } from '../../../search/index';
import { parseQuery } from '../../../search/query/parse';
import { bench, type Bench } from '../../../search/test/index-fixtures';
import { diffAssets, listVersions, versionAssets } from '../queries';

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
