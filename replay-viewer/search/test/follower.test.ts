/**
 * The follower: catches up from the index's cursor, follows the live feed, survives a kill between pages (close and
 * reopen: nothing lost, nothing doubled), skips a change it cannot extract (logged by seq, no content), honours erasure;
 * and `reindex` rebuilds, resuming after a kill.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
