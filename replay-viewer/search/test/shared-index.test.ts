/**
 * One search index in PostgreSQL shared by two instances over one PostgreSQL store (`--search postgres://…` on both):
 * one instance writes it at a time (index-writers.ts, the `search-index` lead), so no hit is written twice; each
 * follower hears of the other instance's recordings by reading the feed (the store announces only its own); when the
 * writer stops, the other takes over from the index's cursor. Real PostgreSQL for the store, the index and the lead.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LevelStore } from '../../../store/level/level-store';
import { PostgresStore } from '../../../store/postgres/index';
import { findPostgresBin, startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { SEARCH_INDEX_JOB, openSearch, type OpenedSearch } from '../index';
import { lastSeq } from '../reindex';
import { recordJourney } from './index-fixtures';

const T0 = Date.UTC(2026, 11, 6, 9);
const pgBin = await findPostgresBin();

describe('a search index shared by two instances', { skip: pgBin ? false : 'PostgreSQL is not installed' }, () => {
  let server: PostgresServer;
  let dir: string;
  let searchUrl: string;
  const stores: PostgresStore[] = [];
  const opened: OpenedSearch[] = [];
  before(async () => {
    server = await startPostgres();
    const db = await server.createDatabase('shared_index');
    searchUrl = `${server.url(db)}&schema=verbatim_shared_search`;
    dir = await mkdtemp(path.join(tmpdir(), 'verbatim-shared-index-'));
    for (let i = 0; i < 2; i++) {
      const store = new PostgresStore({ connection: server.config(db), deflateOnWorker: false });
      await store.open();
      stores.push(store);
    }
  });
  after(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    for (const s of stores) await s.close().catch(() => undefined);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** What one instance alone makes of the same feed: a fresh SQLite index of its own. */
  async function reference(name: string): Promise<{ sessions: number; hits: number }> {
    const clean = await openSearch({ dataDir: path.join(dir, name), keysDir: path.join(dir, 'keys'), store: stores[0]!, gatherMs: 0, log: () => undefined });
    await clean.follower.catchUp();
    const counts = await clean.index.counts();
    await clean.close();
    return counts;
  }

  it('is written by one instance at a time: the same hits as one instance alone, also after the writer stops', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map((n, i) => openSearch({
      dataDir: path.join(dir, n), keysDir: path.join(dir, 'keys'), store: stores[i]!, searchUrl, gatherMs: 0, log: () => undefined,
    })));
    opened.push(a!, b!);
    const writers = [a!, b!].map((s, i) => s.startWriting(stores[i]!.leadership(SEARCH_INDEX_JOB), { checkMs: 100 }));
    let both = 0;
    const settled = async (why: string): Promise<void> => {
      const t0 = Date.now();
      for (;;) {
        if (writers[0]!.writing && writers[1]!.writing) both++;
        if (writers.some((w) => w.writing) && await a!.index.cursor() === await lastSeq(stores[0]!)) return;
        assert.ok(Date.now() - t0 < 15_000, `${why}: the shared index did not catch up (cursor ${await a!.index.cursor()} of ${await lastSeq(stores[0]!)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // Recorded through the instance that (most likely) does not write the index: its follower reads them from the feed.
    for (let i = 0; i < 3; i++) await recordJourney(stores[i % 2]! as unknown as LevelStore, `shared-${i}`, T0 + i * 60_000, { seen: `transfer page ${i}`, typed: `secret${i}` });
    await settled('first journeys');
    assert.deepEqual(await a!.index.counts(), await reference('ref-1'));
    assert.deepEqual(await b!.index.counts(), await a!.index.counts(), 'both read one index');
    assert.equal(writers.filter((w) => w.writing).length, 1);

    // The writer stops (a clean stop or its death both free the lead): the other takes over at the index's cursor.
    const leader = writers.findIndex((w) => w.writing);
    await writers[leader]!.stop();
    for (let i = 3; i < 5; i++) await recordJourney(stores[leader]! as unknown as LevelStore, `shared-${i}`, T0 + i * 60_000, { seen: `transfer page ${i}`, typed: `secret${i}` });
    await settled('after the writer stopped');
    assert.ok(writers[1 - leader]!.writing, 'the other instance writes now');
    assert.deepEqual(await a!.index.counts(), await reference('ref-2'));
    assert.equal(both, 0, 'never two writers at once');
  });
});
