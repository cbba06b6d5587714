/**
 * What the store alone costs per capture, in the instance's process and in the backend's, without HTTP: the page set
 * of instances.ts (a personal 20 KB document different every time, three shared assets) written through the store
 * API as the ingest pipeline writes it (body, then capture), 16 page sets in flight, into LevelDB and into
 * PostgreSQL + S3. CPU time from process.cpuUsage (every thread of this process) and /proc (the backend's
 * processes), so the machine's other load changes it little. Part of the instances bench.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { capture, sessionInit, text } from '../../store/test/contract/fixtures';
import { loadConfig } from '../config';
import { integrityOf } from '../integrity-commands';
import { openConfiguredStore } from '../store-open';

export interface StoreCostResult {
  backend: string;
  captures: number;
  /** µs of CPU per capture in this process (the store's client side: encoding, sealing, hashing, commits). */
  clientUsPerCapture: number;
  /** µs of CPU per capture in the backend's processes (0 for LevelDB: it runs in this process). */
  backendUsPerCapture: number;
  capturesPerSecond: number;
}

const IN_FLIGHT = 16;

/** `flags`: the `verbatim start` store flags (none: LevelDB in a temp data dir). `backendCpu`: the backend's CPU seconds now. */
export async function storeCaptureCost(label: string, flags: string[], pageSets: number, backendCpu: () => number = () => 0): Promise<StoreCostResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-store-cost-'));
  const config = loadConfig(['start', '--data', dir, ...flags], process.env);
  const store = await openConfiguredStore(config, { integrity: integrityOf(config) });
  try {
    const assets = [text(8 * 1024, 11), text(30 * 1024, 12), text(40 * 1024, 13)];
    const sessions = Array.from({ length: IN_FLIGHT }, (_, i) => `bench${String(i).padStart(2, '0')}${'a'.repeat(19)}`.slice(0, 26));
    for (const sid of sessions) await store.createSession(sessionInit(sid, Date.now()));
    const pageSet = async (sid: string, n: number) => {
      const docDigest = await store.putBlob(text(20 * 1024, 1_000 + n), { sessionId: sid, compress: true });
      await store.putCapture(capture(`https://bank.example/account?n=${n}`, Date.now(), docDigest, sid));
      for (const [k, a] of assets.entries()) {
        await store.putCapture(capture(`https://bank.example/static/${k}`, Date.now(), await store.putBlob(a, { compress: true }), sid));
      }
    };
    // Warm-up: shared bodies stored, connections open.
    await Promise.all(sessions.map((sid, i) => pageSet(sid, -1 - i)));
    const cpu0 = process.cpuUsage();
    const b0 = backendCpu();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(sessions.map(async (sid) => {
      while (next < pageSets) await pageSet(sid, next++);
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const captures = pageSets * 4;
    return {
      backend: label, captures,
      clientUsPerCapture: (cpu.user + cpu.system) / captures,
      backendUsPerCapture: ((backendCpu() - b0) * 1e6) / captures,
      capturesPerSecond: captures / seconds,
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
