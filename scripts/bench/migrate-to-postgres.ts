/**
 * Throughput of `verbatim migrate --to postgres://` (store/copy/copy-store.ts): builds a LevelDB store through the
 * store API with integrity and per-session keys (SESSIONS sessions, each with event batches, a shared and a personal
 * body), copies it into a throw-away PostgreSQL cluster and prints records/s and MB/s of the copy alone.
 *   npx tsx scripts/bench/migrate-to-postgres.ts [sessions=100]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LevelStore } from '../../store/level/level-store';
import { batch, capture, event, sessionInit, text } from '../../store/test/contract/fixtures';
import { startPostgres } from '../../test/helpers/postgres-server';
import { loadConfig } from '../config';
import { migrateToStore } from '../migrate-to-store';

const sessions = Number(process.argv[2] ?? 100);
const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-migrate-bench-'));
const keysDir = path.join(dir, 'keys');
const server = await startPostgres();
try {
  const store = new LevelStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await store.open();
  for (let s = 0; s < sessions; s += 1) {
    const sid = `s${s}`;
    await store.createSession(sessionInit(sid, 1_000 + s));
    for (let b = 0; b < 20; b += 1) {
      await store.appendEvents(batch(sid, 'p', b, Array.from({ length: 40 }, (_, i) => event(2_000 + b * 100 + i, 3, { source: 1, x: i, n: randomBytes(24).toString('base64') }))));
    }
    await store.putCapture(capture(`https://bank.example/s/${s}`, 1_500, await store.putBlob(text(40_000, s + 1), { compress: true }), sid));
    await store.putCapture(capture(`https://bank.example/a/${s}`, 1_600, await store.putBlob(text(8_000, s + 9_999), { sessionId: sid }), sid));
  }
  await store.close();
  const db = await server.createDatabase('bench');
  const config = loadConfig(['migrate', '--from', dir, '--data', dir, '--to', server.url(db)], {});
  const r = await migrateToStore(config);
  const items = r.totals.records + r.totals.links + r.totals.feed;
  process.stdout.write(`${sessions} sessions: ${r.totals.records} records, ${r.totals.blobs} bodies, ${r.totals.links} links, ${r.totals.feed} feed entries, `
    + `${(r.written.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s: ${Math.round(r.totals.records / r.seconds)} records/s `
    + `(${Math.round(items / r.seconds)} rows/s with links and feed), ${(r.written.bytes / 1e6 / r.seconds).toFixed(1)} MB/s\n`);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
