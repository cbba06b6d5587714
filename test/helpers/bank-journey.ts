/**
 * What the end-to-end journeys through the forward proxy and through the gateway
 * both check: that the sample bank's four pages and their resources were recorded,
 * and that every recorded moment replays from the store within the pixel limit,
 * after the bank changed every asset and after it went away, without asking it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../../scripts/chromium';
import { runJourney } from '../../scripts/sample-bank/journey';
import type { SampleBank } from '../../scripts/sample-bank/server';
import type { Session } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { diffPng } from './pixels';
import type { Viewport } from './replay';

export interface Moment { label: string; at: number; png: Buffer }

/** Share of pixels allowed to differ between a live screenshot and its replay (anti-aliasing, caret). */
export const MAX_DIFF_RATIO = 0.01;

const CAPTURED = ['/css/site.css', '/css/theme.css', '/fonts/bank-text.ttf', '/img/bg.png', '/widgets/rates.html', '/api/offers', '/api/accounts'];

/**
 * Walks the sample bank's journey at `url` in a fresh context of `browser`, screenshotting each moment (kept in
 * `artifacts` as `<label>-live.png`) and failing on any page error.
 */
export async function recordJourney(browser: Browser, url: string, viewport: Viewport, artifacts: string): Promise<Moment[]> {
  const moments: Moment[] = [];
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await runJourney(page, url, async (label, p) => {
    const png = await p.screenshot({ animations: 'disabled', caret: 'hide' });
    moments.push({ label, at: Date.now(), png });
    await writeFile(path.join(artifacts, `${label}-live.png`), png);
    await p.waitForTimeout(300);
  });
  await context.close();
  assert.deepEqual(pageErrors, []);
  return moments;
}

export async function assertJourneyRecorded(store: VerbatimStore, session: Session, viewport: Viewport): Promise<void> {
  assert.deepEqual(session.pages.map((p) => new URL(p.url).pathname), ['/', '/login', '/accounts', '/terms']);
  assert.deepEqual(session.viewport, viewport);
  assert.match(session.browser ?? '', /Chrome/);
  const paths = new Set((await store.listCaptures(session.id)).map((c) => new URL(c.url).pathname));
  for (const p of CAPTURED) assert.ok(paths.has(p), `captured ${p}`);
}

export interface ReplayCheck {
  bank: SampleBank;
  moments: Moment[];
  viewport: Viewport;
  /** Where replay and diff images are written. */
  artifacts: string;
  replayShot(page: Page, at: number): Promise<Buffer>;
}

export async function assertReplaysMatch({ bank, moments, viewport, artifacts, replayShot }: ReplayCheck): Promise<void> {
  assert.equal(moments.length, 4);
  // A v2 live screenshot shows the comparison can tell the versions apart.
  bank.setVersion(2);
  const control = await launchChromium();
  const livePage = await control.newPage({ viewport });
  await livePage.goto(`${bank.url}/`);
  await livePage.waitForSelector('body[data-ready="true"]');
  await livePage.evaluate(() => document.fonts.ready.then(() => undefined));
  const changed = diffPng(moments[0]!.png, await livePage.screenshot());
  await control.close();
  assert.ok(changed.ratio > 0.2, `v2 differs from v1 by ${(changed.ratio * 100).toFixed(1)} %`);

  const before = bank.requestCount();
  const replayBrowser = await launchChromium();
  try {
    const page = await replayBrowser.newPage({ viewport: { width: 1600, height: 1200 } });
    for (const moment of moments) {
      const shot = await replayShot(page, moment.at);
      await writeFile(path.join(artifacts, `${moment.label}-replay.png`), shot);
      const diff = diffPng(moment.png, shot);
      await writeFile(path.join(artifacts, `${moment.label}-diff.png`), diff.diffPng);
      assert.ok(diff.ratio <= MAX_DIFF_RATIO,
        `${moment.label}: ${diff.diffPixels} of ${diff.totalPixels} pixels differ (${(diff.ratio * 100).toFixed(2)} %, limit ${MAX_DIFF_RATIO * 100} %); see ${artifacts}`);
    }
    assert.equal(bank.requestCount() - before, 0, 'the replay sent no request to the live site');

    // The site disappears altogether: the replay does not care.
    await bank.close();
    const shot = await replayShot(page, moments[2]!.at);
    assert.ok(diffPng(moments[2]!.png, shot).ratio <= MAX_DIFF_RATIO);
  } finally {
    await replayBrowser.close();
  }
}
