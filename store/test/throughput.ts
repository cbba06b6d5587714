/**
 * Capture throughput of LevelStore, or of PostgresStore on a throw-away cluster (not part of the test suite).
 *
 *   npx tsx store/test/throughput.ts [--count 30000] [--size 20000] [--text 0.5] [--concurrency 256] [--dup 0]
 *     [--batch-kb N] [--write-buffer-mb N] [--zlib-pool]   (tuning: batch cap, memtable, async zlib instead of worker)
 *     [--backend postgres [--pg-durable]]   (PostgreSQL with PgObjectStorage; --pg-durable: fsync and synchronous
 *                                            commit on, as in production; CPU figures then exclude the server's)
 *
 * Each capture = putBlob(unique ~size-byte body) + putCapture(record with typical
 * headers), `concurrency` captures in flight, as the proxy would issue them.
 * `--text` is the share of bodies stored with compress: true (identity-encoded
 * text); the rest are stored raw (images, or bodies already gzip/br on the wire).
 * `--dup` is the share of bodies that repeat an earlier one (cached JS/CSS).
 * Reports captures/s, CPU per capture (all threads, incl. LevelDB compaction) and
 * event-loop time per capture (includes this script's own body generation).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { LevelStore } from '../level/level-store';
import type { StoreBase, StoreBaseOptions } from '../base/store-base';
import { PostgresStore } from '../postgres/index';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres-server';
import type { CapturedResource } from '../records';
import { text } from './contract/index';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '30000' },
    size: { type: 'string', default: '20000' },
    text: { type: 'string', default: '0.5' },
    concurrency: { type: 'string', default: '256' },
    dup: { type: 'string', default: '0' },
    'batch-kb': { type: 'string' },
    'write-buffer-mb': { type: 'string' },
    'zlib-pool': { type: 'boolean', default: false },
    'no-snappy': { type: 'boolean', default: false },
    'file-mb': { type: 'string' },
    backend: { type: 'string', default: 'level' },
    'pg-durable': { type: 'boolean', default: false },
  },
});
const count = Number(args.count);
const size = Number(args.size);
const textShare = Number(args.text);
const concurrency = Number(args.concurrency);
const dupShare = Number(args.dup);

const POOL = 500;
const textPool = Array.from({ length: POOL }, (_, i) => text(size, i + 1));
const binaryPool = Array.from({ length: POOL }, (_, i) => {
  const bytes = new Uint8Array(size);
  let x = i + 1;
  for (let j = 0; j < size; j += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[j] = x >>> 24;
  }
  return bytes;
});

/** A unique body (the counter stamped in front changes its digest, not its compressibility). */
function body(n: number, compress: boolean): Uint8Array {
  const pool = compress ? textPool : binaryPool;
  const bytes = Buffer.from(pool[n % POOL]!);
  const unique = dupShare > 0 && (n * 0.6180339887) % 1 < dupShare ? n % 50 : n;
  bytes.write(String(unique).padStart(10, '0'), 0, 'latin1');
  return bytes;
}

function record(n: number, digest: string): CapturedResource {
  return {
    id: `c${n}`,
    sessionId: `s${n % 40}`,
    method: 'GET',
    url: `https://bank.example/static/${n % 7}/asset-${n}.js?v=${n % 13}`,
    status: 200,
    statusText: 'OK',
    headers: [
      ['content-type', 'application/javascript; charset=utf-8'], ['cache-control', 'public, max-age=31536000'],
      ['date', new Date(1_700_000_000_000 + n).toUTCString()], ['etag', `"${digest.slice(0, 16)}"`],
      ['server', 'nginx'], ['strict-transport-security', 'max-age=63072000'], ['x-content-type-options', 'nosniff'],
      ['vary', 'Accept-Encoding'], ['content-length', String(size)],
    ],
    destination: 'script',
    startedAt: 1_700_000_000_000 + n,
    timing: { headersMs: 20, totalMs: 35 },
    body: { digest, size, encoding: '', truncated: false },
  };
}

const dir = await mkdtemp(join(tmpdir(), 'verbatim-throughput-'));
let batches = 0;
let operations = 0;
const common: StoreBaseOptions = {
  beforeWrite: (w) => { batches += 1; operations += w.put.length + w.blobs.length; },
  deflateOnWorker: !args['zlib-pool'],
  ...(args['batch-kb'] !== undefined ? { maxWriteBytes: Number(args['batch-kb']) * 1024 } : {}),
};
let pgServer: PostgresServer | undefined;
let store: StoreBase;
if (args.backend === 'postgres') {
  pgServer = await startPostgres({ settings: args['pg-durable'] ? { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on', shared_buffers: '256MB' } : { shared_buffers: '256MB' } });
  store = new PostgresStore({ ...common, connection: pgServer.config(await pgServer.createDatabase('throughput')) });
} else {
  store = new LevelStore(dir, {
    ...common,
    snappy: !args['no-snappy'],
    ...(args['file-mb'] !== undefined ? { maxFileSize: Number(args['file-mb']) * 1024 * 1024 } : {}),
    ...(args['write-buffer-mb'] !== undefined ? { writeBufferSize: Number(args['write-buffer-mb']) * 1024 * 1024 } : {}),
  });
}
await store.open();
// Captures belong to existing sessions.
for (let i = 0; i < 40; i += 1) await store.createSession({ id: `s${i}`, channel: 'proxy', startedAt: 1_700_000_000_000 });

let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    const n = next;
    next += 1;
    const compress = (n * 0.7548776662) % 1 < textShare;
    const digest = await store.putBlob(body(n, compress), { compress });
    await store.putCapture(record(n, digest));
  }
}

const elu0 = performance.eventLoopUtilization();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const elu = performance.eventLoopUtilization(elu0);
const disk = await store.diskUsage();
await store.close();
await pgServer?.stop();
await rm(dir, { recursive: true, force: true });

const perCaptureUs = (cpu.user + cpu.system) / count;
console.log(JSON.stringify({
  backend: args.backend === 'postgres' ? `postgres${args['pg-durable'] ? ' (fsync on)' : ' (fsync off)'}` : 'level',
  captures: count,
  bodyBytes: size,
  compressedShare: textShare,
  duplicateShare: dupShare,
  concurrency,
  seconds: Number(seconds.toFixed(2)),
  capturesPerSecond: Math.round(count / seconds),
  cpuMicrosPerCapture: Math.round(perCaptureUs),
  eventLoopUtilisation: Number(elu.utilization.toFixed(2)),
  eventLoopMicrosPerCapture: Math.round((elu.active * 1000) / count),
  batches,
  operationsPerBatch: Number((operations / Math.max(1, batches)).toFixed(1)),
  diskMB: Number((disk / 1e6).toFixed(1)),
}, null, 2));
