/**
 * `verbatim reindex` as a user runs it: the built CLI on a data directory whose store holds recorded journeys
 * rebuilds <data>/search, says how much it indexed, and the index answers; run again, it rebuilds to the same.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../store/index';
import { recordJourney } from '../replay-viewer/search/test/index-fixtures';

const run = promisify(execFile);
const cli = path.resolve(import.meta.dirname, '..', 'dist', 'verbatim.js');
const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-reindex-'));
after(() => rm(dir, { recursive: true, force: true }));

it('rebuilds the search index from the store, the same every time', async () => {
  const keysDir = path.join(dir, 'keys');
  const store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  for (let i = 0; i < 3; i++) await recordJourney(store, `reindex-${i}`, Date.UTC(2026, 10, 1) + i * 60_000, { seen: `page ${i}`, typed: `value${i}` });
  await store.close();

  const first = await run(process.execPath, [cli, 'reindex', '--data', dir, '--progress=false']);
  const m = /^search index rebuilt up to change (\d+): 3 sessions, (\d+) moments\.$/m.exec(first.stdout);
  assert.ok(m, first.stdout);
  assert.ok(Number(m[2]) >= 3 * 7, `moments: ${m[2]}`);
  assert.equal(first.stderr, '');
  assert.equal((await stat(path.join(keysDir, 'search-index.key'))).mode & 0o777, 0o600);

  const db = new Database(path.join(dir, 'search', 'index.sqlite'), { readonly: true });
  try {
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM hits WHERE kind = 'typed'").get() as { n: number }).n, 3);
    assert.equal((db.prepare("SELECT value FROM meta WHERE key = 'reindex'").get() as unknown), undefined, 'the rebuild mark is gone');
  } finally {
    db.close();
  }
  const second = await run(process.execPath, [cli, 'reindex', '--data', dir, '--progress=false']);
  assert.equal(second.stdout, first.stdout);
});
