/**
 * Notes in the player, in real Chromium against the real viewer, access layer and a LevelDB store with a keyring: a
 * colleague's note shows as a marker on the seek bar, an item in the activity feed and an entry in the Notes panel;
 * "Add note at 0:20" adds one at the moment shown (stored with that moment and page); hostile text is shown as text;
 * clicking a note seeks there; the author edits and deletes their own note and cannot change the colleague's; the
 * panel passes axe-core (no serious or critical violation).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { axeProblems } from '../../test/helpers/axe';
import { storeSyntheticSession } from '../../test/helpers/synthetic-session';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { DEFAULT_POLICY, Masker } from '../../proxy/masking/index';

const skip = !existsSync(CHROMIUM_PATH);
/** The UI as `npx tsx scripts/build.ts` built it (run before the tests). */
const UI_DIR = path.resolve(import.meta.dirname, '../../dist/viewer');
const SID = 'p2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const PASSWORD = 'player notes password';
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'"> asked about the fee';

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-player-notes-'));
  const keysDir = path.join(dir, 'keys');
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await storeSyntheticSession(store, { id: SID, startedAt: T0, durationMs: 60_000 });
  await store.putNote({ sessionId: SID, id: 'colleague1', at: T0 + 40_000, author: 'andy', text: 'Customer hesitated here', createdAt: T0 + 100_000, pageId: 'p1', track: 0 });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  await accounts.add('ana', 'analyst', PASSWORD);
  await accounts.add('andy', 'analyst', PASSWORD);
  const masker = new Masker(DEFAULT_POLICY);
  viewer = await startViewer({
    store, uiDir: UI_DIR, access: new ViewerAccess({ accounts, audit: await AuditLog.open(path.join(dir, 'audit.log')) }),
    notes: { mask: (text) => masker.text(text) },
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('shows notes on the seek bar, in the feed and the panel; adds, seeks, edits and deletes one; text stays text', { skip }, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  try {
    assert.equal((await page.request.post(`${viewer.url}/auth/login`, { data: { username: 'ana', password: PASSWORD } })).status(), 200);
    await page.goto(`${viewer.url}/sessions/${SID}?at=${T0 + 20_000}`);
    await page.waitForFunction((t) => document.documentElement.dataset.replayTime === String(t) && document.documentElement.dataset.replayReady === 'true', T0 + 20_000);
    await page.waitForSelector('.timeline-marker.note');
    assert.equal(await page.locator('.timeline-marker.note').count(), 1);
    assert.equal(await page.getAttribute('.timeline-marker.note', 'title'), '0:40 · Note by andy: Customer hesitated here');
    assert.equal(await page.locator('#timeline-markers-described li.note').count(), 1, 'described to screen readers');
    assert.deepEqual(await page.$$eval('.activity-item[data-kind="note"]', (els) => els.map((e) => [e.querySelector('.activity-label')!.textContent, e.querySelector('.activity-detail')!.textContent])),
      [['Customer hesitated here', 'andy']]);
    assert.equal(await page.textContent('#add-note'), 'Add note at 0:20');

    // Add a note at the moment shown.
    await page.click('#add-note');
    assert.equal(await page.isVisible('#notes-panel'), true, 'the Notes panel opens');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'note-text', 'on the text field');
    assert.equal(await page.textContent('label[for="note-text"]'), 'Note at 0:20');
    // The colleague's note: no edit or delete for an analyst who did not write it.
    assert.equal(await page.locator('.note-item[data-note="colleague1"] .note-actions').count(), 0);
    await page.fill('#note-text', HOSTILE);
    await page.click('.notes-form button[type="submit"]');
    await page.waitForSelector('.note-item >> nth=1');
    const stored = (await store.listNotes(SID)).find((n) => n.author === 'ana')!;
    assert.deepEqual([stored.at, stored.pageId, stored.track, stored.text], [T0 + 20_000, 'p1', 0, HOSTILE]);
    const mine = `.note-item[data-note="${stored.id}"]`;
    assert.equal(await page.textContent(`${mine} .note-text`), HOSTILE, 'shown as text');
    assert.equal(await page.locator('#notes-panel img, .activity-list img').count(), 0, 'never as HTML');
    assert.notEqual(await page.title(), 'pwned');
    assert.equal(await page.locator('.timeline-marker.note').count(), 2);
    assert.equal(await page.locator('.activity-item[data-kind="note"]').count(), 2);
    assert.deepEqual(await axeProblems(page), [], 'no serious or critical accessibility violations with the Notes panel open');

    // Clicking a note seeks to its moment.
    await page.click('.note-item[data-note="colleague1"] .note-seek');
    await page.waitForFunction((t) => document.documentElement.dataset.replayTime === String(t) && document.documentElement.dataset.replayReady === 'true', T0 + 40_000);

    // Edit, then delete, one's own note.
    await page.click(`${mine} .note-actions button:has-text("Edit")`);
    await page.fill(`#note-edit-${stored.id}`, 'Customer asked about the fee');
    await page.click(`${mine} .note-editor button[type="submit"]`);
    await page.waitForSelector(`${mine} .note-text:has-text("Customer asked about the fee")`);
    assert.equal((await store.getNote(SID, stored.id))?.text, 'Customer asked about the fee');
    assert.match((await page.textContent(`${mine} .note-when`)) ?? '', /\(edited\)$/);
    assert.equal(await page.textContent('.activity-item[data-kind="note"][data-offset="20000"] .activity-label'), 'Customer asked about the fee');
    await page.click(`${mine} .note-actions button:has-text("Delete")`);
    await page.waitForSelector(mine, { state: 'detached' });
    assert.deepEqual((await store.listNotes(SID)).map((n) => n.id), ['colleague1']);
    assert.equal(await page.locator('.timeline-marker.note').count(), 1);
    assert.equal(await page.locator('.activity-item[data-kind="note"]').count(), 1);
    assert.equal(await page.textContent('#notes-toggle'), 'Notes (1)');
  } finally {
    await context.close();
  }
});
