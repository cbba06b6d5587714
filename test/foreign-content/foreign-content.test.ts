/**
 * Content the bank did not send, proved in real Chromium: a real MV3 extension (test/fixtures/injector-extension)
 * injects fake forms, overlays, frames, scripts, swapped text and re-pointed forms into the sample bank and the
 * corpus site while the browser records THROUGH THE PROXY; the detector (replay-viewer/replay/foreign-content/) must
 * find ≥ 95 % of the injections and flag nothing on the same pages without injection, on the sample bank's journey
 * and on every fidelity-site page (neither with the extension). Figures go to $TMPDIR/verbatim-foreign/results.md
 * and docs/FOREIGN-CONTENT.md.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { ReplayLibrary, type ForeignFlag } from '../../replay-viewer/replay/index';
import { startViewer } from '../../replay-viewer/server';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank, type SampleBank } from '../../scripts/sample-bank/server';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { CASES, settle as fidelitySettle, VIEWPORT } from '../fidelity/cases';
import { startFidelitySite, type FidelitySite } from '../fidelity/site';
import { WEB_COMPONENT_CASES } from '../fidelity/web-components';
import { CLEAN_VISITS, INJECTED_VISITS, score, type Variant, type Visit } from './corpus';
import { startCorpusSite, type CorpusSite } from './site';

const root = path.resolve(import.meta.dirname, '../..');
const EXTENSION = path.join(root, 'test', 'fixtures', 'injector-extension');
const artifacts = path.join(os.tmpdir(), 'verbatim-foreign');

let dir: string;
let store: VerbatimStore;
let proxy: RunningProxy;
let viewer: Awaited<ReturnType<typeof startViewer>>;
let bank: SampleBank;
let corpus: CorpusSite;
let fidelity: FidelitySite;
let injecting: BrowserContext;
let plain: Browser;

/** Each visit's time window, to tell which recorded page it was. */
interface Window { label: string; inject: Variant[]; from: number; to: number; group: 'injected' | 'clean' | 'bank' | 'fidelity' }
const windows: Window[] = [];

