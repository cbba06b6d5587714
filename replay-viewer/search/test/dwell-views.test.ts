/**
 * The dwell job's URL list (derived/dwell-views.ts urlsToJudge): 24,003 page views written through the index's apply,
 * more than two of the ranges SQLite groups per statement, so every URL's views span several ranges; the list holds
 * each URL's exact count since the moment asked, busiest first (ties by host, then URL), none under the minimum, at
 * most the number asked; the same on SQLite and, when installed, PostgreSQL (one statement there).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { urlsToJudge } from '../derived/dwell-views';
import { loadOrCreateIndexKey } from '../index-key';
import { newSearchIndex } from '../open-index';
import type { SearchIndex } from '../search-index';

const T0 = Date.UTC(2026, 11, 1);
const SESSIONS = 300;
const VIEWS = 80;
/** View v of a session: /a every other view, /b and /c in turns, /d once in a session's views (at v = 79). */
const urlOf = (v: number) => (v === VIEWS - 1 ? '/d' : v % 2 === 0 ? '/a' : v % 4 === 1 ? '/b' : '/c');
/** bank.example's views; three on other hosts with the same URL, so host and URL count apart. */
const OTHER_HOST = [{ host: 'a.example', url: '/b' }, { host: 'z.example', url: '/b' }, { host: 'z.example', url: '/b' }];

function scenario(name: string, searchUrl: () => string | undefined): void {
  describe(`dwell job's URL list (${name})`, () => {
    let dir: string;
    let index: SearchIndex;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `verbatim-dwell-views-${name}-`));
      index = newSearchIndex({ searchUrl: searchUrl(), indexDir: dir }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
      await index.open();
      for (let from = 0; from < SESSIONS; from += 100) {
        const ids = Array.from({ length: 100 }, (_, i) => `s${from + i}`);
        await index.apply({
          cursor: from + 1,
          sessions: ids.map((id) => ({ id, channel: 'proxy', startedAt: T0, endedAt: T0, pageCount: VIEWS, durationMs: 0, activeMs: 0, customerLinked: false })),
          hits: [],
          // Session i's views at T0 + i, so a `since` of T0 + 150 keeps the second half of the sessions.
          analytics: ids.map((id, i) => ({
            sessionId: id,
            rows: Array.from({ length: VIEWS }, (_, v) => ({ table: 'page_views', row: { pageId: `p${v}`, at: T0 + from + i, host: 'bank.example', url: urlOf(v), title: null, dwellMs: 1_000 } })),
          })),
        });
      }
      await index.apply({
        cursor: 9, sessions: [{ id: 'x', channel: 'proxy', startedAt: T0, endedAt: T0, pageCount: 3, durationMs: 0, activeMs: 0, customerLinked: false }], hits: [],
        analytics: [{ sessionId: 'x', rows: OTHER_HOST.map((u, v) => ({ table: 'page_views', row: { pageId: `p${v}`, at: T0 + 1_000, ...u, title: null, dwellMs: 1_000 } })) }],
      });
    });
    after(async () => {
      await index?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('counts every view of each URL across the ranges, busiest first, ties by host then URL', async () => {
      const all = await urlsToJudge(index.analyticsDb(), T0, 2, 100);
      assert.deepEqual(all, [
        { host: 'bank.example', url: '/a', views: 300 * 40 },
        // /b and /c: 20 views each per session (v = 1, 5, … and 3, 7, …, 79 is /d).
        { host: 'bank.example', url: '/b', views: 300 * 20 },
        { host: 'bank.example', url: '/c', views: 300 * 19 },
        { host: 'bank.example', url: '/d', views: 300 },
        { host: 'z.example', url: '/b', views: 2 },
      ]);
    });

    it('keeps views since the moment, URLs with at least the minimum, at most the number asked', async () => {
      assert.deepEqual(await urlsToJudge(index.analyticsDb(), T0 + 150, 151, 100), [
        { host: 'bank.example', url: '/a', views: 150 * 40 }, { host: 'bank.example', url: '/b', views: 150 * 20 }, { host: 'bank.example', url: '/c', views: 150 * 19 },
      ]);
      assert.deepEqual((await urlsToJudge(index.analyticsDb(), T0, 1, 3)).map((u) => u.url), ['/a', '/b', '/c']);
      assert.deepEqual((await urlsToJudge(index.analyticsDb(), T0, 1, 10)).slice(-2), [{ host: 'z.example', url: '/b', views: 2 }, { host: 'a.example', url: '/b', views: 1 }]);
    });
  });
}

scenario('sqlite', () => undefined);

const pgBin = await findPostgresBin();
let server: PostgresServer | undefined;
let pgUrl: string | undefined;
describe('dwell job\'s URL list on PostgreSQL', { skip: pgBin ? false : 'PostgreSQL is not installed' }, () => {
  before(async () => {
    server = await startPostgres();
    pgUrl = `${server.url(await server.createDatabase('dwell_views'))}&schema=verbatim_dwell_views`;
  });
  after(async () => server?.stop());
  scenario('postgres', () => pgUrl);
});
