/**
 * WACZ export cost (alone: npx tsx scripts/bench/wacz-export.ts [captures] [runs]):
 * one session written straight into a store with a keyring (as `verbatim start` runs
 * it), `captures` responses over captures/15 pages: per page an HTML document and two
 * JSON answers (personal: sealed with the session key) and twelve assets drawn from a
 * pool of 60 shared stylesheets, scripts, fonts and images (5–150 KB). Then
 * `verbatim export SESSION --out X.wacz` runs `runs` times, each in a fresh process,
 * which reports wall time, CPU time (user + system: steadier than wall time on a
 * shared machine), the file's size and its peak resident memory.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LevelStore } from '../../store/level/level-store';
import { loadConfig } from '../config';
import { exportCommand, integrityOf } from '../integrity-commands';

const SESSION = 'benchwacz0000000000000001';
const T0 = 1_700_000_000_000;

/** Deterministic bytes: text that deflates like markup, or incompressible "media". */
function bytes(seed: number, size: number, kind: 'text' | 'binary'): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(String(seed)).digest();
  for (let at = 0; at < size; at += 32) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  if (kind === 'text') for (let i = 0; i < size; i += 1) out[i] = 0x61 + (out[i]! % 12);
  return out;
}

const POOL = Array.from({ length: 60 }, (_, i) => {
  const kinds = [
    { type: 'text/css', ext: 'css', size: 40_000, kind: 'text' as const },
    { type: 'application/javascript', ext: 'js', size: 150_000, kind: 'text' as const },
    { type: 'font/woff2', ext: 'woff2', size: 50_000, kind: 'binary' as const },
    { type: 'image/png', ext: 'png', size: 5_000 + ((i * 7919) % 115_000), kind: 'binary' as const },
    { type: 'image/jpeg', ext: 'jpg', size: 20_000 + ((i * 104_729) % 100_000), kind: 'binary' as const },
  ];
  return { ...kinds[i % kinds.length]!, url: `https://static.bank.example/a/${i}.${kinds[i % kinds.length]!.ext}?v=3` };
});

async function populate(dataDir: string, captures: number): Promise<number> {
  const config = loadConfig(['--data', dataDir], {});
  const store = new LevelStore(path.join(dataDir, 'store'), { integrity: { ...integrityOf(config), sealIntervalMs: 0 } });
  await store.open();
  let total = 0;
  try {
    await store.createSession({ id: SESSION, channel: 'proxy', startedAt: T0, userAgent: 'Mozilla/5.0 bench' });
    const pool = await Promise.all(POOL.map(async (a, i) => ({ ...a, digest: await store.putBlob(bytes(i, a.size, a.kind), { compress: a.kind === 'text' }), size: a.size })));
    const pages = Math.ceil(captures / 15);
    let n = 0;
    for (let p = 0; p < pages && n < captures; p += 1) {
      const at = T0 + p * 20_000;
      const url = `https://www.bank.example/accounts/${p}?tab=history`;
      await store.appendEvents({ sessionId: SESSION, page: { id: `p${p}`, url, title: `Accounts ${p}` }, seq: 0, events: [{ type: 4, timestamp: at, data: { href: url, width: 1280, height: 800 } }], receivedAt: at });
      const own = [
        { url, type: 'text/html; charset=utf-8', body: bytes(1e6 + p, 30_000, 'text') },
        { url: `https://www.bank.example/api/balance?p=${p}`, type: 'application/json', body: bytes(2e6 + p, 4_000, 'text') },
        { url: `https://www.bank.example/api/history?p=${p}`, type: 'application/json', body: bytes(3e6 + p, 4_000, 'text') },
      ];
      for (const r of own) {
        if (n++ >= captures) break;
        const digest = await store.putBlob(r.body, { compress: true, sessionId: SESSION });
        await store.putCapture(capture(n, r.url, at + n, r.type, digest, r.body.length));
        total += r.body.length;
      }
      for (let k = 0; k < 12 && n < captures; k += 1) {
        const a = pool[(p * 5 + k * 7) % pool.length]!;
        await store.putCapture(capture(++n, a.url, at + n, a.type, a.digest, a.size));
        total += a.size;
      }
    }
  } finally {
    await store.close();
  }
  return total;
}

function capture(n: number, url: string, startedAt: number, type: string, digest: string, size: number) {
  return {
    id: `cap-${n}`, sessionId: SESSION, method: 'GET', url, status: 200, statusText: 'OK',
    headers: [['content-type', type], ['cache-control', 'max-age=600'], ['content-length', String(size)]] as [string, string][],
    startedAt, timing: { headersMs: 5, totalMs: 9 }, body: { digest, size, encoding: '', truncated: false },
  };
}

/** Child: one `verbatim export … --out X.wacz`, reported to the parent. */
async function exportOnce(dataDir: string, out: string): Promise<void> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write; // the command's own "Wrote …" line
  const t = performance.now();
  const cpu = process.cpuUsage();
  await exportCommand(loadConfig(['export', SESSION, '--data', dataDir, '--out', out], {}));
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  process.stdout.write = write;
  process.send!({ ms, cpuMs: (used.user + used.system) / 1000, bytes: (await stat(out)).size, maxRssMb: process.resourceUsage().maxRSS / 1024 });
}

export async function benchWaczExport(captures = 600, runs = 3): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-wacz-'));
  try {
    const payload = await populate(dir, captures);
    const results: { ms: number; cpuMs: number; bytes: number; maxRssMb: number }[] = [];
    for (let i = 0; i < runs; i += 1) {
      const child = fork(fileURLToPath(import.meta.url), ['--export', dir, path.join(dir, `out-${i}.wacz`)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
      results.push(await new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => { if (code) reject(new Error(`export exited ${code}`)); });
      }));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`WACZ export of one session (${captures} captures, ${(payload / 1e6).toFixed(1)} MB of bodies), ${runs} runs:`);
    console.log(`  time ${results.map((r) => r.ms.toFixed(0)).join(' / ')} ms (median ${median(results.map((r) => r.ms)).toFixed(0)} ms)`);
    console.log(`  CPU ${results.map((r) => r.cpuMs.toFixed(0)).join(' / ')} ms (median ${median(results.map((r) => r.cpuMs)).toFixed(0)} ms)`);
    console.log(`  file ${(results[0]!.bytes / 1e6).toFixed(2)} MB; peak RSS of the exporting process ${results.map((r) => r.maxRssMb.toFixed(0)).join(' / ')} MB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--export') await exportOnce(process.argv[3]!, process.argv[4]!);
else if (import.meta.url === `file://${process.argv[1]}`) await benchWaczExport(Number(process.argv[2] ?? 600), Number(process.argv[3] ?? 3));
