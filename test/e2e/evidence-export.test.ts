/**
 * Evidence export end to end: record a journey through the proxy into a store
 * with tamper evidence and encrypted events on, verify the store, export the session to one HTML
 * file, stop everything, open the file from file:// with the network cut off
 * and compare the replay with the live screenshot; then flip a byte.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { startProxy } from '../../proxy/index';
import { LevelStore } from '../../store/level/level-store';
import { verifyStore } from '../../store/integrity/verify-store';
import { verifyEvidenceFile, verifyEvidenceHtml } from '../../store/integrity/evidence-verify';
import { exportEvidence } from '../../scripts/export/evidence-html';
import { loadConfig } from '../../scripts/config';
import { exportCommand } from '../../scripts/integrity-commands';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank } from '../../scripts/sample-bank/server';
import { diffPng } from '../helpers/pixels';
import { checkWacz } from '../helpers/wacz-check';
import { harProblems } from '../helpers/har-check';
import { serveFromHarOverCdp } from '../helpers/har-over-cdp';
import type { Har } from '../../scripts/export/har';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(import.meta.dirname, '../..');
const VIEWPORT = { width: 1280, height: 800 };
const MAX_DIFF_RATIO = 0.01;
let dir: string;

after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('evidence export', () => {
  it('records, verifies, exports, and replays the file offline; a flipped byte fails verification', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-evidence-'));
    const keysDir = path.join(dir, 'keys');
    // Events encrypted at rest with a per-session key, as `verbatim start` runs it.
    const store = new LevelStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
    await store.open();
    const bank = await startSampleBank({ version: 1 });
    const proxy = await startProxy({
      allowedTargets: LOOPBACK,
      store, dataDir: dir, port: 0, recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
    });
    const moments: { label: string; at: number; png: Buffer }[] = [];
    const browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    try {
      const context = await browser.newContext({ viewport: VIEWPORT });
      await runJourney(await context.newPage(), bank.url, async (label, p) => {
        moments.push({ label, at: Date.now(), png: await p.screenshot({ animations: 'disabled', caret: 'hide' }) });
        await p.waitForTimeout(300);
      });
      await context.close();
    } finally {
      await browser.close();
    }
    await proxy.drain();
    await proxy.close();
    const [session] = await store.listSessions();
    const captured = (await store.listCaptures(session!.id)).filter((c) => /^https?:/.test(c.url));
    await store.close();
    await bank.close();

    const report = await verifyStore(path.join(dir, 'store'), { keysDir });
    assert.deepEqual(report.problems, [], 'a real recording verifies clean');
    assert.ok(report.stats.links > 10 && report.stats.blobs > 5);

    const file = path.join(dir, 'evidence.html');
    const result = await exportEvidence(dir, session!.id, file);
    assert.deepEqual(result.missingUrls, [], 'every resource the replay needs is in the file');
    assert.equal(result.fidelity, 100, 'the replay in the file comes entirely from its own captures');
    const checked = await verifyEvidenceFile(file);
    assert.deepEqual(checked.problems, []);
    assert.deepEqual([checked.fidelity?.score, checked.fidelity?.full, checked.fidelity?.counts.missing], [100, true, 0], 'verify --file reads the signed fidelity back');
    assert.deepEqual(checked.notes, [], 'every encrypted record opens with the session key in the file');
    assert.equal(checked.ok, true);

    // The same session's captures as WACZ, as `verbatim export SESSION --out X.wacz` writes them, read back as a
    // web-archive reader would: every capture a WARC response record with correct digests, at its indexed offset.
    const waczFile = path.join(dir, 'session.wacz');
    await exportCommand(loadConfig(['export', session!.id, '--data', dir, '--out', waczFile], {}));
    assert.equal((await stat(waczFile)).mode & 0o777, 0o600, 'the archive holds decrypted personal bodies: owner only');
    const wacz = await checkWacz(await readFile(waczFile));
    assert.equal(wacz.lines.length, captured.length, 'one indexed response per capture');
    const mimes = new Set([...wacz.records.values()].map((r) => r.entry.mime));
    for (const mime of ['text/html', 'text/css', 'font/ttf', 'image/png', 'application/json']) assert.ok(mimes.has(mime), `a ${mime} capture is in the archive (${[...mimes].join(', ')})`);
    const home = wacz.records.get(`${bank.url}/`);
    assert.ok(home && home.payload.length > 0, 'the sealed (personal) home document is in the archive, decrypted');
    assert.deepEqual(wacz.pages.slice(1).map((p) => p.url), session!.pages.map((p) => p.url));

    // The same session as HAR 1.2 (`--out X.har`): valid against the HAR schemas, one entry per capture, and
    // Chromium loads the home page from it alone (every request answered from the file over the DevTools
    // protocol's Fetch domain; anything not in it is failed).
    const harFile = path.join(dir, 'session.har');
    await exportCommand(loadConfig(['export', session!.id, '--data', dir, '--out', harFile], {}));
    assert.equal((await stat(harFile)).mode & 0o777, 0o600, 'the HAR holds decrypted personal bodies: owner only');
    const har = JSON.parse(await readFile(harFile, 'utf8')) as Har;
    assert.deepEqual(harProblems(har), []);
    assert.equal(har.log.entries.filter((e) => e.response.status !== 101).length, captured.length, 'one entry per capture');
    assert.deepEqual(har.log.pages.map((p) => p.id), session!.pages.map((p) => p.id));
    const fromHar = await launchChromium();
    try {
      const context = await fromHar.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      const overCdp = await serveFromHarOverCdp(page, har);
      await page.goto(`${bank.url}/`, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' });
      const diff = diffPng(moments[0]!.png, shot);
      assert.ok(diff.ratio <= MAX_DIFF_RATIO, `home page served from the HAR: ${(diff.ratio * 100).toFixed(2)} % of pixels differ`);
      assert.deepEqual(overCdp.missing, [], 'every resource of the page is in the HAR');
      assert.ok(overCdp.served.length >= 5 && overCdp.served[0] === `${bank.url}/`, `the page and its resources came from the HAR: ${overCdp.served.join(', ')}`);
    } finally {
      await fromHar.close();
    }

    // Everything is shut down; the browser may not reach any network at all.
    const offline = await launchChromium();
    try {
      const context = await offline.newContext({ viewport: { width: 1600, height: 1200 }, offline: true });
      const requests: string[] = [];
      context.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href);
      await page.waitForFunction(() => (window as unknown as { verbatimReplay?: unknown }).verbatimReplay !== undefined);
      const first = await page.evaluate(() => (window as unknown as { verbatimReplay: { first: number } }).verbatimReplay.first);
      const moment = moments[2]!; // the accounts page: fonts, images, stylesheet, JSON-rendered content
      await page.evaluate((offset) => (window as unknown as { verbatimReplay: { seek(ms: number): Promise<void> } }).verbatimReplay.seek(offset), moment.at - first);
      await page.waitForSelector('html[data-replay-ready="true"]');
      const frame = await page.waitForSelector('.replayer-wrapper iframe');
      const box = (await frame.boundingBox())!;
      const shot = await page.screenshot({
        animations: 'disabled', caret: 'hide',
        clip: { x: Math.round(box.x), y: Math.round(box.y), width: VIEWPORT.width, height: VIEWPORT.height },
      });
      await writeFile(path.join(os.tmpdir(), 'verbatim-evidence-replay.png'), shot);
      const diff = diffPng(moment.png, shot);
      assert.ok(diff.ratio <= MAX_DIFF_RATIO, `${moment.label}: ${(diff.ratio * 100).toFixed(2)} % of pixels differ`);
      assert.deepEqual(requests, [], 'the file replays without any request');
      assert.deepEqual(errors, []);
    } finally {
      await offline.close();
    }

    // One flipped byte anywhere (here: inside the embedded events) fails verification.
    const html = await readFile(file, 'utf8');
    const at = html.indexOf('"timestamp":') + 12;
    const tampered = html.slice(0, at) + (html[at] === '1' ? '2' : '1') + html.slice(at + 1);
    const bad = verifyEvidenceHtml(tampered);
    assert.equal(bad.ok, false);
    assert.ok(bad.problems.some((p) => p.code === 'FILE_ALTERED'), JSON.stringify(bad.problems));
    // A record swapped inside the proof is named even if the file were re-signed.
    const proofAt = html.indexOf('"records":[');
    const flipped = html.slice(0, proofAt) + html.slice(proofAt).replace(/"value":"(.)/, (m, c: string) => `"value":"${c === 'A' ? 'B' : 'A'}`);
    assert.ok(verifyEvidenceHtml(flipped).problems.some((p) => p.code === 'RECORD_ALTERED'));
  });
});
