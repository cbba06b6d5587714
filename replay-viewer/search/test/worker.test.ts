/**
 * The search worker thread: pages are extracted and written there (the index is written by another thread, and a
 * heavy page does not stall the main event loop), and a worker that dies or cannot start leaves the follower to
 * apply in-process, with no change lost or doubled.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker, threadId } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { createIndexExtractor } from '../struggle-hits';
import { SearchFollower, type PageProfile } from '../follower';
import { PageApplier } from '../page-applier';
import { parseQuery } from '../query/index';
import { lastSeq } from '../reindex';
import type { SearchIndex } from '../search-index';
import { WorkerPageApplier } from '../worker-applier';
import type { WorkerReply, WorkerRequest } from '../worker-protocol';
import { Tree, batch, full, meta } from './extract-fixtures';
import { bench, recordJourney, type Bench } from './index-fixtures';

const T0 = Date.UTC(2026, 10, 22, 9);
const IDS = ['worker-a', 'worker-b', 'worker-c', 'worker-d', 'worker-e'];
/** Lines of distinct text in the heavy session's one snapshot: one hit each. */
const LINES = 2_500;

async function snapshot(index: SearchIndex): Promise<string[]> {
  const out: string[] = [];
  for (const id of IDS) {
    for (const m of await index.matches(id, parseQuery('transfer OR typed:secret* OR clicked:send OR status:>=500'))) out.push(`${id} ${m.at - T0} ${m.kind}`);
  }
  return out.sort();
}

/** This thread's CPU time in ms (Linux: /proc, in 10 ms clock ticks), or undefined where /proc is not there. */
function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, at the usual 100 ticks a second
  } catch {
    return undefined;
  }
}

/**
 * How long the event loop was held while `work` runs: the longest gap between ticks of a 5 ms timer, and the main
 * thread's own CPU time in that gap. A loaded machine that deschedules the process stretches the gap but not the
 * CPU time, which is what this thread's work cost (the clock-tick resolution makes it ±10 ms).
 */
async function longestStall(work: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  let last = performance.now();
  let lastCpu = threadCpuMs();
  let wallMs = 0;
  let cpuMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = threadCpuMs();
    wallMs = Math.max(wallMs, now - last);
    // Without /proc the wall clock is all there is.
    cpuMs = Math.max(cpuMs, cpu === undefined || lastCpu === undefined ? now - last : cpu - lastCpu);
    last = now;
    lastCpu = cpu;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { wallMs, cpuMs };
}

