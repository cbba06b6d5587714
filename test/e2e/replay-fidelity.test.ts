/**
 * Replay fidelity end to end: a journey recorded through the proxy replays entirely from its own captures (full
 * marks, in the API and on the player's badge); after one image's bytes are deleted from the store underneath it,
 * the report names exactly that image as missing and the badge says so.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { startProxy } from '../../proxy/index';
import { LevelStore } from '../../store/level/level-store';
import { blobKey } from '../../store/level/keys';
import { ReplayLibrary, type FidelityReport } from '../../replay-viewer/replay/index';
import { startViewer } from '../../replay-viewer/server';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import { startSampleBank } from '../../scripts/sample-bank/server';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string | undefined;
after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

describe('replay fidelity', () => {
  it('scores a replay served from its own captures 100, and names exactly the one asset deleted from the store', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-fidelity-'));
    const storeDir = path.join(dir, 'store');
    let store = new LevelStore(storeDir);
    await store.open();
    const bank = await startSampleBank({ version: 1 });
    const proxy = await startProxy({
      allowedTargets: ['127.0.0.1'], store, dataDir: dir, port: 0,
      recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
    });
    const browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await runJourney(await context.newPage(), bank.url, async (_label, p) => { await p.waitForTimeout(200); });
      await context.close();
    } finally {
      await browser.close();
      await proxy.drain();
      await proxy.close();
      await bank.close();
    }
    const [session] = await store.listSessions();
    const full = await new ReplayLibrary(store).fidelity(session!);
    assert.deepEqual(full.concerns, [], 'nothing borrowed, loose or missing');
    assert.equal(full.score, 100, `limits ${JSON.stringify(full.limits)}`);
    assert.equal(full.full, true);
    assert.ok(full.counts.own >= 5, `the journey's stylesheet, fonts and images are checked (${JSON.stringify(full.counts)})`);
    assert.equal(full.counts.own, full.counts.total);
    process.stdout.write(`fidelity of the recorded journey: ${JSON.stringify(full.counts)}, limits ${JSON.stringify(full.limits)}\n`);

    // The player shows it, in real Chromium.
    const viewer = await startViewer({ store, uiDir: path.join(root, 'dist', 'viewer') });
    const badge = async (viewerUrl: string): Promise<{ state: string; text: string; missing: string[] }> => {
      const b = await launchChromium();
      try {
        const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${viewerUrl}/sessions/${session!.id}`);
        await page.waitForSelector('.fidelity-badge:not([data-fidelity="loading"])');
        await page.click('.fidelity-badge summary');
        return {
          state: (await page.getAttribute('.fidelity-badge', 'data-fidelity'))!,
          text: (await page.textContent('.fidelity-badge summary'))!,
          missing: await page.$$eval('.fidelity-concerns li[data-source="missing"] .fidelity-url', (els) => els.map((e) => e.textContent ?? '')),
        };
      } finally {
        await b.close();
      }
    };
    assert.deepEqual(await badge(viewer.url), { state: 'full', text: 'Fidelity 100 · all from this session', missing: [] });
    await viewer.close();

    // One image's bytes go missing underneath the store (a damaged disk, a botched restore).
    const image = (await store.listCaptures(session!.id)).find((c) => c.destination === 'image' && c.body && !c.body.sealed);
    assert.ok(image, 'the journey loads an image');
    await store.close();
    const raw = new Level<string, Uint8Array>(storeDir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await raw.del(blobKey(image.body!.digest));
    await raw.close();
    store = new LevelStore(storeDir);
    await store.open();
    try {
      const damaged: FidelityReport = await new ReplayLibrary(store).fidelity(session!);
      assert.deepEqual(damaged.concerns.map((c) => [c.source, c.url]), [['missing', image.url]]);
      assert.equal(damaged.counts.missing, 1);
      assert.equal(damaged.full, false);
      assert.ok(damaged.score < 100 && damaged.score >= 80, `score ${damaged.score}`);
      const again = await startViewer({ store, uiDir: path.join(root, 'dist', 'viewer') });
      try {
        assert.deepEqual(await badge(again.url), { state: 'missing', text: `Fidelity ${damaged.score} · 1 missing`, missing: [image.url] });
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });
});
