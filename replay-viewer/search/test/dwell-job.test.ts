/**
 * The dwell job (derived/dwell-job.ts): page views written through the index's apply as the follower writes them
 * (sessions, page_views rows, ingest's struggle hits), 25 sessions on one URL with known dwell times; the job finds
 * exactly the long and the short one, nothing on a URL with 19 views, writes no duplicate on a second run, leaves
 * ingest's struggle hits alone, nothing of an erased session stays or comes back (erased before a run, and erased
 * between a run's read and its write), and a view the distribution moved past loses its hit. On SQLite and, when
 * installed, PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { DwellJob } from '../derived/dwell-job';
import { loadOrCreateIndexKey } from '../index-key';
import { newSearchIndex } from '../open-index';
import { parseQuery } from '../query/index';
import type { IndexBatch, SearchIndex } from '../search-index';

const HOUR = 3_600_000;
const T0 = Date.now() - 48 * HOUR;
const HOST = 'bank.example';
/** s00…s24 on /pay: s00 stays 200 ms, s24 ten minutes, the others 10.0 s, 10.1 s, … 12.2 s. */
const PAY = Array.from({ length: 25 }, (_, i) => ({ id: `s${String(i).padStart(2, '0')}`, ms: i === 0 ? 200 : i === 24 ? 600_000 : 10_000 + (i - 1) * 100 }));
/** r00…r18 on /rare: 19 views, one of them an hour long (too few to judge). */
const RARE = Array.from({ length: 19 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, ms: i === 0 ? HOUR : 5_000 + i }));

function follow(sessions: { id: string; ms: number }[], url: string, at: (i: number) => number): IndexBatch {
  return {
    cursor: 1,
    sessions: sessions.map(({ id, ms }, i) => ({ id, channel: 'proxy', startedAt: at(i), endedAt: at(i) + ms, pageCount: 1, durationMs: ms, activeMs: 0, customerLinked: false, struggleScore: 39 })),
    // Ingest's struggle hit on every session: it must stay.
    hits: sessions.map(({ id }, i) => ({ sessionId: id, hits: [{ kind: 'struggle' as const, at: at(i) + 50, pageId: 'p1', text: 'rage', field: '#pay' }] })),
    analytics: sessions.map(({ id, ms }, i) => ({ sessionId: id, rows: [{ table: 'page_views', row: { pageId: 'p1', at: at(i), host: HOST, url, title: null, dwellMs: ms } }] })),
  };
}

