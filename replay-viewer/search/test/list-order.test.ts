/**
 * The session list's orders over the search index, on both backends: 5,000 sessions that started within 3 ms, with
 * ties on every sort key, paged 200 at a time in each order and direction. Every session is reached exactly once,
 * each page follows the order (id breaking ties), the date range is exact to the millisecond, empty sessions drop
 * out with `pages:>=1`, and an index made before the error count gets it filled on open.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { loadOrCreateIndexKey, type IndexKey } from '../index-key';
import { SORT_KEYS, encodeOrderCursor, type ListOrder, type SortKey } from '../list-order';
import { PostgresSearchIndex } from '../postgres/postgres-index';
import { parseQuery } from '../query/index';
import type { QueryNode } from '../query/ast';
import type { SearchIndex, SessionFacts } from '../search-index';
import { SqliteSearchIndex, INDEX_FILE } from '../sqlite/sqlite-index';
import type { Hit } from '../types';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const N = 5_000;
const CHANNELS = ['proxy', 'gateway', 'kiosk'];
const EVERYTHING: QueryNode = { kind: 'and', items: [], start: 0, end: 0 };

interface Expected { id: string; start: number; duration: number; pages: number; errors: number; score: number; channel: string }

/** Ids in no particular order of creation (so the id tie-break is tested, not the insertion order). */
const sessions: Expected[] = Array.from({ length: N }, (_, i) => ({
  id: `s${((i * 7919) % N).toString(36).padStart(4, '0')}-${i}`,
  start: T0 + (i % 3),
  duration: (i % 17) * 1000,
  pages: i % 5 === 0 ? 0 : i % 4,
  errors: i % 11 === 0 ? 2 : i % 7 === 0 ? 1 : 0,
  score: (i * 13) % 101 % 10 * 10,
  channel: CHANNELS[i % 3]!,
}));

function facts(e: Expected): SessionFacts {
  return { id: e.id, channel: e.channel, startedAt: e.start, endedAt: e.start + e.duration, pageCount: e.pages, durationMs: e.duration,
    activeMs: 0, customerLinked: false, struggleScore: e.score };
}
const errorHits = (e: Expected): Hit[] => Array.from({ length: e.errors }, (_, k) => ({ kind: 'error', at: e.start + k, text: `TypeError number ${k}` }));

async function load(index: SearchIndex): Promise<void> {
  for (let i = 0; i < N; i += 500) {
    const chunk = sessions.slice(i, i + 500);
    await index.apply({ cursor: i + 1, sessions: chunk.map(facts), hits: chunk.filter((e) => e.errors).map((e) => ({ sessionId: e.id, hits: errorHits(e) })) });
  }
}

function expectedOrder(order: ListOrder, rows: readonly Expected[]): string[] {
  const sign = order.dir === 'asc' ? 1 : -1;
  const value = (e: Expected) => e[order.key];
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = va < vb ? -1 : va > vb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return c * sign;
  }).map((e) => e.id);
}

async function pageAll(index: SearchIndex, node: QueryNode, options: { order: ListOrder; startedFrom?: number; startedBefore?: number; cursor?: string }): Promise<{ ids: string[]; pages: number; total: number }> {
  const ids: string[] = [];
  let cursor = options.cursor;
  let total = -1;
  for (let pages = 1; pages < 100; pages++) {
    const r = await index.search(node, { ...options, limit: 200, cursor });
    if (total < 0) total = r.total;
    ids.push(...r.results.map((x) => x.session.id));
    if (!r.next) return { ids, pages, total };
    cursor = r.next;
  }
  assert.fail('more pages than sessions');
}

