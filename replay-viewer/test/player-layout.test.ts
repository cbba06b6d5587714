/**
 * The player's layout in real Chromium (issue #17 item 1): a 1280 × 800 recording drawn at ≥ 80 % with the side
 * panel open at 1280 × 800 and 1366 × 768, at 100 % at 1920 × 1080; the facts on one line with details on demand;
 * the dock resizable by keyboard and collapsible; the replay frame titled and out of the Tab order; the help overlay;
 * and axe-core (the real package, its source injected) finding no serious or critical violation.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { RECORDED, startPlayerFixture, type PlayerFixture } from './player-journey';

const skip = !existsSync(CHROMIUM_PATH);
let fx: PlayerFixture;

before(async () => {
  if (!skip) fx = await startPlayerFixture();
});
after(async () => {
  await fx?.close();
});

/** The replay's drawn scale: the iframe's on-screen width over the recorded width. */
async function drawnScale(page: Page): Promise<{ scale: number; height: number }> {
  const box = (await (await page.waitForSelector('.replayer-wrapper > iframe')).boundingBox())!;
  return { scale: box.width / RECORDED.width, height: box.height / RECORDED.height };
}

for (const [width, height, min] of [[1280, 800, 0.8], [1366, 768, 0.8]] as const) {
  it(`draws a 1280-wide recording at ≥ 80 % beside the open side panel at ${width} × ${height}`, { skip }, async (t) => {
    const page = await fx.player({ viewport: { width, height } });
    try {
      assert.equal(await page.isVisible('#player-dock'), true, 'the side panel is open');
      assert.equal(await page.isVisible('#activity-panel'), true);
      const { scale, height: vscale } = await drawnScale(page);
      t.diagnostic(`drawn at ${(scale * 100).toFixed(1)} % at ${width} × ${height}`);
      assert.ok(scale >= min, `drawn at ${(scale * 100).toFixed(1)} %`);
      assert.ok(Math.abs(scale - vscale) < 0.01, 'scaled evenly');
      // The dock sits beside the replay, not over it.
      const dock = (await page.locator('#player-dock').boundingBox())!;
      const frame = (await page.locator('.replayer-wrapper > iframe').boundingBox())!;
      assert.ok(frame.x + frame.width <= dock.x, 'the replay ends left of the dock');
      // The facts take one line; the details open on demand and float over the replay.
      const bar = (await page.locator('.session-bar').boundingBox())!;
      assert.ok(bar.height <= 40, `session bar is ${bar.height} px tall`);
      assert.equal(await page.isVisible('.facts'), false);
      await page.click('.facts-summary');
      assert.equal(await page.isVisible('.facts'), true);
      assert.equal(await page.locator('.fact dt', { hasText: 'Viewport' }).count(), 1);
      assert.equal((await page.locator('.session-bar').boundingBox())!.height, bar.height, 'opening the details moves nothing');
    } finally {
      await page.close();
    }
  });
}

it('draws it at 100 % at 1920 × 1080 with the side panel open', { skip }, async () => {
  const page = await fx.player({ viewport: { width: 1920, height: 1080 } });
  try {
    assert.equal(await page.isVisible('#player-dock'), true);
    const { scale, height } = await drawnScale(page);
    assert.equal(scale, 1);
    assert.equal(height, 1);
    assert.match((await page.textContent('.scale')) ?? '', /^1280 × 800$/);
  } finally {
    await page.close();
  }
});

it('resizes the dock from the keyboard, collapses it, and the replay takes the room', { skip }, async () => {
  const page = await fx.player({ viewport: { width: 1280, height: 800 } });
  try {
    const width = async () => (await page.locator('#player-dock').boundingBox())!.width;
    const before = await width();
    await page.focus('.dock-handle');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await width(), Math.round(before) + 32, 'two steps of 16 px wider');
    assert.equal(await page.getAttribute('.dock-handle', 'aria-valuenow'), String(Math.round(before) + 32));
    const narrower = (await drawnScale(page)).scale;
    await page.click('.dock-collapse');
    assert.equal(await page.isVisible('#player-dock'), false);
    assert.equal(await page.getAttribute('#dock-toggle', 'aria-expanded'), 'false');
    await page.waitForFunction((s) => {
      const f = document.querySelector('.replayer-wrapper > iframe')!.getBoundingClientRect();
      return f.width / 1280 > s;
    }, narrower);
    await page.click('#dock-toggle');
    assert.equal(await page.isVisible('#player-dock'), true);
  } finally {
    await page.close();
  }
});

