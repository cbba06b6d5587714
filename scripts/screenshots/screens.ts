/**
 * Every screen the screenshots script saves: who looks, at which address, what to do before the picture, and one
 * line for docs/SCREENSHOTS.md. A screen whose route this build does not have (404) or that the role may not open
 * is skipped with a message, so the list can name screens other branches add before they are merged.
 */
import type { Page } from 'playwright';
import type { Role } from './verbatim-process';

export const DESKTOP = { width: 1280, height: 800 };
export const WIDE = { width: 1920, height: 1080 };

export interface Seeded {
  /** The session with the struggle journey (rage and dead clicks, a form error, a 404, a console error). */
  sessionId: string;
  customerId: string;
  /** A session still being recorded, for the live view; undefined when none could be kept open. */
  liveSessionId?: string;
  reviewRunId?: string;
}

export interface Screen {
  name: string;
  /** undefined: signed out. */
  role?: Role;
  path(s: Seeded): string | undefined;
  sizes: { width: number; height: number }[];
  /** Waits for the screen's content and sets it up (opens a panel); throws when the screen is not what it should be. */
  prepare?(page: Page): Promise<void>;
  caption: string;
}

const player = async (page: Page): Promise<void> => {
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  // The feed and struggle badge fill in after the first frame.
  await page.waitForSelector('.struggle-badge:not([hidden])', { timeout: 10_000 }).catch(() => undefined);
};
const panel = (toggle: string, ready: string, then?: (page: Page) => Promise<void>) => async (page: Page): Promise<void> => {
  await player(page);
  await page.click(toggle);
  await page.waitForSelector(ready, { timeout: 10_000 });
  await then?.(page);
};

export const SCREENS: Screen[] = [
  { name: 'signin', path: () => '/signin', sizes: [DESKTOP], caption: 'Sign-in page.', prepare: (p) => p.waitForSelector('form').then(() => undefined) },
  { name: 'agent-home', role: 'agent', path: () => '/', sizes: [DESKTOP], caption: "Agent's home: the customer lookup." },
  { name: 'agent-customer', role: 'agent', path: (s) => `/?customer=${encodeURIComponent(s.customerId)}`, sizes: [DESKTOP], caption: "Agent's lookup answered: that customer's sessions across channels." },
  { name: 'analyst-sessions', role: 'analyst', path: () => '/', sizes: [DESKTOP], caption: 'Analyst and compliance home: the session list (sortable, filters, paging).' },
  { name: 'search-results', role: 'analyst', path: () => `/?q=${encodeURIComponent('status:>=400')}`, sizes: [DESKTOP], caption: 'Search results for `status:>=400`, with facets.' },
  { name: 'admin', role: 'admin', path: () => '/admin', sizes: [DESKTOP], caption: "Administrator's home: users, terminals, policy, store health." },
  { name: 'auditor-audit', role: 'auditor', path: () => '/audit', sizes: [DESKTOP], caption: "Auditor's home: the audit trail with filters, paging and the chain's status." },
  { name: 'player-activity', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP, WIDE], prepare: player, caption: 'Player with the activity feed (clicks, inputs, errors, struggle) beside the replay.' },
  { name: 'player-pages', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP, WIDE], prepare: panel('#pages-toggle', '#pages-panel:not([hidden])'), caption: 'Player with the pages visited.' },
  {
    name: 'player-network', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP, WIDE], caption: 'Player with the network waterfall widened, filtered to errors, a failed request chosen: its timings and stored response headers.',
    prepare: panel('#network-toggle', '.network-body .network-row', async (page) => {
      await page.click('.network-widen');
      // Errors only, then the first: the filter and a failed request's details in one picture.
      await page.check('.network-errors-only');
      if (!(await page.locator('.network-body .network-row').count())) await page.uncheck('.network-errors-only');
      await page.locator('.network-body .network-row').first().click();
      await page.waitForSelector('.network-details:not([hidden])');
    }),
  },
  { name: 'player-console', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP, WIDE], prepare: panel('#console-toggle', '#console-panel:not([hidden])'), caption: 'Player with the console panel (recorded errors).' },
  {
    name: 'player-shortcuts', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP], caption: 'Player with the keyboard shortcuts help (`?`).',
    prepare: async (page) => {
      await player(page);
      await page.keyboard.press('?');
      await page.waitForSelector('dialog.shortcut-help[open]');
    },
  },
  {
    name: 'live-view', role: 'analyst', path: (s) => (s.liveSessionId ? `/sessions/${s.liveSessionId}/live` : undefined), sizes: [DESKTOP], caption: 'Live view of a session being recorded.',
    prepare: (p) => p.waitForSelector('html[data-live-state="live"]', { timeout: 20_000 }).then(() => undefined),
  },
  { name: 'reviews', role: 'compliance', path: () => '/reviews', sizes: [DESKTOP], caption: 'Compliance reviews: saved searches and their runs.' },
  { name: 'review-run', role: 'compliance', path: (s) => (s.reviewRunId ? `/reviews/runs/${s.reviewRunId}` : undefined), sizes: [DESKTOP], caption: 'A review run: its result set with marks and signature.' },
  { name: 'analytics-fields', role: 'analyst', path: () => '/analytics/fields', sizes: [DESKTOP], caption: 'Field analytics: forms and their fields.' },
  { name: 'analytics-funnels', role: 'analyst', path: () => '/analytics/funnels', sizes: [DESKTOP], caption: 'Funnels: a saved funnel from the home page to the accounts.' },
  { name: 'analytics-journeys', role: 'analyst', path: () => '/analytics/journeys', sizes: [DESKTOP], caption: 'Journey map.' },
  { name: 'analytics-clickmap', role: 'analyst', path: () => '/analytics/clickmap', sizes: [DESKTOP], caption: 'Click map.' },
  {
    name: 'versions', role: 'analyst', path: () => '/versions', sizes: [DESKTOP], caption: 'Site versions per site (first and last seen, sessions) and what changed between two.',
    prepare: (p) => p.waitForSelector('main').then(() => undefined),
  },
  {
    name: 'player-notes', role: 'analyst', path: (s) => `/sessions/${s.sessionId}`, sizes: [DESKTOP], caption: 'Player with the Notes panel: a note added at the moment shown, its marker on the timeline.',
    prepare: async (page) => {
      await player(page);
      await page.click('#add-note');
      await page.fill('#note-text', 'Customer says the Send button did nothing here.');
      await page.click('.notes-form button[type="submit"]');
      await page.waitForSelector('.note-item');
    },
  },
];