function runOrders(name: string, open: () => Promise<SearchIndex>): void {
  describe(`session list orders: ${name}`, () => {
    let index: SearchIndex;
    before(async () => {
      index = await open();
      await load(index);
    });
    after(() => index?.close());

    it('reaches every one of 5,000 sessions exactly once, in order, in each sort order and direction', async () => {
      for (const key of SORT_KEYS) {
        for (const dir of ['asc', 'desc'] as const) {
          const order = { key, dir };
          const { ids, pages, total } = await pageAll(index, EVERYTHING, { order });
          assert.equal(total, N);
          assert.equal(ids.length, N, `${key} ${dir}: count`);
          assert.equal(new Set(ids).size, N, `${key} ${dir}: none twice`);
          assert.equal(pages, N / 200, `${key} ${dir}: pages`);
          assert.deepEqual(ids, expectedOrder(order, sessions), `${key} ${dir}: order`);
        }
      }
    });

    it('answers the error count and sorts on it', async () => {
      const r = await index.search(EVERYTHING, { limit: 3, order: { key: 'errors', dir: 'desc' } });
      assert.deepEqual(r.results.map((x) => x.session.errorCount), [2, 2, 2]);
      const byId = new Map(sessions.map((e) => [e.id, e.errors]));
      const some = await index.search(EVERYTHING, { limit: 200, order: { key: 'start', dir: 'asc' } });
      for (const x of some.results) assert.equal(x.session.errorCount, byId.get(x.session.id), x.session.id);
    });

    it('keeps a date range exact to the millisecond (from inclusive, to exclusive)', async () => {
      const middle = sessions.filter((e) => e.start === T0 + 1);
      const { ids, total } = await pageAll(index, EVERYTHING, { order: { key: 'duration', dir: 'desc' }, startedFrom: T0 + 1, startedBefore: T0 + 2 });
      assert.equal(total, middle.length);
      assert.deepEqual(ids, expectedOrder({ key: 'duration', dir: 'desc' }, middle));
      const fromOnly = await pageAll(index, EVERYTHING, { order: { key: 'start', dir: 'asc' }, startedFrom: T0 + 2 });
      assert.equal(fromOnly.ids.length, sessions.filter((e) => e.start >= T0 + 2).length);
      const toOnly = await pageAll(index, EVERYTHING, { order: { key: 'start', dir: 'asc' }, startedBefore: T0 });
      assert.equal(toOnly.ids.length, 0);
    });

    it('jumps to a time: descending, the sessions before it; ascending, those from it on', async () => {
      const down = { key: 'start' as SortKey, dir: 'desc' as const };
      const before = await pageAll(index, EVERYTHING, { order: down, cursor: encodeOrderCursor(down, { value: T0 + 2, id: '' }) });
      assert.deepEqual(before.ids, expectedOrder(down, sessions.filter((e) => e.start < T0 + 2)));
      const up = { key: 'start' as SortKey, dir: 'asc' as const };
      const from = await pageAll(index, EVERYTHING, { order: up, cursor: encodeOrderCursor(up, { value: T0 + 1, id: '' }) });
      assert.deepEqual(from.ids, expectedOrder(up, sessions.filter((e) => e.start >= T0 + 1)));
    });

    it('leaves out sessions with no recorded page with pages:>=1, and filters on a minimum score', async () => {
      const shown = sessions.filter((e) => e.pages >= 1);
      const { ids } = await pageAll(index, parseQuery('pages:>=1'), { order: { key: 'pages', dir: 'asc' } });
      assert.equal(ids.length, shown.length);
      assert.deepEqual(ids, expectedOrder({ key: 'pages', dir: 'asc' }, shown));
      const high = await pageAll(index, parseQuery('score:>=70 pages:>=1'), { order: { key: 'score', dir: 'desc' } });
      assert.deepEqual(high.ids, expectedOrder({ key: 'score', dir: 'desc' }, shown.filter((e) => e.score >= 70)));
    });

    it('refuses a cursor made for another order', async () => {
      const r = await index.search(EVERYTHING, { limit: 10, order: { key: 'score', dir: 'asc' } });
      await assert.rejects(index.search(EVERYTHING, { limit: 10, order: { key: 'score', dir: 'desc' }, cursor: r.next }),
        (err: Error & { code?: string }) => err.code === 'BAD_REQUEST' && /another sort order/.test(err.message));
    });
  });
}

const T = { dir: '', key: undefined as IndexKey | undefined, pg: undefined as PostgresServer | undefined };
before(async () => {
  T.dir = await mkdtemp(path.join(tmpdir(), 'verbatim-list-order-'));
  T.key = await loadOrCreateIndexKey(path.join(T.dir, 'keys'));
});
after(async () => {
  await T.pg?.stop();
  await rm(T.dir, { recursive: true, force: true });
});

runOrders('sqlite', async () => {
  const index = new SqliteSearchIndex(path.join(T.dir, 'sqlite'), T.key!);
  await index.open();
  return index;
});

runOrders('postgres', async () => {
  T.pg = await startPostgres();
  const index = new PostgresSearchIndex({ connection: T.pg.config(await T.pg.createDatabase('orders')) }, T.key!);
  await index.open();
  return index;
});

describe('an index made before the error count', () => {
  const e = sessions.find((x) => x.errors === 2)!;
  it('sqlite: gets the column, filled from the hits, on open', async () => {
    const dir = path.join(T.dir, 'old-sqlite');
    const index = new SqliteSearchIndex(dir, T.key!);
    await index.open();
    await index.apply({ cursor: 1, sessions: [facts(e)], hits: [{ sessionId: e.id, hits: errorHits(e) }] });
    await index.close();
    const db = new Database(path.join(dir, INDEX_FILE));
    db.exec('DROP INDEX sessions_by_errors; ALTER TABLE sessions DROP COLUMN errors');
    db.close();
    await index.open();
    const r = await index.search(EVERYTHING, { limit: 1 });
    assert.equal(r.results[0]!.session.errorCount, 2);
    await index.close();
  });

  it('postgres: gets the column, filled from the hits, on open', async () => {
    T.pg ??= await startPostgres();
    const config = T.pg.config(await T.pg.createDatabase('old'));
    const index = new PostgresSearchIndex({ connection: config }, T.key!);
    await index.open();
    await index.apply({ cursor: 1, sessions: [facts(e)], hits: [{ sessionId: e.id, hits: errorHits(e) }] });
    await index.close();
    const admin = new pg.Client(config);
    await admin.connect();
    await admin.query("ALTER TABLE verbatim_search.sessions DROP COLUMN errors; DELETE FROM verbatim_search.meta WHERE key = 'errors'");
    await admin.end();
    await index.open();
    const r = await index.search(EVERYTHING, { limit: 1 });
    assert.equal(r.results[0]!.session.errorCount, 2);
    await index.close();
  });
});
