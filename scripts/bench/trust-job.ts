/**
 * The search's trust job (replay-viewer/search/derived/trust-job.ts) on generated sessions of growing size: how long
 * one session's run takes (fidelity report, foreign-content detector, index write) and the longest the main thread's
 * event loop was held meanwhile, with the reports on the main thread and on the trust worker (which still reads the
 * store through the main thread: store-bridge.ts). `BENCH_ONLY=trust npm run bench`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RecordedEvent } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { openStore } from '../../store/index';
import { openSearch } from '../../replay-viewer/search/index';

const SITE = 'https://bank.example';
const T0 = Date.UTC(2026, 11, 1, 9);

interface Size { label: string; rows: number; mutations: number; images: number }

const SIZES: Size[] = [
  { label: 'small (50 rows, 20 mutations, 5 images)', rows: 50, mutations: 20, images: 5 },
  { label: 'medium (500 rows, 500 mutations, 50 images)', rows: 500, mutations: 500, images: 50 },
  { label: 'large (3,000 rows, 5,000 mutations, 300 images)', rows: 3_000, mutations: 5_000, images: 300 },
];

/** A statement page: a table of rows, mutations that add rows, images; every text in the captured HTML. */
async function generate(store: VerbatimStore, id: string, t0: number, s: Size): Promise<void> {
  let next = 1;
  const text = (t: string) => ({ type: 3, id: next++, textContent: t });
  const el = (tagName: string, attributes: Record<string, string>, ...childNodes: unknown[]) => ({ type: 2, id: next++, tagName, attributes, childNodes });
  const row = (i: number) => el('tr', {}, el('td', {}, text(`Payment ${i} to Oakwood Lettings`)), el('td', {}, text(`${i}.00 EUR`)));
  const tbody = el('tbody', {}, ...Array.from({ length: s.rows }, (_, i) => row(i)));
  const images = Array.from({ length: s.images }, (_, i) => el('img', { src: `/img/${i}.png` }));
  const body = el('body', {}, el('h1', {}, text('Your statement')), el('table', {}, tbody), ...images);
  const page = `${SITE}/statement`;
  const events: RecordedEvent[] = [
    { type: 4, timestamp: t0, data: { href: page, width: 1280, height: 800 } },
    { type: 2, timestamp: t0 + 1, data: { node: { type: 0, id: next++, childNodes: [el('html', {}, el('head', {}), body)] }, initialOffset: { top: 0, left: 0 } } },
  ];
  for (let i = 0; i < s.mutations; i++) {
    events.push({ type: 3, timestamp: t0 + 10 + i, data: { source: 0, texts: [], attributes: [], removes: [], adds: [{ parentId: tbody.id, nextId: null, node: row(s.rows + i) }] } });
  }
  await store.createSession({ id, channel: 'proxy', startedAt: t0 });
  const html = `<h1>Your statement</h1><table>${Array.from({ length: s.rows + s.mutations }, (_, i) => `<tr><td>Payment ${i} to Oakwood Lettings</td><td>${i}.00 EUR</td></tr>`).join('')}</table>`;
  const put = async (url: string, body: string, type: string, destination: 'document' | 'image') => {
    const digest = await store.putBlob(Buffer.from(body));
    await store.putCapture({
      id: `${id}-${url}`, sessionId: id, method: 'GET', url, status: 200, headers: [['content-type', type]], destination,
      startedAt: t0, timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: body.length, encoding: '', truncated: false },
    });
  };
  await put(page, html, 'text/html', 'document');
  for (let i = 0; i < s.images; i++) await put(`${SITE}/img/${i}.png`, `png ${i}`, 'image/png', 'image');
  // In batches of 500 events, as the recorder uploads them.
  for (let seq = 0; seq * 500 < events.length; seq++) {
    await store.appendEvents({ sessionId: id, page: { id: 'p1', url: page }, seq, events: events.slice(seq * 500, seq * 500 + 500), receivedAt: t0 });
  }
}

export async function benchTrustJob(perSize = Number(process.env.BENCH_TRUST_SESSIONS ?? 5)): Promise<void> {
  console.log(`\n## Trust job: one session's fidelity + foreign-content run, ${perSize} sessions per size (SQLite index)\n`);
  console.log('| Session | Events | Runs on | Run per session (mean) | Longest main-thread event-loop stall |');
  console.log('|---|---|---|---|---|');
  for (const size of SIZES) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-bench-trust-'));
    const store = await openStore(path.join(dir, 'store'));
    try {
      for (let i = 0; i < perSize; i++) await generate(store, `s${i}`, T0 + i * 60_000, size);
      const events = (await store.getSession('s0'))!.eventCount;
      for (const mode of ['main thread', 'worker'] as const) {
        // A fresh index per mode (the store is shared): every session is owed a run.
        const search = await openSearch({
          dataDir: path.join(dir, mode.replace(' ', '-')), keysDir: path.join(dir, 'keys'), store, log: () => undefined,
          trust: { worker: mode === 'worker' },
        });
        await search.follower.catchUp();
        const delay = monitorEventLoopDelay({ resolution: 5 });
        delay.enable();
        const start = performance.now();
        const result = await search.trust.runDue(() => Date.now() + 24 * 3_600_000);
        const mean = (performance.now() - start) / Math.max(1, result.ran);
        delay.disable();
        console.log(`| ${size.label} | ${events} | ${mode} | ${mean.toFixed(0)} ms (${result.ran} ran, ${result.skipped} skipped) | ${(delay.max / 1e6).toFixed(0)} ms |`);
        await search.close();
      }
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
}
