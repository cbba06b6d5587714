/**
 * The PostgreSQL index end to end, opened the way `verbatim start --search postgres://…` opens it: the follower fills
 * it from a real LevelDB store, and no file of the PostgreSQL cluster (tables, indexes, WAL, log) shows what a session
 * showed or what the customer typed. An erasure removes the rows and VACUUMs them away (no dead tuple left behind).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../../test/helpers/postgres-server';
import { TAG } from '../hit-tokens';
import { loadOrCreateIndexKey } from '../index-key';
import { PostgresSearchIndex } from '../postgres/postgres-index';
import { parseQuery } from '../query/index';
import { bench, filesUnder, recordJourney, type Bench } from './index-fixtures';

const SEEN = 'Quorvexa Balance Zyphrandel';
const TYPED = 'Wexlocard Ulmbrix';
const MARKERS = ['Quorvexa', 'Zyphrandel', 'Wexlocard', 'Ulmbrix'];
const ID = 'pg-privacy-session-1';
const OTHER = 'pg-privacy-session-2';
const T0 = Date.UTC(2026, 10, 20, 10);

describe('search index in PostgreSQL: privacy and erasure', () => {
  let b: Bench;
  let server: PostgresServer;
  let url: string;
  let peek: pg.Client;
  before(async () => {
    server = await startPostgres();
    const db = await server.createDatabase('privacy');
    url = `${server.url(db)}&schema=verbatim_idx`;
    peek = new pg.Client(server.config(db));
    await peek.connect();
    await peek.query('CREATE EXTENSION pgstattuple');
    b = await bench('pg-privacy');
    await recordJourney(b.store, ID, T0, { seen: SEEN, typed: TYPED });
    await recordJourney(b.store, OTHER, T0 + 60_000, { seen: 'nothing special here', typed: 'plain words' });
  });
  after(async () => {
    await peek?.end();
    await b?.close();
    await server?.stop();
  });

  /** Every file of the cluster, after a checkpoint has written the tables and indexes out. */
  const scanFor = async (needles: string[]): Promise<string[]> => {
    await peek.query('CHECKPOINT');
    const files = await filesUnder(server.dataDir);
    const total = files.reduce((n, f) => n + f.bytes.length, 0);
    assert.ok(total > 16 * 1024 * 1024, `the cluster's files are read: ${total} bytes`);
    const found: string[] = [];
    for (const { file, bytes } of files) {
      for (const n of needles.flatMap((m) => [m, m.toLowerCase(), m.toUpperCase()])) {
        if (bytes.includes(Buffer.from(n, 'utf8'))) found.push(`${path.relative(server.dataDir, file)}: ${n}`);
      }
    }
    return found;
  };

  it('is what --search opens, in its own schema, and finds the session', async () => {
    const search = await b.open({ searchUrl: url });
    assert.ok(search.index instanceof PostgresSearchIndex);
    assert.equal((search.index as PostgresSearchIndex).schema, 'verbatim_idx');
    await search.follower.catchUp();
    const q = (text: string) => search.index.search(parseQuery(text), { limit: 10 });
    assert.deepEqual((await q('typed:wexlocard')).results.map((r) => r.session.id), [ID]);
    assert.deepEqual((await q('text:"balance zyphrandel"')).results.map((r) => r.session.id), [ID]);
    assert.deepEqual((await q('text:"zyphrandel balance"')).results, []);
    assert.equal((await q('typed:ulmbrix')).results[0]!.firstMatch?.snippet, TYPED, 'the snippet opens with the key');
    const tables = await peek.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'verbatim_idx' ORDER BY 1");
    assert.deepEqual(tables.rows.map((r) => r.table_name), ['hits', 'interactions', 'meta', 'page_views', 'session_paths', 'sessions']);
    assert.equal(await search.index.cursor() > 0, true);
    await search.close();
  });

  it('leaves no seen or typed text in any file of the cluster (tables, indexes, WAL, log)', async () => {
    // The scan finds a word PostgreSQL was given in the clear, in the table's own file: it can fail.
    await peek.query('CREATE TABLE public.canary (t text)');
    await peek.query('INSERT INTO public.canary VALUES ($1)', ['Plimvoradex']);
    const table = (await peek.query<{ p: string }>("SELECT pg_relation_filepath('public.canary') AS p")).rows[0]!.p;
    assert.ok((await scanFor(['Plimvoradex'])).includes(`${table}: Plimvoradex`));
    await peek.query('DROP TABLE public.canary');
    assert.deepEqual(await scanFor(MARKERS), []);
  });

  it('removes an erased session: rows, tokens and dead tuples', async () => {
    const search = await b.open({ searchUrl: url });
    await search.follower.catchUp();
    const key = await loadOrCreateIndexKey(b.keysDir);
    const withToken = async (word: string) => Number((await peek.query('SELECT COUNT(*) AS n FROM verbatim_idx.hits WHERE doc @@ $1::tsquery', [key.token(TAG.word, word)])).rows[0].n);
    const rowsOf = async (id: string) => Number((await peek.query('SELECT COUNT(*) AS n FROM verbatim_idx.hits h JOIN verbatim_idx.sessions s ON s.sid = h.sid WHERE s.id = $1', [id])).rows[0].n);
    assert.equal(await withToken('wexlocard'), 1, 'the typed word is indexed (as its hash)');
    const erasedRows = await rowsOf(ID);
    assert.ok(erasedRows >= 5, `hits of the session: ${erasedRows}`);
    const before = await search.index.counts();

    await b.store.eraseSession(ID, { reason: 'customer request' });
    await search.follower.catchUp();

    assert.deepEqual((await search.index.search(parseQuery('typed:wexlocard OR text:quorvexa'), { limit: 10 })).results, []);
    assert.deepEqual(await search.index.matches(ID, parseQuery('transfer')), []);
    assert.equal(await rowsOf(ID), 0);
    assert.equal(await withToken('wexlocard'), 0);
    assert.equal(await withToken('quorvexa'), 0);
    assert.deepEqual(await search.index.counts(), { sessions: before.sessions - 1, hits: before.hits - erasedRows });
    // The backend VACUUMs after the erasure (in the background): no dead row version of it is left in the pages.
    await (search.index as PostgresSearchIndex).vacuumed();
    for (const table of ['hits', 'sessions']) {
      const dead = await peek.query('SELECT dead_tuple_count AS n FROM pgstattuple($1)', [`verbatim_idx.${table}`]);
      assert.equal(Number(dead.rows[0].n), 0, `dead tuples in ${table}`);
    }
    assert.deepEqual((await search.index.search(parseQuery('typed:plain'), { limit: 10 })).results.map((r) => r.session.id), [OTHER]);
    await search.close();
  });
});