describe('search worker', () => {
  let b: Bench;
  let reference: string[];
  let referenceCounts: { sessions: number; hits: number };
  before(async () => {
    b = await bench('worker');
    for (const [i, id] of IDS.entries()) await recordJourney(b.store, id, T0 + i * 60_000, { seen: `transfer page ${i}`, typed: `secret${i}` });
    const clean = await b.open({ dataDir: `${b.dir}/clean` });
    await clean.follower.catchUp();
    reference = await snapshot(clean.index);
    referenceCounts = await clean.index.counts();
    await clean.close();
  });
  after(() => b.close());

  it('applies every page on the worker thread: same index as in-process', async () => {
    const s = await b.open({ dataDir: `${b.dir}/threaded`, worker: true });
    const threads = new Set<number>();
    const follower = new SearchFollower({ store: b.store, index: s.index, createExtractor: createIndexExtractor, applier: s.worker, pageSize: 3, onProfile: (p) => threads.add(p.threadId) });
    assert.equal(await follower.catchUp(), await lastSeq(b.store));
    assert.ok(s.worker!.thread, 'still threaded');
    assert.deepEqual([...threads], [s.worker!.thread!.threadId]);
    assert.notEqual(s.worker!.thread!.threadId, threadId);
    assert.deepEqual(await snapshot(s.index), reference);
    assert.deepEqual(await s.index.counts(), referenceCounts);
    await s.close();
  });

  it('keeps the main event loop free while the worker writes a heavy page', async () => {
    const t = new Tree();
    const lines = Array.from({ length: LINES }, (_, i) => t.el('p', {}, `Statement line ${i} payment reference ${i * 7919} merchant ${i % 97}`));
    const page = t.page('Statement', ...lines);
    const url = 'https://bank.example/statement';
    await b.store.createSession({ id: 'heavy', channel: 'proxy', startedAt: T0, browser: 'Chrome 140', os: 'Linux', deviceType: 'desktop' });
    await b.store.appendEvents({ ...batch([meta(T0 + 10, url), full(T0 + 20, page.root)], { url, title: 'Statement' }), sessionId: 'heavy' });
    const total = await lastSeq(b.store);

    let runs = 0;
    const measure = async (worker: boolean) => {
      const s = await b.open({ dataDir: `${b.dir}/heavy-${++runs}`, worker });
      const pages: PageProfile[] = [];
      const follower = new SearchFollower({ store: b.store, index: s.index, createExtractor: createIndexExtractor, applier: s.worker, onProfile: (p) => pages.push(p) });
      // Everything before the heavy session first, so the measured page is the heavy one alone.
      await s.index.apply({ cursor: total - 2, sessions: [], hits: [] });
      const stall = await longestStall(() => follower.catchUp());
      const hits = (await s.index.search(parseQuery('text:merchant'), { limit: 1 })).results[0]?.matchCount;
      await s.close();
      return { stall, hits, pages };
    };
    try {
      const inProcess = await measure(false);
      // Judged on the main thread's CPU time in its longest gap: the in-process run spends about 0.2 s there; a busy
      // machine (another lane's browser) stretches wall-clock gaps of either run but not that. Best of three runs.
      const bound = Math.max(60, inProcess.stall.cpuMs / 4);
      const stalls: { wallMs: number; cpuMs: number }[] = [];
      let threaded = await measure(true);
      stalls.push(threaded.stall);
      while (threaded.stall.cpuMs >= bound && stalls.length < 3) {
        threaded = await measure(true);
        stalls.push(threaded.stall);
      }
      // Same work, done elsewhere: the heavy page's hits (about 0.2 s of HMACs and SQLite) never ran on this thread.
      assert.equal(threaded.hits, LINES);
      assert.equal(inProcess.hits, LINES);
      assert.equal(threaded.pages.length, 1);
      assert.notEqual(threaded.pages[0]!.threadId, threadId);
      assert.equal(inProcess.pages[0]!.threadId, threadId);
      assert.ok(threaded.pages[0]!.writeMs > 50, `the worker's write took ${threaded.pages[0]!.writeMs.toFixed(0)} ms`);
      const shown = (x: { wallMs: number; cpuMs: number }) => `${x.cpuMs.toFixed(0)} ms CPU in a ${x.wallMs.toFixed(0)} ms gap`;
      assert.ok(inProcess.stall.cpuMs >= 100, `in-process, the heavy page held the loop ${shown(inProcess.stall)}: too little for the comparison to mean anything`);
      assert.ok(threaded.stall.cpuMs < bound, `main loop held ${stalls.map(shown).join(' / ')} with the worker (${shown(inProcess.stall)} in-process)`);
    } finally {
      await b.store.eraseSession('heavy', { reason: 'test' });
    }
  });

  it('a killed worker falls back in-process: no change lost or doubled', async () => {
    const lines: string[] = [];
    const s = await b.open({ dataDir: `${b.dir}/killed`, worker: true, log: (m) => lines.push(m) });
    const follower = new SearchFollower({ store: b.store, index: s.index, createExtractor: createIndexExtractor, applier: s.worker, pageSize: 2, log: (m) => lines.push(m) });
    let pages = 0;
    const worker = s.worker!.thread!;
    // Ended right after its second page: the third is posted to a dying worker and read again from the cursor.
    const cursor = await follower.catchUp(() => { if (++pages === 2) void worker.terminate(); });
    assert.equal(cursor, await lastSeq(b.store));
    assert.equal(s.worker!.thread, undefined);
    assert.deepEqual(lines, ['search index: the search worker stopped (Error): extracting and writing in-process']);
    assert.deepEqual(await snapshot(s.index), reference);
    assert.deepEqual(await s.index.counts(), referenceCounts);
    await s.close();
  });

  it('the bundled worker (dist/search-worker.js, as `verbatim start` runs it) opens the index and applies a page', async () => {
    const s = await b.open({ dataDir: `${b.dir}/bundled` });
    const worker = new Worker(path.resolve(import.meta.dirname, '../../../dist/search-worker.js'), {
      workerData: { indexDir: path.join(b.dir, 'bundled', 'search'), keysDir: b.keysDir },
    });
    const session = (await b.store.getSession('worker-a'))!;
    const replies: WorkerReply[] = [];
    const exited = new Promise((r) => worker.once('exit', r));
    await new Promise<void>((resolve) => worker.on('message', (m: WorkerReply) => {
      replies.push(m);
      if ('ready' in m) {
        worker.postMessage({ type: 'change', id: 7, change: { seq: 1, type: 'session.created', sessionId: 'worker-a', kind: 'touch' } } satisfies WorkerRequest);
        worker.postMessage({ type: 'apply', id: 7, sessions: { 'worker-a': { session, customerLinked: false } } } satisfies WorkerRequest);
      }
      if ('id' in m) resolve();
    }));
    worker.postMessage({ type: 'close' });
    assert.equal(await exited, 0);
    const applied = replies.find((r): r is Extract<WorkerReply, { applied: unknown }> => 'applied' in r)!;
    assert.equal(applied.id, 7);
    assert.equal(applied.applied.cursor, 1);
    assert.notEqual(applied.applied.threadId, threadId);
    // Written by the worker, read by this thread's own connection.
    assert.equal(await s.index.cursor(), 1);
    assert.deepEqual(await s.index.counts(), { sessions: 1, hits: 0 });
    await s.close();
  });

  it('a worker that cannot open the index leaves the follower in-process', async () => {
    const s = await b.open({ dataDir: `${b.dir}/no-worker` });
    const lines: string[] = [];
    // The worker's index folder is a file: it cannot open there, the main thread's index is fine.
    const applier = new WorkerPageApplier({
      data: { indexDir: `${b.dir}/no-worker/search/index.sqlite`, keysDir: b.keysDir }, log: (m) => lines.push(m),
      fallback: () => new PageApplier({ index: s.index, createExtractor: createIndexExtractor, log: (m) => lines.push(m) }),
    });
    const follower = new SearchFollower({ store: b.store, index: s.index, createExtractor: createIndexExtractor, applier, log: (m) => lines.push(m) });
    assert.equal(await follower.catchUp(), await lastSeq(b.store));
    assert.equal(applier.thread, undefined);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^search index: the search worker stopped \(E[A-Z]+\): extracting and writing in-process$/);
    assert.deepEqual(await snapshot(s.index), reference);
    assert.deepEqual(await s.index.counts(), referenceCounts);
    await applier.close();
    await s.close();
  });
});
