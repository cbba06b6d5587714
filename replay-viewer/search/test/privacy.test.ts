/**
 * The index is personal data: a copy of <data>/search without <data>/keys must reveal no seen or typed text, and an
 * erased session must leave nothing searchable or readable. Every byte of every file under <data>/search (the
 * database, its WAL and shared memory) is read and searched for the markers the session showed and the customer typed.
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadOrCreateIndexKey, INDEX_KEY_FILE } from '../index-key';
import { parseQuery } from '../query/index';
import { TAG } from '../sqlite/schema';
import { bench, filesUnder, recordJourney, type Bench } from './index-fixtures';

const SEEN = 'Quorvexa Balance Zyphrandel';
const TYPED = 'Wexlocard Ulmbrix';
const MARKERS = ['Quorvexa', 'Zyphrandel', 'Wexlocard', 'Ulmbrix'];
const ID = 'privacy-session-1';
const OTHER = 'privacy-session-2';
const T0 = Date.UTC(2026, 10, 20, 10);

describe('search index privacy', () => {
  let b: Bench;
  before(async () => {
    b = await bench('privacy');
    await recordJourney(b.store, ID, T0, { seen: SEEN, typed: TYPED });
    await recordJourney(b.store, OTHER, T0 + 60_000, { seen: 'nothing special here', typed: 'plain words' });
  });
  after(() => b.close());

  const scanFor = async (needles: string[]): Promise<string[]> => {
    const found: string[] = [];
    const files = await filesUnder(path.join(b.dir, 'search'));
    assert.ok(files.some((f) => f.file.endsWith('index.sqlite')), 'the index file is there');
    assert.ok(files.reduce((n, f) => n + f.bytes.length, 0) > 16_384, 'with the index in it');
    for (const { file, bytes } of files) {
      for (const n of needles.flatMap((m) => [m, m.toLowerCase(), m.toUpperCase()])) {
        if (bytes.includes(Buffer.from(n, 'utf8'))) found.push(`${path.basename(file)}: ${n}`);
      }
    }
    return found;
  };

  it('holds the session searchable, yet no file under <data>/search shows what was seen or typed', async () => {
    const search = await b.open();
    await search.follower.catchUp();
    const q = (text: string) => search.index.search(parseQuery(text), { limit: 10 });
    assert.deepEqual((await q('typed:wexlocard')).results.map((r) => r.session.id), [ID]);
    assert.deepEqual((await q('text:"balance zyphrandel"')).results.map((r) => r.session.id), [ID]);
    const r = (await q('typed:ulmbrix')).results[0]!;
    assert.equal(r.firstMatch?.snippet, TYPED, 'the snippet opens with the key');
    // Both while open (WAL and shared memory present) and after a clean close.
    const wal = (await filesUnder(path.join(b.dir, 'search'))).find((f) => f.file.endsWith('-wal'));
    assert.ok(wal && wal.bytes.length > 16_384, `the WAL holds the writes: ${wal?.bytes.length}`);
    assert.deepEqual(await scanFor(MARKERS), []);
    await search.close();
    assert.deepEqual(await scanFor(MARKERS), []);
  });

  it('keeps its key beside the store keys, and its files, owner-only', async () => {
    const info = await stat(path.join(b.keysDir, INDEX_KEY_FILE));
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(info.size, 32);
    assert.equal((await stat(path.join(b.dir, 'search'))).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(b.dir, 'search', 'index.sqlite'))).mode & 0o777, 0o600);
  });

  it('leaves nothing of an erased session: not found, rows and tokens gone, WAL emptied', async () => {
    const search = await b.open();
    await search.follower.catchUp();
    const key = await loadOrCreateIndexKey(b.keysDir);
    const file = path.join(b.dir, 'search', 'index.sqlite');
    const peek = new Database(file, { readonly: true });
    const tokenCount = (word: string) => (peek.prepare('SELECT COUNT(*) AS n FROM hit_vocab WHERE term = ?').get(key.token(TAG.word, word)) as { n: number }).n;
    const rowsOf = (id: string) => (peek.prepare('SELECT COUNT(*) AS n FROM hits h JOIN sessions s ON s.sid = h.sid WHERE s.id = ?').get(id) as { n: number }).n;
    try {
      assert.equal(tokenCount('wexlocard'), 1, 'the typed word is indexed (as its hash)');
      assert.ok(rowsOf(ID) >= 5, `hits of the session: ${rowsOf(ID)}`);
      const before = await search.index.counts();
      const erasedRows = rowsOf(ID);

      await b.store.eraseSession(ID, { reason: 'customer request' });
      await search.follower.catchUp();

      assert.deepEqual((await search.index.search(parseQuery('typed:wexlocard OR text:quorvexa'), { limit: 10 })).results, []);
      assert.deepEqual(await search.index.matches(ID, parseQuery('transfer')), []);
      assert.equal(rowsOf(ID), 0);
      assert.equal((peek.prepare('SELECT COUNT(*) AS n FROM sessions WHERE id = ?').get(ID) as { n: number }).n, 0);
      assert.equal(tokenCount('wexlocard'), 0, 'the typed word left the full-text index');
      assert.equal(tokenCount('quorvexa'), 0, 'the seen word left the full-text index');
      const afterErase = await search.index.counts();
      assert.equal(afterErase.sessions, before.sessions - 1);
      assert.equal(afterErase.hits, before.hits - erasedRows);
      // The other session is untouched.
      assert.deepEqual((await search.index.search(parseQuery('typed:plain'), { limit: 10 })).results.map((r) => r.session.id), [OTHER]);
    } finally {
      peek.close();
    }
    const wal = (await filesUnder(path.join(b.dir, 'search'))).find((f) => f.file.endsWith('-wal'));
    assert.equal(wal?.bytes.length ?? 0, 0, 'the WAL is truncated after an erasure');
    assert.deepEqual(await scanFor(MARKERS), []);
  });
});
