/**
 * The dwell job (derived/dwell-job.ts): page views written through the index's apply as the follower writes them
 * (sessions, page_views rows, ingest's struggle hits), 25 sessions on one URL with known dwell times; the job finds
 * exactly the long and the short one, nothing on a URL with 19 views, writes no duplicate on a second run, leaves
 * ingest's struggle hits alone, nothing of an erased session stays or comes back (erased before a run, and erased
 * between a run's read and its write), and a view the distribution moved past loses its hit. Incremental: a repeated
 * run rewrites only the sessions whose verdict changed (exact counts per run), and its result is the one a full
 * recompute gives after sessions are added; a session whose dwell hits ingest dropped is written again. On SQLite
 * and, when installed, PostgreSQL.
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

/** t00…t39 then u00…u19 on /read: 20.0 s, 21.0 s, … 79.0 s. */
const READ = Array.from({ length: 60 }, (_, i) => ({ id: i < 40 ? `t${String(i).padStart(2, '0')}` : `u${String(i - 40).padStart(2, '0')}`, ms: 20_000 + i * 1_000 }));

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
    // One job across the runs, as `verbatim start` keeps it: it remembers what it wrote.
    let job: DwellJob;
    /** Every dwell hit in the index: session, text, moment. */
    const dwellHits = async () => {
      const out: string[] = [];
      for (const id of await found('struggle:dwell-long OR struggle:dwell-short')) {
        for (const text of ['dwell-long', 'dwell-short']) for (const m of await index.matches(id, parseQuery(`struggle:${text}`))) out.push(`${id} ${text} ${m.at}`);
      }
      return out.sort();
    };

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `verbatim-dwell-${name}-`));
      index = newSearchIndex({ searchUrl: searchUrl(), indexDir: dir }, await loadOrCreateIndexKey(path.join(dir, 'keys')));
      await index.open();
      job = new DwellJob({ index, log: () => undefined });
      await index.apply(follow(PAY, '/pay', (i) => T0 + i * 60_000));
      await index.apply({ ...follow(RARE, '/rare', (i) => T0 + HOUR + i * 60_000), cursor: 2 });
    });
    after(async () => {
      await index?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('finds exactly the long and the short view of a URL with 25 views, nothing on one with 19', async () => {
      assert.deepEqual(await job.run(), { urls: 1, views: 25, sessions: 2, hits: 2, rewritten: 2, written: 2, failed: 0 });
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

    it('a second run writes nothing when no verdict changed (no duplicates) and leaves ingest\'s struggle hits alone', async () => {
      const before = await index.counts();
      assert.deepEqual(await job.run(), { urls: 1, views: 25, sessions: 2, hits: 2, rewritten: 0, written: 0, failed: 0 });
      assert.deepEqual(await index.counts(), before);
      assert.equal((await index.matches('s24', parseQuery('struggle:dwell-long'))).length, 1);
      assert.equal((await found('struggle:rage')).length, 25 + 19);
      assert.equal((await index.matches('s24', parseQuery('struggle:rage'))).length, 1);
      assert.equal(before.hits, 25 + 19 + 2, 'one ingest hit per session and the two dwell hits');
    });

    it('an erased session disappears, and the distribution moves without it', async () => {
      await index.apply({ cursor: 3, sessions: [], hits: [], erased: ['s24'] });
      // 24 views left: the longest of the rest is now past p95.
      // Only s23 is written: s24's hits went with it, s00's verdict stands.
      assert.deepEqual(await job.run(), { urls: 1, views: 24, sessions: 2, hits: 2, rewritten: 1, written: 1, failed: 0 });
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
      // A job of its own (nothing remembered): a full run.
      assert.deepEqual(run, { urls: 1, views: 24, sessions: 1, hits: 1, rewritten: 1, written: 1, failed: 0 }, 's00 was read, its write refused');
      assert.deepEqual(await found('struggle:dwell-short'), []);
      assert.deepEqual(await found('struggle:dwell-long'), ['s23']);
      assert.equal((await index.counts()).hits, 23 + 19 + 1, 'no hit of s00 left behind');
    });

    it('a view that is no longer an outlier loses its hit', async () => {
      // Two new sessions on /pay: an hour-long view, and a 100 ms one; s23 (12.2 s) is back inside p95 of 25.
      await index.apply({ ...follow([{ id: 's25', ms: HOUR }, { id: 's26', ms: 100 }], '/pay', (i) => T0 + (25 + i) * 60_000), cursor: 5 });
      // The racing job wrote last: this job trusts nothing it remembers and rewrites all three (s23 cleared).
      assert.deepEqual(await job.run(), { urls: 1, views: 25, sessions: 2, hits: 2, rewritten: 3, written: 2, failed: 0 });
      assert.deepEqual(await found('struggle:dwell-long'), ['s25']);
      assert.deepEqual(await found('struggle:dwell-short'), ['s26']);
      assert.equal((await index.counts()).hits, 25 + 19 + 2);
    });

    it('incremental runs give what a full recompute gives, writing only the changed verdicts', async () => {
      // t00…t39 on /read, 20.0 … 59.0 s: p5 21.0 s, p95 57.0 s, so t00 is short, t38 and t39 long.
      await index.apply({ ...follow(READ.slice(0, 40), '/read', (i) => T0 + 2 * HOUR + i * 60_000), cursor: 6 });
      assert.deepEqual(await job.run(), { urls: 2, views: 65, sessions: 5, hits: 5, rewritten: 3, written: 3, failed: 0 });
      // u00…u19, 60.0 … 79.0 s: now p5 is 22.0 s (t01 short too) and p95 76.0 s (u17…u19 long, t38 and t39 no more).
      await index.apply({ ...follow(READ.slice(40), '/read', (i) => T0 + 3 * HOUR + i * 60_000), cursor: 7 });
      assert.deepEqual(await job.run(), { urls: 2, views: 85, sessions: 7, hits: 7, rewritten: 6, written: 4, failed: 0 }, 't01, u17…u19 written, t38 and t39 cleared, t00 kept');
      const incremental = await dwellHits();
      assert.deepEqual(incremental.map((h) => h.split(' ').slice(0, 2).join(' ')), [
        's25 dwell-long', 's26 dwell-short', 't00 dwell-short', 't01 dwell-short', 'u17 dwell-long', 'u18 dwell-long', 'u19 dwell-long',
      ]);
      // A full recompute (a job that remembers nothing) rewrites every outlier session, and finds the same.
      const full = new DwellJob({ index, log: () => undefined });
      assert.deepEqual(await full.run(), { urls: 2, views: 85, sessions: 7, hits: 7, rewritten: 7, written: 7, failed: 0 });
      assert.deepEqual(await dwellHits(), incremental);
      assert.equal((await index.counts()).hits, 25 + 19 + 60 + 7);
      // Ingest rewrites u19's struggle hits (its dwell hit goes with them): the next run writes u19 alone.
      await index.apply({ cursor: 8, sessions: [], hits: [{ sessionId: 'u19', hits: [{ kind: 'struggle', at: T0, pageId: 'p1', text: 'rage', field: '#pay' }] }], replaceKinds: [{ sessionId: 'u19', kinds: ['struggle'] }] });
      assert.equal((await index.matches('u19', parseQuery('struggle:dwell-long'))).length, 0);
      assert.deepEqual(await full.run(), { urls: 2, views: 85, sessions: 7, hits: 7, rewritten: 1, written: 1, failed: 0 });
      assert.deepEqual(await dwellHits(), incremental);
      assert.deepEqual(await full.run(), { urls: 2, views: 85, sessions: 7, hits: 7, rewritten: 0, written: 0, failed: 0 });
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
