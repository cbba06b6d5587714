/**
 * Tamper-evidence costs (part of `npm run bench`, or alone: npx tsx scripts/bench/integrity.ts [sessions]):
 * a store of N sessions (default 10,000) written directly, each with 3 event
 * batches of 30 events and 10 captures (2 personal bodies sealed with the session key, 8 shared assets), then
 *  - time to seal a checkpoint over all chains (first seal, and after 1 % of sessions grew),
 *  - time to verify the whole store and one session,
 *  - storage overhead of the proofs (chain links, heads, checkpoints) vs all records.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Level } from 'level';
import { LevelStore } from '../../store/level/level-store';
import { verifyStore } from '../../store/integrity/verify-store';
import type { CapturedResource, RecordedEvent } from '../../store/records';

export async function benchIntegrity(sessions = 10_000): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-integrity-'));
  const storeDir = path.join(dir, 'store');
  const keysDir = path.join(dir, 'keys');
  // As `verbatim start` runs it: with a keyring, so session records, events and personal bodies are sealed.
  const store = new LevelStore(storeDir, { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await store.open();
  const shared: string[] = [];
  for (let i = 0; i < 8; i += 1) shared.push(await store.putBlob(Buffer.from(`/* shared asset ${i} */ ${'x'.repeat(20_000)}`), { compress: true }));
  const t0 = performance.now();
  const one = async (n: number): Promise<void> => {
    const id = `s${String(n).padStart(6, '0')}`;
    const start = 1_700_000_000_000 + n * 1000;
    await store.createSession({ id, channel: 'proxy', startedAt: start, userAgent: 'Mozilla/5.0 bench', clientIp: '10.0.0.1' });
    for (let seq = 0; seq < 3; seq += 1) {
      const events: RecordedEvent[] = Array.from({ length: 30 }, (_, i) => ({
        type: 3, timestamp: start + seq * 1000 + i * 10, data: { source: 2, type: 1, id: i, x: i * 3, y: seq * 7 },
      }));
      await store.appendEvents({ sessionId: id, page: { id: 'p1', url: 'https://bank.example/accounts' }, seq, events, receivedAt: start + seq * 1000 });
    }
    const own = [
      await store.putBlob(Buffer.from(`<html><body>${id} ${'statement line '.repeat(200)}</body></html>`), { compress: true, sessionId: id }),
      await store.putBlob(Buffer.from(JSON.stringify({ id, balance: n * 3.5, rows: Array.from({ length: 40 }, (_, i) => i * n) })), { compress: true, sessionId: id }),
    ];
    const digests = [...own, ...shared];
    await Promise.all(digests.map((digest, i) => store.putCapture(capture(id, i, start + i, digest))));
  };
  const parallel = 64;
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => { while (next < sessions) await one(next++); }));
  const written = performance.now() - t0;

  let t = performance.now();
  const first = await store.seal();
  const sealAll = performance.now() - t;
  for (let n = 0; n < sessions / 100; n += 1) {
    await store.appendEvents({ sessionId: `s${String(n * 100).padStart(6, '0')}`, page: { id: 'p2', url: 'https://bank.example/x' }, seq: 0, events: [{ type: 3, timestamp: 1_800_000_000_000 + n, data: {} }], receivedAt: 1_800_000_000_000 });
  }
  t = performance.now();
  await store.seal();
  const sealDelta = performance.now() - t;
  await store.close();

  t = performance.now();
  const report = await verifyStore(storeDir, { keysDir });
  const verifyAll = performance.now() - t;
  t = performance.now();
  const single = await verifyStore(storeDir, { keysDir, sessionId: 's000042' });
  const verifyOne = performance.now() - t;

  const bytes = { proof: 0, records: 0, blobs: 0, indexes: 0 };
  const db = new Level<string, Uint8Array>(storeDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  for await (const [k, v] of db.iterator()) {
    const size = Buffer.byteLength(k) + v.byteLength;
    const kind = k.slice(0, 2);
    if (kind === 'h!' || kind === 'H!' || kind === 'K!') bytes.proof += size;
    else if (kind === 'b!') bytes.blobs += size;
    else if (kind === 's!' || kind === 'e!' || kind === 'x!' || kind === 'u!') bytes.records += size;
    else bytes.indexes += size;
  }
  await db.close();
  await rm(dir, { recursive: true, force: true });

  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
  const all = bytes.proof + bytes.records + bytes.blobs + bytes.indexes;
  console.log(`\n## Tamper evidence (${sessions.toLocaleString('en')} sessions, ${report.stats.links.toLocaleString('en')} chained records, ${os.cpus().length} cores)\n`);
  console.log(`  store written in ${(written / 1000).toFixed(1)} s (chaining included)`);
  console.log(`  seal a checkpoint over ${first?.size} chains: ${sealAll.toFixed(0)} ms; after 1 % of sessions grew: ${sealDelta.toFixed(0)} ms`);
  console.log(`  verify the whole store: ${(verifyAll / 1000).toFixed(1)} s (${report.ok ? 'OK' : `FAILED: ${report.problems.length} problems`}, ${report.stats.blobs} bodies rehashed); one session: ${verifyOne.toFixed(0)} ms (${single.ok ? 'OK' : 'FAILED'})`);
  console.log(`  proofs (links, heads, checkpoints): ${mb(bytes.proof)} = ${(bytes.proof / (bytes.records + bytes.indexes) * 100).toFixed(1)} % of the session records and indexes, `
    + `${(bytes.proof / all * 100).toFixed(1)} % of everything incl. bodies (logical bytes, before LevelDB compression); ${(bytes.proof / report.stats.links).toFixed(0)} bytes per chained record`);
}

function capture(sessionId: string, i: number, at: number, digest: string): CapturedResource {
  return {
    id: `${sessionId}-c${i}`, sessionId, method: 'GET', url: i < 2 ? `https://bank.example/${sessionId}/doc${i}` : `https://bank.example/static/asset-${i}.js`,
    status: 200, headers: [['content-type', i === 1 ? 'application/json' : 'text/html'], ['cache-control', 'no-store']],
    startedAt: at, timing: { headersMs: 5, totalMs: 9 }, body: { digest, size: 1000, encoding: '', truncated: false },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) await benchIntegrity(Number(process.argv[2] ?? 10_000));
