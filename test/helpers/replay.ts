/**
 * Opens the viewer's player at a moment and screenshots exactly the replayed page,
 * checking that the replay frame sits unscaled at the recorded viewport size.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright';

export interface Viewport { width: number; height: number }

/** `query` selects the moment (e.g. `at=<epoch-ms>`, `track=1&at=…`); the cursor overlay is hidden. */
export async function replayMoment(page: Page, viewerUrl: string, sessionId: string, query: string, viewport: Viewport): Promise<Buffer> {
  await page.goto(`${viewerUrl}/sessions/${sessionId}?${query}&cursor=0`);
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  const box = (await (await page.waitForSelector('.replayer-wrapper iframe')).boundingBox())!;
  // Unscaled, at the recorded viewport size (the window is large enough).
  assert.ok(Math.abs(box.width - viewport.width) < 1 && Math.abs(box.height - viewport.height) < 1,
    `replay frame is ${box.width}x${box.height}, recorded ${viewport.width}x${viewport.height}`);
  return page.screenshot({
    animations: 'disabled', caret: 'hide',
    clip: { x: Math.round(box.x), y: Math.round(box.y), width: viewport.width, height: viewport.height },
  });
}
