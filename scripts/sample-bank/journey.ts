/**
 * The scripted customer journey used by `npm run demo` and the end-to-end test:
 * home → log in → accounts (fill a transfer) → terms (scroll). At each settled
 * moment `onMoment` runs (the test takes its live screenshots there).
 */
import type { Page } from 'playwright';
import { READY_SELECTOR } from './server';

export type MomentHook = (label: string, page: Page) => Promise<void>;

export async function runJourney(page: Page, bankUrl: string, onMoment: MomentHook = async () => {}): Promise<void> {
  await page.goto(`${bankUrl}/`);
  await settle(page);
  await onMoment('home', page);

  await page.click('a.button[href="/login"]');
  await settle(page);
  await page.fill('#customer-id', '40041234');
  await page.fill('#password', 'correct horse battery');
  await onMoment('login', page);
  await Promise.all([page.waitForURL(/\/accounts/), page.click('form button[type="submit"]')]);
  await settle(page);
  await page.selectOption('#payee', { index: 1 });
  await page.fill('#amount', '125.00');
  await page.fill('#reference', 'Rent for December');
  await onMoment('accounts', page);

  await page.goto(`${bankUrl}/terms`);
  await settle(page);
  await page.mouse.wheel(0, 1200);
  await page.waitForFunction(() => window.scrollY > 1000);
  await page.waitForTimeout(400);
  await onMoment('terms', page);
  // Leaving the page flushes the recorder's last batch (pagehide).
  await page.goto('about:blank');
}

async function settle(page: Page): Promise<void> {
  await page.waitForSelector(READY_SELECTOR);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // Let the recorder see the final mutations and images decode before anyone looks.
  await page.waitForTimeout(500);
}
