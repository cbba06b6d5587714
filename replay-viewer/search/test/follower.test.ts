/**
 * The follower: catches up from the index's cursor, follows the live feed, survives a kill between pages (close and
 * reopen: nothing lost, nothing doubled), skips a change it cannot extract (logged by seq, no content), reads again a
 * change the store failed to read in passing (an object store timing out) instead of skipping it, honours erasure;
 * and `reindex` rebuilds, resuming after a kill.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VerbatimError, type ErrorCode } from '../../../store/errors';
import type { VerbatimStore } from '../../../store/store';
import { SearchFollower } from '../follower';
import { createIndexExtractor } from '../struggle-hits';
import { parseQuery } from '../query/index';
import { lastSeq, reindex } from '../reindex';
import type { SearchIndex } from '../search-index';
import { bench, recordJourney, type Bench } from './index-fixtures';

const T0 = Date.UTC(2026, 10, 21, 9);
const IDS = ['follow-a', 'follow-b', 'follow-c', 'follow-d'];

/** Every matching moment of every session for a query that matches every hit kind the journeys make. */
async function snapshot(index: SearchIndex): Promise<string[]> {
  const out: string[] = [];
  for (const id of IDS) {
    for (const m of await index.matches(id, parseQuery('transfer OR typed:secret* OR clicked:send OR status:>=500'))) out.push(`${id} ${m.at - T0} ${m.kind}`);
  }
  return out.sort();
}

/**
 * The store, except that its record reads (event batches, captures) fail the first `failures` times with `code`, as
 * a store over S3 does when the object store times out. The claim is about the follower's retries, not S3.
 */
