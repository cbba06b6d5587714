/**
 * The fidelity suite's shared case list and page helpers. Every runner (forward
 * and gateway proxy modes in fidelity.test.ts, the kiosk extension in
 * kiosk-fidelity.test.ts) iterates over CASES, so a case added here runs on
 * every recording path.
 */
import type { Browser, Page } from 'playwright';
import { CONTROL_AGENT } from './site';

export const VIEWPORT = { width: 1280, height: 800 };
/** Default share of pixels allowed to differ (anti-aliasing); a case states its own when it needs more. */
export const MAX_DIFF = 0.001;

export interface Case {
  name: string;
  path: string;
  /** What the customer does once the page is ready, before the live screenshot. */
  act?: (page: Page) => Promise<void>;
  /** After recording: change every asset to version 2, or also delete them all. */
  after: 'change' | 'delete';
  /** Allowed pixel difference, when not MAX_DIFF; `why` says what differs. */
  maxDiff?: number;
  why?: string;
}

export const ready = (page: Page) => page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });

export const CASES: Case[] = [
  { name: 'CSP header: nonce, connect-src self, fetch-rendered', path: '/csp-header', after: 'change' },
  { name: 'CSP <meta> with a hash source', path: '/csp-meta', after: 'change' },
  { name: "CSP 'strict-dynamic'", path: '/csp-strict-dynamic', after: 'change' },
  { name: 'CSP report-only', path: '/csp-report-only', after: 'delete' },
  { name: 'CSP Trusted Types enforced', path: '/csp-trusted-types', after: 'change' },
  { name: 'cross-origin stylesheet without CORS (+@import, url())', path: '/cross-css', after: 'delete' },
  { name: 'third-party font, images, srcset and a redirected asset', path: '/cross-assets', after: 'delete' },
  { name: '@import chain, relative and root-relative url()', path: '/imports', after: 'change' },
  { name: '@font-face', path: '/font-face', after: 'delete' },
  { name: 'srcset and <picture>', path: '/srcset', after: 'change' },
  { name: 'SVG <use href> sprites', path: '/svg-sprite', after: 'delete' },
  {
    name: 'lazy-loaded images scrolled into view', path: '/lazy', after: 'change',
    act: async (page) => {
      await page.evaluate(() => window.scrollTo(0, 1400));
      await page.waitForFunction(() => Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0));
      await page.waitForTimeout(400);
    },
  },
  { name: 'same-origin and cross-origin iframes', path: '/iframes', after: 'change' },
  { name: 'shadow DOM, custom elements, adoptedStyleSheets, insertRule', path: '/shadow', after: 'change' },
  { name: 'canvas drawn by script', path: '/canvas', after: 'change' },
  {
    name: 'SPA: pushState, fetch and XHR-rendered content', path: '/spa', after: 'change',
    act: async (page) => {
      await page.click('#to-details');
      await page.waitForSelector('body[data-route="details"][data-ready="true"]');
      await page.waitForURL('**/spa/details');
      await page.mouse.move(1200, 780);
    },
  },
  {
    name: 'form controls: select, checkbox, radio, textarea', path: '/forms', after: 'change',
    act: async (page) => {
      await page.selectOption('#sel', 'Mortgage');
      await page.check('#cb1');
      await page.uncheck('#cb2');
      await page.check('#r2');
      await page.fill('#txt', 'typed text');
      await page.fill('#ta', 'two lines\nof text');
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.mouse.move(1200, 780);
      await page.waitForTimeout(300);
    },
  },
  {
    name: 'scrolling inside elements', path: '/scroll-inside', after: 'change',
    act: async (page) => {
      await page.evaluate(() => {
        document.getElementById('pane')!.scrollTop = 700;
        document.getElementById('hpane')!.scrollLeft = 900;
      });
      await page.waitForTimeout(500);
    },
  },
  {
    name: 'hover and focus states', path: '/hover-focus', after: 'change',
    act: async (page) => {
      await page.click('#field');
      await page.hover('#btn');
      await page.waitForTimeout(300);
    },
  },
  { name: 'page that registers a service worker', path: '/service-worker', after: 'change' },
  // Canvases replayed without any script in the replay frame (canvas-pages.ts).
  { name: 'canvas drawn only before recording starts', path: '/canvas-before', after: 'change' },
  {
    name: 'Chart.js chart, drawn before recording and updated after', path: '/chartjs', after: 'change',
    act: async (page) => {
      await page.click('#update');
      await page.waitForSelector('body[data-ready="true"]');
      await page.mouse.move(1200, 780);
    },
  },
];

export async function settle(page: Page): Promise<void> {
  await ready(page);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

/** The same moment on the live site as it is now, straight from `siteUrl`, in a context of `browser`. */
export async function liveNow(browser: Browser, siteUrl: string, c: Case): Promise<Buffer> {
  const context = await browser.newContext({ viewport: VIEWPORT, userAgent: CONTROL_AGENT });
  try {
    const page = await context.newPage();
    await page.goto(`${siteUrl}${c.path}`);
    await settle(page).catch(() => undefined); // a deleted asset may keep the page from getting ready
    await c.act?.(page).catch(() => undefined);
    await page.waitForTimeout(200);
    return await page.screenshot({ animations: 'disabled', caret: 'hide' });
  } finally {
    await context.close();
  }
}

export const pct = (r: number): string => `${(r * 100).toFixed(2)} %`;