it('docks the panel below the replay on a narrow screen; f switches fullscreen on and off', { skip }, async () => {
  const page = await fx.player({ viewport: { width: 800, height: 900 } });
  try {
    const stage = (await page.locator('.stage').boundingBox())!;
    const dock = (await page.locator('#player-dock').boundingBox())!;
    assert.ok(dock.y >= stage.y + stage.height - 1, `dock at y=${dock.y}, stage ends at ${stage.y + stage.height}`);
    assert.equal(dock.width, 800);
    assert.equal(await page.isVisible('.dock-handle'), false, 'no side-by-side resizing when stacked');
    await page.locator('body').focus();
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement?.classList.contains('player-view') === true);
    // The button follows the fullscreenchange event, which fires after fullscreenElement is set.
    await page.waitForSelector('#fullscreen-toggle[aria-pressed="true"]', { timeout: 5_000 });
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.fullscreenElement === null);
    await page.waitForSelector('#fullscreen-toggle[aria-pressed="false"]', { timeout: 5_000 });
  } finally {
    await page.close();
  }
});

it('keeps keyboard focus out of the replay frame, which has a title', { skip }, async () => {
  const page = await fx.player({ viewport: { width: 1280, height: 800 } });
  try {
    assert.equal(await page.getAttribute('.replayer-wrapper > iframe', 'title'), "Replay of the customer's page");
    // Tab through everything: focus never lands in the frame (whose page has fields and buttons).
    await page.focus('.back-link');
    const seen: string[] = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      seen.push(await page.evaluate(() => document.activeElement?.tagName ?? ''));
    }
    assert.equal(seen.includes('IFRAME'), false, `focus went: ${seen.join(' ')}`);
    assert.ok(seen.includes('BUTTON'), 'Tab moves through the controls');
  } finally {
    await page.close();
  }
});

it('opens the shortcut help with ?, a modal dialog that Esc closes', { skip }, async () => {
  const page = await fx.player({ viewport: { width: 1280, height: 800 } });
  try {
    assert.equal(await page.isVisible('dialog.shortcut-help'), false);
    await page.keyboard.press('?');
    assert.equal(await page.isVisible('dialog.shortcut-help'), true);
    assert.equal(await page.evaluate(() => (document.querySelector('dialog.shortcut-help') as HTMLDialogElement).matches(':modal')), true);
    const keys = await page.$$eval('.shortcut-list kbd', (ks) => ks.map((k) => k.textContent));
    assert.deepEqual(keys, ['Space', '← / →', '[ / ]', 'n / N', 'f', '?', 'Esc']);
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('dialog.shortcut-help'), false);
    // The header's button opens it too.
    await page.click('#shortcut-help-button');
    assert.equal(await page.isVisible('dialog.shortcut-help'), true);
    await page.keyboard.press('Escape');
  } finally {
    await page.close();
  }
});

it('has no serious or critical axe-core violations', { skip }, async () => {
  const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
    const page = await fx.player({ viewport });
    try {
      await page.waitForSelector('.struggle-badge:not([hidden])');
      await page.evaluate(axeSource);
      const run = async (): Promise<string[]> => page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
        // The replayed page is the customer's, not the viewer's: judged by its own site, not here.
        const result = await axe.run({ exclude: [['.replayer-wrapper']] }, { resultTypes: ['violations'] });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(await run(), [], `at ${viewport.width} × ${viewport.height}`);
      // With the facts, the help dialog and the other panels open.
      await page.click('.facts-summary');
      assert.deepEqual(await run(), [], 'facts open');
      for (const tab of ['#pages-toggle', '#console-toggle', '#network-toggle']) {
        await page.click(tab);
        assert.deepEqual(await run(), [], `${tab} open`);
      }
      // The network waterfall with its rows, filters and a request's details open.
      await page.click('.network-body .network-row');
      await page.waitForSelector('.network-details:not([hidden])');
      assert.deepEqual(await run(), [], 'network waterfall rows and details');
      await page.keyboard.press('?');
      assert.deepEqual(await run(), [], 'help open');
    } finally {
      await page.close();
    }
  }
});