function flaky(store: VerbatimStore, failures: number, code: ErrorCode): { store: VerbatimStore; failed: () => number } {
  let failed = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if ((prop === 'getEventBatch' || prop === 'getCapture') && failed < failures) {
        return () => { failed += 1; return Promise.reject(new VerbatimError(code, 'the object store did not answer in time', { op: 'get', attempts: 5 })); };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { store: wrapped, failed: () => failed };
}

describe('search follower', () => {
  let b: Bench;
  let reference: string[];
  before(async () => {
    b = await bench('follower');
    for (const [i, id] of IDS.entries()) await recordJourney(b.store, id, T0 + i * 60_000, { seen: `transfer page ${i}`, typed: `secret${i}` });
    // A clean run: the reference every interrupted run must equal.
    const clean = await b.open({ dataDir: `${b.dir}/clean` });
    await clean.follower.catchUp();
    reference = await snapshot(clean.index);
    await clean.close();
  });
  after(() => b.close());

  it('indexes every kind of moment of every journey', () => {
    // Per journey: url, title, text, typed, clicked, error, request (the 503) all say transfer or match a term.
    for (const id of IDS) {
      const kinds = new Set(reference.filter((r) => r.startsWith(`${id} `)).map((r) => r.split(' ')[2]));
      assert.deepEqual([...kinds].sort(), ['clicked', 'error', 'request', 'text', 'title', 'typed', 'url'], id);
    }
  });

  it('resumes from its cursor after a kill between pages: no moment lost or doubled', async () => {
    const total = await lastSeq(b.store);
    assert.ok(total >= 16, `changes: ${total}`);
    let pages = 0;
    // Killed after 3 pages of 2 changes: the reopened follower starts from the committed cursor.
    const first = await b.open({ dataDir: `${b.dir}/resume` });
    const firstFollower = new (first.follower.constructor as typeof import('../follower').SearchFollower)({
      store: b.store, index: first.index, createExtractor: createIndexExtractor, pageSize: 2, log: () => undefined,
    });
    await firstFollower.catchUp(() => { if (++pages === 3) void firstFollower.stop(); });
    assert.equal(await first.index.cursor(), 6);
    await first.close();

    const second = await b.open({ dataDir: `${b.dir}/resume` });
    assert.equal(await second.index.cursor(), 6);
    assert.equal(await second.follower.catchUp(), total);
    assert.deepEqual(await snapshot(second.index), reference);
    // A second catch-up finds nothing new and changes nothing.
    const counts = await second.index.counts();
    await second.follower.catchUp();
    assert.deepEqual(await second.index.counts(), counts);
    await second.close();
  });

  it('ends a page early when it holds many hits, and still indexes everything once', async () => {
    const s = await b.open({ dataDir: `${b.dir}/small-writes` });
    const small = new (s.follower.constructor as typeof import('../follower').SearchFollower)({
      store: b.store, index: s.index, createExtractor: createIndexExtractor, maxHitsPerWrite: 3, log: () => undefined,
    });
    const cursors: number[] = [];
    assert.equal(await small.catchUp((c) => cursors.push(c)), await lastSeq(b.store));
    assert.ok(cursors.length >= 8, `writes: ${cursors.length}`);
    assert.deepEqual(cursors, [...cursors].sort((x, y) => x - y));
    assert.deepEqual(await snapshot(s.index), reference);
  });

  it('skips a change it cannot extract, logging its seq and no content', async () => {
    const lines: string[] = [];
    let calls = 0;
    const s = await b.open({
      dataDir: `${b.dir}/faulty`, log: (m) => lines.push(m),
      createExtractor: () => {
        const real = createIndexExtractor();
        return { ...real, batch: (batch) => { if (++calls === 2) throw new Error(`boom ${JSON.stringify(batch.events)}`); return real.batch(batch); } };
      },
    });
    await s.follower.catchUp();
    assert.equal(await s.index.cursor(), await lastSeq(b.store));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^search index: change \d+ \(events\.appended\) skipped: Error$/);
    // The skipped batch held follow-a's typed value and click; the rest of follow-a is there.
    const ids = async (q: string) => (await s.index.search(parseQuery(q), { limit: 10 })).results.map((r) => r.session.id);
    assert.deepEqual(await ids('typed:secret0'), []);
    assert.deepEqual(await ids('text:"transfer page 0"'), ['follow-a']);
    assert.deepEqual((await ids('typed:secret*')).sort(), ['follow-b', 'follow-c', 'follow-d']);
  });

  it('reads a change again when the object store fails in passing, and indexes everything (nothing skipped)', async () => {
    const s = await b.open({ dataDir: `${b.dir}/passing` });
    const lines: string[] = [];
    const f = flaky(b.store, 3, 'OBJECT_STORAGE_FAILED');
    const follower = new SearchFollower({ store: f.store, index: s.index, createExtractor: createIndexExtractor, readRetryMs: [1, 1, 1], log: (m) => lines.push(m) });
    assert.equal(await follower.catchUp(), await lastSeq(b.store));
    assert.equal(f.failed(), 3);
    assert.deepEqual(lines, [], 'no change skipped');
    assert.deepEqual(await snapshot(s.index), reference);
  });

  it('while reads keep failing, stops before the change and, live, tries again until the session is indexed', async () => {
    const s = await b.open({ dataDir: `${b.dir}/stalled` });
    const lines: string[] = [];
    // Two attempts per page, five failures: the follower stops before the first batch twice, then gets through.
    const f = flaky(b.store, 5, 'STORE_SLOW');
    const follower = new SearchFollower({
      store: f.store, index: s.index, createExtractor: createIndexExtractor, gatherMs: 0, readRetryMs: [1], stalledRetryMs: 10, log: (m) => lines.push(m),
    });
    follower.start();
    try {
      const total = await lastSeq(b.store);
      for (let i = 0; i < 200 && (await s.index.cursor()) < total; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await s.index.cursor(), total);
      assert.equal(f.failed(), 5);
      assert.deepEqual(lines, Array(2).fill('search index: the store cannot be read for now, trying again: STORE_SLOW'));
      assert.deepEqual(await snapshot(s.index), reference);
    } finally {
      await follower.stop();
    }
  });

  it('skips a change whose record cannot be decoded (permanent), logging its seq and code', async () => {
    const s = await b.open({ dataDir: `${b.dir}/corrupt` });
    const lines: string[] = [];
    const f = flaky(b.store, 1, 'STORE_CORRUPT');
    const follower = new SearchFollower({ store: f.store, index: s.index, createExtractor: createIndexExtractor, readRetryMs: [1, 1], log: (m) => lines.push(m) });
    assert.equal(await follower.catchUp(), await lastSeq(b.store));
    assert.equal(f.failed(), 1, 'not read again');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^search index: change \d+ \(events\.appended\) skipped: STORE_CORRUPT$/);
  });

  it('follows the live feed and drops an erased session', async () => {
    const s = await b.open({ dataDir: `${b.dir}/live` });
    s.follower.start();
    const ids = async (q: string) => (await s.index.search(parseQuery(q), { limit: 10 })).results.map((r) => r.session.id);
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(await check(), 'in time');
    };
    await until(async () => (await ids('typed:secret*')).length === 4);
    await recordJourney(b.store, 'follow-live', T0 + 3_600_000, { seen: 'live page', typed: 'livetyped' });
    await until(async () => (await ids('typed:livetyped')).length === 1);
    await b.store.eraseSession('follow-live', { reason: 'test' });
    await until(async () => (await ids('typed:livetyped')).length === 0);
    assert.deepEqual(await s.index.matches('follow-live', parseQuery('live')), []);
    await s.close();
  });

  it('reindex rebuilds from scratch and resumes after a kill', async () => {
    const s = await b.open({ dataDir: `${b.dir}/reindex` });
    await s.follower.catchUp();
    const full = await s.index.counts();
    // A killed rebuild: the mark stays, the cursor is part-way.
    await s.index.reset();
    await s.index.setMeta('reindex', 'running');
    const partial = new (s.follower.constructor as typeof import('../follower').SearchFollower)({
      store: b.store, index: s.index, createExtractor: createIndexExtractor, pageSize: 3, log: () => undefined,
    });
    await partial.catchUp(() => void partial.stop());
    assert.equal(await s.index.cursor(), 3);
    const progress: number[] = [];
    const r = await reindex(b.store, s.index, s.follower, (done) => progress.push(done));
    assert.equal(r.resumed, true);
    assert.equal(r.from, 3);
    assert.equal(progress[0], 3);
    assert.deepEqual({ sessions: r.sessions, hits: r.hits }, full);
    // And from scratch when not interrupted.
    const again = await reindex(b.store, s.index, s.follower);
    assert.equal(again.resumed, false);
    assert.equal(again.from, 0);
    assert.deepEqual({ sessions: again.sessions, hits: again.hits }, full);
  });
});
