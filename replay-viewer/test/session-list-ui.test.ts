/**
 * The session list and the role homes in real Chromium at 1280 × 800 (the homes also at 1920 × 1080), over a real LevelDB store, the real search
 * follower and SQLite index, and the real access layer. 5,000 sessions start within 3 ms; 40 of them have a recorded
 * page. Through GET /api/search every session is reached exactly once in every order at 200 a page; the list hides
 * empty sessions until asked, sorts on a header click, pages on, keeps columns per account; every role signs in on
 * the sign-in page and lands on its own home; the agent finds one customer's sessions across channels; axe-core
 * finds no serious or critical violation on the list or the agent's home.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { openSearch, SearchRoutes, type OpenedSearch } from '../search/index';
import { SORT_KEYS } from '../search/list-order';
import type { SearchResponse } from '../search/types';
import { buildViewerUi } from './build-ui';
import { rawRequest } from './http-client';

const skip = !existsSync(CHROMIUM_PATH);
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const N = 5_000;
const WITH_PAGES = 40;
const PASSWORD = 'session list password';
const CHANNELS = ['proxy', 'gateway', 'kiosk'] as const;
const CUSTOMER = 'CUST-4711';
const idOf = (i: number) => `l${String(i).padStart(6, '0')}k4m5n6p7r8s9t2v3`;
/** The customer's three sessions (one per channel) and another customer's. */
const CUSTOMER_SESSIONS = [3, 4, 5].map(idOf);
const OTHER_CUSTOMER = idOf(6);

let dir: string;
let store: LevelStore;
let search: OpenedSearch;
let viewer: Viewer;
let browser: Browser;
let axeSource: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-list-ui-'));
  const uiDir = path.join(dir, 'ui');
  const built = buildViewerUi(uiDir);
  store = await openStore(path.join(dir, 'store'));
  for (let i = 0; i < N; i++) {
    const startedAt = T0 + (i % 3);
    await store.createSession({ id: idOf(i), channel: CHANNELS[i % 3], startedAt, endedAt: startedAt + (i % 13) * 1000, terminalId: i % 3 === 2 ? 'branch-7' : undefined });
  }
  for (let i = 0; i < WITH_PAGES; i++) {
    const startedAt = T0 + (i % 3);
    await store.appendEvents({
      sessionId: idOf(i), page: { id: `pg${i}`, url: `https://bank.example/page/${i}` }, seq: 0, receivedAt: startedAt + 500,
      events: [{ type: 4, timestamp: startedAt + 1, data: { href: `https://bank.example/page/${i}`, width: 1280, height: 800 } }],
    });
  }
  for (const id of CUSTOMER_SESSIONS) await store.linkCustomer({ sessionId: id, customerId: CUSTOMER, source: 'test', at: T0 });
  await store.linkCustomer({ sessionId: OTHER_CUSTOMER, customerId: 'CUST-0001', source: 'test', at: T0 });
  search = await openSearch({ dataDir: dir, keysDir: path.join(dir, 'keys'), store });
  await search.follower.catchUp();
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const role of ['agent', 'analyst', 'compliance', 'admin', 'auditor'] as const) await accounts.add(role, role, PASSWORD);
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  await built;
  viewer = await startViewer({
    store, uiDir, search: new SearchRoutes(search.index, store, search.key),
    access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
  });
  axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
  if (!skip) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await search?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function apiSignIn(user: string): Promise<Record<string, string>> {
  const r = await rawRequest(`${viewer.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
  assert.equal(r.status, 200);
  return { cookie: String(r.headers['set-cookie']).split(';')[0]! };
}

describe('GET /api/search as the session list', () => {
  it('reaches each of 5,000 sessions that started within 3 ms exactly once, in every order, 200 a page', async () => {
    const headers = await apiSignIn('analyst');
    for (const sort of SORT_KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        const rows: SearchResponse['results'][number]['session'][] = [];
        let cursor = '';
        for (let pages = 0; ; pages++) {
          assert.ok(pages <= N / 200, `${sort} ${order}: more pages than sessions`);
          const r = await rawRequest(`${viewer.url}/api/search?${new URLSearchParams({ q: '', sort, order, limit: '200', cursor })}`, { headers });
          assert.equal(r.status, 200, r.text);
          const body = r.json<SearchResponse>();
          assert.equal(body.total, N);
          rows.push(...body.results.map((x) => x.session));
          if (!body.next) break;
          cursor = body.next;
        }
        assert.equal(rows.length, N, `${sort} ${order}: count`);
        assert.equal(new Set(rows.map((s) => s.id)).size, N, `${sort} ${order}: none twice`);
        const value = (s: (typeof rows)[number]): number | string => ({ start: s.startedAt, duration: s.durationMs, pages: s.pageCount, errors: s.errorCount, score: s.struggleScore, channel: s.channel })[sort];
        for (let i = 1; i < rows.length; i++) {
          const [a, b] = [rows[i - 1]!, rows[i]!];
          const c = value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : a.id < b.id ? -1 : 1;
          assert.equal(c, order === 'asc' ? -1 : 1, `${sort} ${order}: rows ${i - 1} and ${i} out of order`);
        }
      }
    }
  });

  it('bounds a date range exactly, hides empty sessions with pages:>=1, and refuses bad parameters with a reason', async () => {
    const headers = await apiSignIn('analyst');
    const get = async (params: Record<string, string>) => rawRequest(`${viewer.url}/api/search?${new URLSearchParams(params)}`, { headers });
    const middle = (await get({ from: String(T0 + 1), to: String(T0 + 2), limit: '1' })).json<SearchResponse>();
    assert.equal(middle.total, Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 1).length);
    assert.equal((await get({ from: String(T0 + 3) })).json<SearchResponse>().total, 0);
    assert.equal((await get({ q: 'pages:>=1' })).json<SearchResponse>().total, WITH_PAGES);
    for (const [params, reason] of [
      [{ sort: 'viewport' }, /sort must be one of start, duration, pages, errors, score, channel/],
      [{ order: 'up' }, /order must be asc or desc/],
      [{ from: 'yesterday' }, /from must be a time in epoch milliseconds/],
      [{ at: String(T0), sort: 'score' }, /at \(jump to a time\) needs sort=start/],
      [{ cursor: 'bm90IGEgY3Vyc29y' }, /Malformed cursor/],
    ] as const) {
      const r = await get(params);
      assert.equal(r.status, 400, JSON.stringify(params));
      assert.match(r.text, reason);
    }
  });
});

/** A page signed in through the sign-in form as `user`, on `/`. */
async function signedIn(user: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC' });
  page.on('dialog', (d) => assert.fail(`a dialog opened: ${d.message()}`));
  await page.goto(`${viewer.url}/`);
  await page.waitForURL(/\/signin/);
  await page.fill('#u', user);
  await page.fill('#p', PASSWORD);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${viewer.url}/`);
  return page;
}