async function visit(page: Page, url: string, w: Omit<Window, 'from' | 'to'>, act?: (p: Page) => Promise<void>): Promise<void> {
  const from = Date.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  await act?.(page);
  // The injections land 150 ms after the page settles; the recorder batches every few hundred ms.
  await page.waitForTimeout(w.inject.length ? 450 : 150);
  // Leaving flushes the recorder's last batch (pagehide).
  await page.goto('about:blank');
  windows.push({ ...w, from, to: Date.now() });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-foreign-'));
  await mkdir(artifacts, { recursive: true });
  store = await openStore(path.join(dir, 'store'));
  [bank, corpus, fidelity] = await Promise.all([startSampleBank({ version: 1 }), startCorpusSite(), startFidelitySite()]);
  proxy = await startProxy({
    allowedTargets: ['127.0.0.1'], store, dataDir: dir, port: 0,
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
  viewer = await startViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer') });
  injecting = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH,
    headless: true,
    viewport: VIEWPORT,
    proxy: { server: proxy.url, bypass: '<-loopback>' },
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`],
  });
  plain = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
});

after(async () => {
  await injecting?.close();
  await plain?.close();
  await viewer?.close();
  await proxy?.close();
  await Promise.all([bank?.close(), corpus?.close(), fidelity?.close()]);
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('content the bank did not send: a rogue extension through the proxy', () => {
  const siteUrl = (v: Visit) => (v.site === 'bank' ? bank.url : corpus.url);
  let pages: { label: string; inject: Variant[]; group: Window['group']; flags: ForeignFlag[] }[] = [];

  it('records the corpus: injected pages, the same pages clean, the sample bank and the fidelity site', async () => {
    const started = Date.now();
    const page = injecting.pages()[0] ?? (await injecting.newPage());
    for (const v of CLEAN_VISITS) await visit(page, `${siteUrl(v)}${v.path}`, { label: `clean ${v.site}${v.path}`, inject: [], group: 'clean' });
    for (const v of INJECTED_VISITS) {
      await visit(page, `${siteUrl(v)}${v.path}#inject=${v.inject.join(',')}`, { label: `${v.site}${v.path} +${v.inject.join('+')}`, inject: v.inject, group: 'injected' });
    }
    // No extension: the sample bank's journey and every fidelity page.
    const context = await plain.newContext({ viewport: VIEWPORT });
    const clean = await context.newPage();
    const from = Date.now();
    await runJourney(clean, bank.url);
    windows.push({ label: 'sample bank journey', inject: [], group: 'bank', from, to: Date.now() });
    for (const c of [...CASES, ...WEB_COMPONENT_CASES]) {
      await visit(clean, `${fidelity.url}${c.path}`, { label: `fidelity ${c.path}`, inject: [], group: 'fidelity' }, async (p) => {
        await fidelitySettle(p);
        await c.act?.(p);
      });
    }
    await context.close();
    await proxy.drain();
    const recorded = Date.now();

    const library = new ReplayLibrary(store);
    const byPage = new Map<string, Window>();
    for (const session of await store.listSessions({ limit: 500 })) {
      for (const p of session.pages) {
        const w = windows.find((x) => p.startedAt >= x.from - 50 && p.startedAt <= x.to);
        if (w) byPage.set(p.id, w);
      }
      const report = await library.foreignContent(session);
      for (const f of report.flags) {
        const w = byPage.get(f.pageId);
        assert.ok(w, `flag on a page of no visit: ${JSON.stringify(f)}`);
        let entry = pages.find((e) => e.label === w.label);
        if (!entry) pages.push(entry = { label: w.label, inject: w.inject, group: w.group, flags: [] });
        entry.flags.push(f);
      }
    }
    for (const w of windows) if (!pages.some((e) => e.label === w.label)) pages.push({ label: w.label, inject: w.inject, group: w.group, flags: [] });
    const s = score(pages);
    console.log(`recording ${recorded - started} ms, detecting ${Date.now() - recorded} ms`);
    const falseBy = (g: Window['group']) => s.falsePositives.filter((f) => pages.find((p) => p.flags.includes(f))?.group === g);
    const lines = [
      `| injected items | detected | recall | flags | true | false | precision | false on sample bank | false on fidelity site | false on clean corpus pages |`,
      `|---|---|---|---|---|---|---|---|---|---|`,
      `| ${s.injected} | ${s.detected} | ${s.recall.toFixed(3)} | ${s.truePositives + s.falsePositives.length} | ${s.truePositives} | ${s.falsePositives.length} | ${s.precision.toFixed(3)} | ${falseBy('bank').length} | ${falseBy('fidelity').length} | ${falseBy('clean').length} |`,
      '', `missed: ${s.missed.join('; ') || 'none'}`,
      '', ...s.falsePositives.map((f) => `false: ${f.reason} ${f.path} "${f.text}" — ${f.source} (${f.pageUrl})`),
    ];
    await writeFile(path.join(artifacts, 'results.md'), `${lines.join('\n')}\n`);
    await writeFile(path.join(artifacts, 'flags.json'), JSON.stringify(pages, null, 1));
    console.log(lines.join('\n'));
    if (process.env.FOREIGN_TIMINGS) console.log(windows.map((w) => `${w.to - w.from} ms ${w.label}`).join('\n'));
    assert.equal(windows.filter((w) => w.group === 'fidelity').length, CASES.length + WEB_COMPONENT_CASES.length);
    assert.ok(s.recall >= 0.95, `recall ${s.recall} (missed: ${s.missed.join('; ')})`);
    assert.deepEqual(falseBy('bank'), [], 'no false flag on the sample bank');
    assert.deepEqual(falseBy('fidelity'), [], 'no false flag on the fidelity site');
    assert.deepEqual(falseBy('clean'), [], 'no false flag on the clean corpus pages (SPA, fetch, A/B, widget)');
    assert.deepEqual(s.falsePositives, []);
  });
});
