/**
 * axe-core (the real package) on the viewer pages no other test checks, in one browser over one seeded data dir: the
 * sign-in page, search results, the reviews page and a review run, the four analytics pages (fields, funnels, journeys,
 * click maps), and the error pages a browser gets (a page the role may not use, a page that does not exist). No
 * serious or critical violation on any. (The player, the list, the agent home, /admin, /audit and the live view are
 * checked by their own tests.) Seeded: a replayable session indexed by search, a saved funnel, a saved search and a
 * run of it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { axeProblems } from '../../test/helpers/axe';
import { storeSyntheticSession } from '../../test/helpers/synthetic-session';
import { openAnalytics } from '../analytics/index';
import { FieldAnalyticsRoutes } from '../analytics/fields/fields-routes';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { openReviews, type OpenedReviews } from '../reviews/index';
import { openSearch, type OpenedSearch } from '../search/index';
import { SearchRoutes } from '../search/search-routes';
import { startViewer, type Viewer } from '../server';

const skip = !existsSync(CHROMIUM_PATH);
/** The UI as `npx tsx scripts/build.ts` built it (run before the tests). */
const UI_DIR = path.resolve(import.meta.dirname, '../../dist/viewer');
const PASSWORD = 'axe pages password';
const SID = 'x2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = Date.now() - 3_600_000;

let dir: string;
let store: LevelStore;
let search: OpenedSearch;
let reviews: OpenedReviews;
let viewer: Viewer;
let browser: Browser;
let runId: string;
const contexts = new Map<string, BrowserContext>();

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-axe-pages-'));
  const keysDir = path.join(dir, 'keys');
  store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await storeSyntheticSession(store, { id: SID, startedAt: T0, durationMs: 30_000, customerId: 'C-9' });
  search = await openSearch({ dataDir: dir, keysDir, store, worker: false, log: () => undefined });
  await search.follower.catchUp();
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const [name, role] of [['ana', 'analyst'], ['cora', 'compliance'], ['agnes', 'agent']] as const) await accounts.add(name, role, PASSWORD);
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  reviews = await openReviews({ dataDir: dir, keysDir, store, index: search.index, key: search.key, mask: (s) => s, audit: (e) => audit.append(e), log: () => undefined });
  const saved = await reviews.service.createSearch({ name: 'Accounts pages', query: 'accounts', schedule: 'none' }, 'cora');
  runId = ((await reviews.service.run(saved, { from: T0 - 86_400_000, to: Date.now() + 60_000 }, 'cora', 'on-demand', 'r-axe-1')).run as unknown as { runId: string }).runId ?? 'r-axe-1';
  const analytics = openAnalytics({ dataDir: dir, index: search.index });
  viewer = await startViewer({
    store, uiDir: UI_DIR, access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
    search: new SearchRoutes(search.index, store, search.key), reviews: reviews.routes,
    fieldAnalytics: new FieldAnalyticsRoutes(search.index), analytics,
  });
  browser = await launchChromium();
  // A funnel to show, saved through the API as a user would.
  const ana = await signedIn('ana');
  const csrf = ((await (await ana.request.get(`${viewer.url}/api/me`)).json()) as { csrf: string }).csrf;
  const res = await ana.request.post(`${viewer.url}/api/analytics/funnels`, { headers: { 'x-verbatim-csrf': csrf }, data: { name: 'Accounts', steps: [{ kind: 'page', match: '/accounts', label: 'Accounts' }, { kind: 'page', match: '/done', label: 'Done' }] } });
  assert.equal(res.status(), 201, await res.text());
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await reviews?.scheduler.stop?.();
  await search?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** One context per user (CSP bypassed so axe-core can be injected), signed in once. */
async function signedIn(user: string): Promise<BrowserContext> {
  let context = contexts.get(user);
  if (!context) {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    const res = await context.request.post(`${viewer.url}/auth/login`, { data: { username: user, password: PASSWORD } });
    assert.equal(res.status(), 200, `${user} signs in`);
    contexts.set(user, context);
  }
  return context;
}

async function check(context: BrowserContext, url: string, ready: (page: Page) => Promise<unknown>, status = 200): Promise<string[]> {
  // Each page in a tab of its own: a page's leftovers (dialogs, timers) never reach the next check.
  const page = await context.newPage();
  try {
    const res = await page.goto(`${viewer.url}${url}`);
    assert.equal(res?.status(), status, url);
    await ready(page);
    return (await axeProblems(page)).map((p) => `${url}: ${p}`);
  } finally {
    await page.close();
  }
}

const settled = (page: Page, selector: string) => page.waitForSelector(selector);
/** No status line still says it is loading. */
const loaded = (page: Page) => page.waitForFunction(() => ![...document.querySelectorAll('[role="status"]')].some((s) => /Loading|Searching|Counting|Running/i.test(s.textContent ?? '')));

it('finds no serious or critical axe-core violation on any page other tests leave unchecked', { skip }, async () => {
  const problems: string[] = [];
  const anon = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  contexts.set('anon', anon);
  problems.push(...await check(anon, '/signin', (p) => settled(p, 'form.signin')));
  const ana = await signedIn('ana');
  problems.push(...await check(ana, '/?q=accounts', (p) => settled(p, '.search-results li').then(() => loaded(p))));
  problems.push(...await check(ana, '/analytics/fields', (p) => settled(p, '.analytics-view').then(() => loaded(p))));
  problems.push(...await check(ana, '/analytics/funnels', (p) => settled(p, '.funnel-result').then(() => loaded(p))));
  problems.push(...await check(ana, '/analytics/journeys', (p) => settled(p, '.journey-result').then(() => loaded(p))));
  problems.push(...await check(ana, '/analytics/clickmap', (p) => settled(p, '.clickmap-view').then(() => loaded(p))));
  const cora = await signedIn('cora');
  problems.push(...await check(cora, '/reviews', (p) => settled(p, '.review-searches').then(() => loaded(p))));
  problems.push(...await check(cora, `/reviews/runs/${runId}`, (p) => settled(p, '.review-table').then(() => loaded(p))));
  const agnes = await signedIn('agnes');
  problems.push(...await check(agnes, '/analytics/fields', (p) => settled(p, 'main h1'), 403));
  assert.deepEqual(problems, []);
  // A page that does not exist: the same template (checked above), with its own words.
  const missing = await agnes.newPage();
  assert.equal((await missing.goto(`${viewer.url}/no/such/page`))?.status(), 404);
  assert.deepEqual([await missing.title(), await missing.textContent('main h1'), await missing.getAttribute('html', 'lang')], ['Page not found · Verbatim', 'Page not found', 'en']);
  await missing.close();
});