const rowIds = (page: Page) => page.$$eval('table.sessions tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.sessionId!));

async function axeViolations(page: Page): Promise<string[]> {
  // Through the DevTools protocol, which the page's CSP does not govern (no script tag is added to the page).
  await page.evaluate(axeSource);
  type AxeResult = { violations: { id: string; impact: string; nodes: unknown[] }[]; passes: { id: string }[] };
  const result = await page.evaluate(async () => (window as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run());
  // It did look: the rules a table with labelled controls passes (contrast, labels, names) are among the passes.
  const passed = new Set(result.passes.map((p) => p.id));
  for (const rule of ['color-contrast', 'label', 'button-name', 'link-name']) assert.ok(passed.has(rule), `axe checked ${rule}`);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id} (${v.nodes.length})`);
}

describe('the session list in Chromium', { skip }, () => {
  it('hides empty sessions until asked, sorts on a header click, pages on and back, keeps columns per account', async () => {
    const page = await signedIn('analyst');
    try {
      await page.waitForSelector('table.sessions.sortable');
      assert.equal(await page.textContent('h1'), 'Recorded sessions');
      assert.equal(await page.textContent('#list-total'), `${WITH_PAGES} sessions · showing 1–${WITH_PAGES}`);
      assert.equal((await rowIds(page)).length, WITH_PAGES);

      await page.check('#list-empty');
      await page.waitForURL(/empty=1/);
      await page.waitForFunction(() => document.querySelector('#list-total')?.textContent?.startsWith('5,000 sessions'));
      assert.equal((await rowIds(page)).length, 50);
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'list-empty', 'focus stays on the toggle');

      // Duration, longest first; the same click again flips it.
      await page.getByRole('button', { name: 'Duration' }).click();
      await page.waitForURL(/sort=duration/);
      await page.waitForSelector('th[aria-sort="descending"] button[data-sort="duration"]');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-sort')), 'duration', 'focus stays on the header');
      const firstPage = await rowIds(page);
      const longest = Array.from({ length: N }, (_, i) => i).filter((i) => i % 13 === 12).map(idOf).sort().reverse();
      assert.deepEqual(firstPage, longest.slice(0, 50));

      await page.selectOption('#list-size', '200');
      await page.waitForURL(/size=200/);
      await page.waitForFunction(() => document.querySelectorAll('table.sessions tbody tr').length === 200);
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.waitForURL(/cursor=/);
      await page.waitForFunction(() => document.querySelector('#list-total')?.textContent?.includes('page 2'));
      const second = await rowIds(page);
      assert.equal(second.length, 200);
      assert.deepEqual(second.slice(0, longest.length - 200), longest.slice(200), 'page 2 continues where page 1 ended');
      await page.getByRole('button', { name: 'Previous page' }).click();
      await page.waitForFunction(() => !location.search.includes('cursor='));
      await page.waitForFunction(() => document.querySelector('#list-total')?.textContent?.includes('showing 1–200'));

      // By keyboard: Enter on a header's button sorts on it.
      await page.focus('button[data-sort="errors"]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('th[aria-sort="descending"] button[data-sort="errors"]');
      assert.match(page.url(), /sort=errors/);

      // Columns: drop Browser / OS; it stays dropped after a reload (kept on the server for this account).
      assert.ok(await page.$('th:has-text("Browser / OS")'));
      await page.click('.list-columns summary');
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/me/prefs') && r.request().method() === 'PUT');
      await page.uncheck('#col-browser');
      assert.equal((await saved).status(), 200);
      assert.equal(await page.$('th:has-text("Browser / OS")'), null);
      await page.reload();
      await page.waitForSelector('table.sessions.sortable');
      assert.equal(await page.$('th:has-text("Browser / OS")'), null);
      assert.equal(await page.isChecked('#col-browser'), false);

      assert.deepEqual(await axeViolations(page), []);
    } finally {
      await page.close();
    }
  });

  it('jumps to a date and bounds the list to a date range', async () => {
    const page = await signedIn('compliance');
    try {
      await page.goto(`${viewer.url}/?empty=1&from=2026-11-21`);
      await page.waitForSelector('#list-total');
      assert.equal(await page.textContent('#list-total'), 'No sessions match.');
      await page.goto(`${viewer.url}/?empty=1&from=2026-11-20&to=2026-11-20`);
      await page.waitForFunction(() => document.querySelector('#list-total')?.textContent?.startsWith('5,000 sessions'));
      await page.fill('#list-jump', '2026-11-19');
      await page.getByRole('button', { name: 'Go' }).click();
      await page.waitForURL(/at=2026-11-19/);
      await page.waitForSelector('#list-total');
      await page.waitForFunction(() => document.querySelector('#list-total')?.textContent?.includes('No more sessions'));
    } finally {
      await page.close();
    }
  });
});

describe('role homes in Chromium', { skip }, () => {
  const homes: [string, string, string | undefined][] = [
    ['agent', 'Customer lookup', undefined],
    ['analyst', 'Recorded sessions', undefined],
    ['compliance', 'Recorded sessions', undefined],
    ['admin', 'Administration', '/admin'],
    ['auditor', 'Audit trail', '/audit'],
  ];
  for (const [user, heading, link] of homes) {
    it(`signs ${user} in to their home`, async () => {
      const page = await signedIn(user);
      try {
        await page.waitForSelector('main h1, #app h1');
        await page.waitForLoadState('networkidle');
        assert.equal(await page.textContent('#app h1'), heading);
        assert.doesNotMatch(await page.textContent('body') ?? '', /may not use/i);
        if (link) assert.equal(await page.getAttribute(`#app a[href="${link}"]`, 'class'), 'button');
        // Both office sizes the issue names: the home fits without a page-wide sideways scroll.
        for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
          await page.setViewportSize(viewport);
          const overflow = await page.evaluate(() => Math.max(...[document.documentElement, document.querySelector('main')]
            .filter((b): b is HTMLElement => !!b).map((b) => b.scrollWidth - b.clientWidth)));
          assert.ok(overflow <= 0, `${user}'s home at ${viewport.width} × ${viewport.height}: ${overflow} px wider than its box`);
          assert.equal(await page.isVisible('#app h1'), true);
        }
      } finally {
        await page.close();
      }
    });
  }

  it('finds one customer\'s sessions across channels for an agent, with Replay links', async () => {
    const page = await signedIn('agent');
    try {
      await page.fill('#lookup-customer', CUSTOMER);
      await page.click('.lookup-form button[type="submit"]');
      await page.waitForURL(/customer=CUST-4711/);
      await page.waitForSelector('table.sessions:not([hidden]) tbody tr');
      assert.equal(await page.textContent('#lookup-total'), '3 sessions · Gateway 1 · Kiosk 1 · Web 1');
      assert.deepEqual(new Set(await rowIds(page)), new Set(CUSTOMER_SESSIONS));
      const channels = await page.$$eval('table.sessions tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent).sort());
      assert.deepEqual(channels, ['Gateway', 'Kiosk · branch-7', 'Web']);
      const replays = await page.$$eval('table.sessions tbody a.button', (as) => as.map((a) => a.getAttribute('href')).sort());
      assert.deepEqual(replays, CUSTOMER_SESSIONS.map((id) => `/sessions/${id}`).sort());
      assert.deepEqual(await axeViolations(page), []);

      // The search filters narrow it; the agent's restriction stays (an unlinked session is never listed).
      await page.goto(`${viewer.url}/?customer=${CUSTOMER}&channel=kiosk`);
      await page.waitForSelector('table.sessions:not([hidden]) tbody tr');
      assert.deepEqual(await rowIds(page), [idOf(5)]);
      await page.goto(`${viewer.url}/?customer=CUST-9999`);
      await page.waitForFunction(() => document.querySelector('#lookup-total')?.textContent === 'No sessions are linked to this customer id.');
    } finally {
      await page.close();
    }
  });
});
