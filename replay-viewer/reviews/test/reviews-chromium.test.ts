/**
 * The Reviews page in real Chromium, signed in as compliance: "Save for review" from a search, save and edit it, run
 * it over November, flag a session with a note (the card number in it comes back masked), open-the-replay links, and
 * the CSV download's content.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright';
import { DEFAULT_POLICY, Masker } from '../../../proxy/masking/index';
import { launchChromium } from '../../../scripts/chromium';
import { loadOrCreateSigningKey } from '../../../store/integrity/index';
import { AccountStore, AuditLog, ViewerAccess } from '../../auth/index';
import { startViewer, type Viewer } from '../../server';
import { SearchRoutes } from '../../search/index';
import { bench, recordJourney, type Bench } from '../../search/test/index-fixtures';
import { FileReviewRepository, ReviewRoutes, ReviewService, REVIEWS_DIR } from '../index';

const root = path.resolve(import.meta.dirname, '../../..');
const NOV = Date.UTC(2026, 10, 1);
const QUERY = 'offer then status:>=500';
const PASSWORD = 'correct horse battery';

describe('Reviews page (Chromium)', () => {
  let b: Bench;
  let viewer: Viewer;
  let browser: Browser;

  before(async () => {
    b = await bench('reviews-ui');
    await recordJourney(b.store, 'nov-a', NOV + 3 * 86_400_000, { seen: 'Savings offer 5.1 %', typed: 'x', channel: 'kiosk' });
    await recordJourney(b.store, 'nov-b', NOV + 20 * 86_400_000, { seen: 'Savings offer 5.1 %', typed: 'y' });
    await recordJourney(b.store, 'oct-z', NOV - 60_000, { seen: 'Savings offer 5.1 %', typed: 'z' });
    await b.store.linkCustomer({ sessionId: 'nov-a', customerId: 'C-1', source: 'test', at: NOV });
    const search = await b.open();
    await search.follower.catchUp();
    const masker = new Masker(DEFAULT_POLICY);
    const accounts = await AccountStore.open(path.join(b.dir, 'accounts.json'));
    await accounts.add('officer', 'compliance', PASSWORD);
    const service = new ReviewService({
      repo: await FileReviewRepository.open(path.join(b.dir, REVIEWS_DIR)), index: search.index, store: b.store,
      signingKey: await loadOrCreateSigningKey(b.keysDir), mask: (s) => masker.text(s),
    });
    viewer = await startViewer({
      store: b.store, uiDir: path.join(root, 'dist', 'viewer'),
      access: new ViewerAccess({ accounts, audit: await AuditLog.open(path.join(b.dir, 'audit.log')) }),
      search: new SearchRoutes(search.index, b.store, search.key),
      reviews: new ReviewRoutes(service, search.key),
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await viewer?.close();
    await b.close();
  });

  it('saves a search, runs it, flags a session with a note and downloads the CSV', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(`${viewer.url}/signin`);
    await page.fill('input[name="username"]', 'officer');
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${viewer.url}/`), page.click('button[type="submit"]')]);

    await page.goto(`${viewer.url}/?${new URLSearchParams({ q: QUERY })}`);
    await page.waitForSelector('.search-result');
    const save = page.locator('a.save-review');
    await save.waitFor({ state: 'visible' });
    await Promise.all([page.waitForURL('**/reviews?query=*'), save.click()]);
    assert.equal(await page.inputValue('#review-query'), QUERY);
    await page.fill('#review-name', 'Offer shown, then a failed transfer');
    await page.selectOption('#review-schedule', 'monthly');
    await page.click('.review-form button[type="submit"]');
    const row = page.locator('.review-table tr', { hasText: 'Offer shown, then a failed transfer' });
    await row.waitFor();
    assert.equal(await row.locator('select').inputValue(), 'monthly');
    await row.locator('button', { hasText: 'Edit' }).click();
    assert.equal(await page.inputValue('#review-name'), 'Offer shown, then a failed transfer');
    assert.equal(await page.inputValue('#review-query'), QUERY);
    await page.fill('#review-name', 'Offer shown, then a failed transfer (Q4)');
    await page.click('.review-form button[type="submit"]');
    await page.locator('.review-table tr', { hasText: '(Q4)' }).waitFor();
    assert.equal(await page.locator('.review-table tbody tr').count(), 1);
    await row.locator('input[type="date"]').nth(0).fill('2026-11-01');
    await row.locator('input[type="date"]').nth(1).fill('2026-11-30');
    await Promise.all([page.waitForURL('**/reviews/runs/*'), row.locator('button', { hasText: 'Run' }).click()]);

    await page.waitForSelector('.review-table tbody tr');
    assert.deepEqual(await page.locator('.review-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.sessionId)), ['nov-b', 'nov-a']);
    assert.equal(await page.textContent('.review-progress'), '0 reviewed · 0 flagged · 2 open');
    assert.match((await page.textContent('.review-signature')) ?? '', /^Signature verifies \(store key [0-9a-f]{8}\)$/);
    const a = page.locator('tr[data-session-id="nov-a"]');
    assert.match((await a.locator('a.session-link').getAttribute('href')) ?? '', /^\/sessions\/nov-a\?at=\d+&q=offer\+then\+status%3A%3E%3D500$/);
    assert.equal(await a.locator('td').nth(2).textContent(), 'Linked');

    await a.locator('textarea').fill('Called the customer; card 4111 1111 1111 1111 on screen');
    await a.locator('button', { hasText: 'Flag' }).click();
    await a.locator('.review-status[data-status="flagged"]').waitFor();
    assert.equal(await page.textContent('.review-progress'), '0 reviewed · 1 flagged · 1 open');
    const kept = await a.locator('textarea').inputValue();
    assert.ok(kept.startsWith('Called the customer; card ') && kept.endsWith(' on screen') && !kept.includes('1111'), kept);
    await a.locator('button', { hasText: 'Reviewed' }).click();
    await a.locator('.review-status[data-status="reviewed"]').waitFor();
    assert.equal(await a.locator('.review-history li').count(), 1);
    assert.match((await a.locator('.review-history li').textContent()) ?? '', /^Flagged by officer, .*: Called the customer; card /);

    // After a reload, from the server.
    await page.reload();
    await page.locator('tr[data-session-id="nov-a"] .review-status[data-status="reviewed"]').waitFor();
    assert.equal(await page.textContent('.review-progress'), '1 reviewed · 0 flagged · 1 open');
    await page.selectOption('.review-filter', 'open');
    assert.deepEqual(await page.locator('.review-table tbody tr:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.sessionId)), ['nov-b']);
    await page.selectOption('.review-filter', 'all');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download CSV")')]);
    const csv = (await readFile((await download.path())!, 'utf8')).split('\r\n');
    assert.match(download.suggestedFilename(), /^verbatim-review-r-[a-z0-9]+-[0-9a-f]{8}\.csv$/);
    assert.equal(csv[0], 'session_id,started_at,channel,customer_linked,first_match_at,match_count,replay_path,status,note,marked_by,marked_at');
    assert.match(csv[1]!, /^nov-b,2026-11-21T00:00:00\.000Z,proxy,no,.*,open,,,$/);
    assert.match(csv[2]!, /^nov-a,2026-11-04T00:00:00\.000Z,kiosk,yes,.*,reviewed,"?Called the customer; card [^1]*on screen"?,officer,2026-/);
    assert.equal(csv.length, 4);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