function scenario(name: string, searchUrl: () => string | undefined): void {
  describe(`dwell job (${name})`, () => {
    let dir: string;
    let index: SearchIndex;
    const found = async (q: string) => (await index.search(parseQuery(q), { limit: 100 })).results.map((r) => r.session.id).sort();
    const job = () => new DwellJob({ index, log: () => undefined });

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `verbatim-dwell-${name}-`));
      index = newSearchIndex({ searchUrl: searchUrl(), indexDir: dir }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
      await index.open();
      await index.apply(follow(PAY, '/pay', (i) => T0 + i * 60_000));
      await index.apply({ ...follow(RARE, '/rare', (i) => T0 + HOUR + i * 60_000), cursor: 2 });
    });
    after(async () => {
      await index?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('finds exactly the long and the short view of a URL with 25 views, nothing on one with 19', async () => {
      assert.deepEqual(await job().run(), { urls: 1, views: 25, sessions: 2, hits: 2, failed: 0 });
      assert.deepEqual(await found('struggle:dwell-long'), ['s24']);
      assert.deepEqual(await found('struggle:dwell-short'), ['s00']);
      assert.deepEqual((await found('struggle:dwell-long OR struggle:dwell-short')).filter((id) => id.startsWith('r')), []);
      // At the view's moment, on its page: the result opens the replay there.
      const m = await index.matches('s24', parseQuery('struggle:dwell-long'));
      assert.deepEqual(m.map((x) => [x.at, x.kind]), [[T0 + 24 * 60_000, 'struggle']]);
      assert.equal(await index.cursor(), 2, "the follower's feed position stays");
      // Searchable, not scored: the stored score is ingest's (one rage click, 39).
      assert.deepEqual((await index.search(parseQuery('struggle:dwell-long OR struggle:dwell-short'), { limit: 5 })).results.map((r) => r.session.struggleScore), [39, 39]);
    });

    it('a second run replaces its hits (no duplicates) and leaves ingest\'s struggle hits alone', async () => {
      const before = await index.counts();
      assert.deepEqual(await job().run(), { urls: 1, views: 25, sessions: 2, hits: 2, failed: 0 });
      assert.deepEqual(await index.counts(), before);
      assert.equal((await index.matches('s24', parseQuery('struggle:dwell-long'))).length, 1);
      assert.equal((await found('struggle:rage')).length, 25 + 19);
      assert.equal((await index.matches('s24', parseQuery('struggle:rage'))).length, 1);
      assert.equal(before.hits, 25 + 19 + 2, 'one ingest hit per session and the two dwell hits');
    });

    it('an erased session disappears, and the distribution moves without it', async () => {
      await index.apply({ cursor: 3, sessions: [], hits: [], erased: ['s24'] });
      // 24 views left: the longest of the rest is now past p95.
      assert.deepEqual(await job().run(), { urls: 1, views: 24, sessions: 2, hits: 2, failed: 0 });
      assert.deepEqual(await found('struggle:dwell-long'), ['s23']);
      assert.deepEqual(await found('struggle:dwell-short'), ['s00']);
      assert.equal((await index.counts()).hits, 24 + 19 + 2);
      assert.equal((await index.matches('s22', parseQuery('struggle:dwell-long'))).length, 0);
    });

    it('a session erased between the read and the write gets nothing written back', async () => {
      let erased = false;
      // The index as the job sees it: the erasure lands just before the job's first write.
      const racing = new Proxy(index, {
        get: (target, prop) => prop !== 'apply' ? (Reflect.get(target, prop) as Function).bind(target) : async (batch: IndexBatch) => {
          if (!erased) {
            erased = true;
            await target.apply({ cursor: 4, sessions: [], hits: [], erased: ['s00'] });
          }
          return target.apply(batch);
        },
      });
      const run = await new DwellJob({ index: racing, log: () => undefined }).run();
      assert.deepEqual(run, { urls: 1, views: 24, sessions: 1, hits: 1, failed: 0 }, 's00 was read, its write refused');
      assert.deepEqual(await found('struggle:dwell-short'), []);
      assert.deepEqual(await found('struggle:dwell-long'), ['s23']);
      assert.equal((await index.counts()).hits, 23 + 19 + 1, 'no hit of s00 left behind');
    });

    it('a view that is no longer an outlier loses its hit', async () => {
      // Two new sessions on /pay: an hour-long view, and a 100 ms one; s23 (12.2 s) is back inside p95 of 25.
      await index.apply({ ...follow([{ id: 's25', ms: HOUR }, { id: 's26', ms: 100 }], '/pay', (i) => T0 + (25 + i) * 60_000), cursor: 5 });
      assert.deepEqual(await job().run(), { urls: 1, views: 25, sessions: 2, hits: 2, failed: 0 });
      assert.deepEqual(await found('struggle:dwell-long'), ['s25']);
      assert.deepEqual(await found('struggle:dwell-short'), ['s26']);
      assert.equal((await index.counts()).hits, 25 + 19 + 2);
    });
  });
}

scenario('sqlite', () => undefined);

const pgBin = await findPostgresBin();
let server: PostgresServer | undefined;
let pgUrl: string | undefined;
describe('dwell job on PostgreSQL', { skip: pgBin ? false : 'PostgreSQL is not installed' }, () => {
  before(async () => {
    server = await startPostgres();
    pgUrl = `${server.url(await server.createDatabase('dwell'))}&schema=verbatim_dwell`;
  });
  after(async () => server?.stop());
  scenario('postgres', () => pgUrl);
});
