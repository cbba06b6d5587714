/**
 * Recorded journeys for the screenshots: real Chromium through the real proxy over the sample bank. The demo journey
 * (home → log in → accounts with a transfer filled in → terms) plus one with struggle in it: a rage click on the
 * product picture, a dead click on a heading, an empty login sent (the form's error), a page that is not there
 * (a 404 in the network log) and a console error; and a second customer's short visit, so lists have more than one row.
 */
import type { Browser, Page } from 'playwright';
import { runJourney } from '../sample-bank/journey';
import { READY_SELECTOR } from '../sample-bank/server';

export const CUSTOMER = '40041234';
const OTHER_CUSTOMER = '40049876';

export async function recordJourneys(browser: Browser, bankUrl: string): Promise<void> {
  await withPage(browser, (page) => runJourney(page, bankUrl));
  await withPage(browser, (page) => struggleJourney(page, bankUrl));
  await withPage(browser, async (page) => {
    await page.goto(`${bankUrl}/login`);
    await settle(page);
    await page.fill('#customer-id', OTHER_CUSTOMER);
    await page.fill('#password', 'another password here');
    await Promise.all([page.waitForURL(/\/accounts/), page.click('form button[type="submit"]')]);
    await settle(page);
    await page.goto('about:blank');
  });
}

async function struggleJourney(page: Page, bankUrl: string): Promise<void> {
  await page.goto(`${bankUrl}/`);
  await settle(page);
  // A rage click: the same picture, five times in a second.
  const picture = page.locator('.product img').first();
  for (let i = 0; i < 5; i++) await picture.click({ delay: 20 });
  await page.waitForTimeout(600);
  // A dead click: a heading that does nothing.
  await page.locator('h1, h2').first().click();
  await page.waitForTimeout(600);
  await page.click('a.button[href="/login"]');
  await settle(page);
  // The form sent empty: the site answers with its error.
  await page.evaluate(() => document.querySelector('form')?.setAttribute('novalidate', ''));
  await Promise.all([page.waitForURL(/error=1/), page.click('form button[type="submit"]')]);
  await settle(page);
  await page.evaluate(() => console.error('Transfer widget failed to load: timeout'));
  await page.fill('#customer-id', CUSTOMER);
  await page.fill('#password', 'correct horse battery');
  await Promise.all([page.waitForURL(/\/accounts/), page.click('form button[type="submit"]')]);
  await settle(page);
  await page.evaluate(async () => {
    await fetch('/api/statements/2026-11').catch(() => undefined); // not there: a 404 in the network log
  });
  await page.waitForTimeout(2_000);
  await page.goto('about:blank');
}

async function withPage(browser: Browser, journey: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await journey(await context.newPage());
  } finally {
    await context.close();
  }
}

export async function settle(page: Page): Promise<void> {
  await page.waitForSelector(READY_SELECTOR);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(500);
}
