/**
 * The search UI in real Chromium, over the real viewer and a real store with one recorded session. The search API
 * is not on this branch: its answers (the shapes of search/types.ts) come from page.route(); where the test lets
 * the request through, the real viewer answers 404 and the UI falls back to the plain list.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser, Page, Route } from 'playwright';
import { AccountStore, AuditLog, ViewerAccess } from '../auth/index';
import { startViewer, type Viewer } from '../server';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import type { MatchesResponse, SearchResponse, SearchResult } from '../search/types';
import { buildViewerUi } from './build-ui';
import { headingDocument } from '../../test/helpers/synthetic-session';

const SID = 's3arch7k4m5n6p7r8s9t2v3w4x';
const T0 = Date.now() - 120_000;
const HOSTILE = '<img src=x onerror=alert(1)>';
const skip = !existsSync(CHROMIUM_PATH);

let dir: string;
let store: LevelStore;
let viewer: Viewer;
/** The same store behind the access layer (roles). */
let guarded: Viewer;
const PASSWORD = 'search ui password';
let browser: Browser;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-search-ui-'));
  const uiDir = path.join(dir, 'ui');
  const built = buildViewerUi(uiDir);
  store = await openStore(path.join(dir, 'store'));
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0 });
  const doc = headingDocument('Savings rate 5.1 %');
  const moves = [2000, 4000, 6000, 8000, 10_000].map((t) => ({ type: 3, timestamp: T0 + t, data: { source: 1, positions: [{ x: t / 100, y: 10, id: 5, timeOffset: 0 }] } }));
  await store.appendEvents({
    sessionId: SID, page: { id: 'p1', url: 'https://bank.example/savings/open' }, seq: 0, receivedAt: T0 + 11_000,
    events: [
      { type: 4, timestamp: T0 + 1, data: { href: 'https://bank.example/savings/open', width: 800, height: 600 } },
      { type: 2, timestamp: T0 + 2, data: { node: doc, initialOffset: { top: 0, left: 0 } } },
      ...moves,
    ],
  });
  await built;
  viewer = await startViewer({ store, uiDir });
  const accounts = await AccountStore.open(path.join(dir, 'viewer-accounts.json'));
  for (const role of ['agent', 'analyst', 'auditor'] as const) await accounts.add(role, role, PASSWORD);
  const audit = await AuditLog.open(path.join(dir, 'audit.log'));
  guarded = await startViewer({ store, uiDir, access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }) });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await guarded?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const MATCHES: MatchesResponse['matches'] = [
  { at: T0 + 2000, kind: 'text', snippet: 'Savings rate 5.1 % today' },
  { at: T0 + 5000, kind: 'typed', snippet: 'amount 5000 into savings' },
  { at: T0 + 8000, kind: 'clicked', snippet: `Open savings account ${HOSTILE}` },
];

function result(id: string, snippet: string, at = T0 + 5000): SearchResult {
  return {
    session: { id, startedAt: T0, endedAt: T0 + 10_000, channel: 'proxy', browser: 'Chrome', os: 'Linux', device: 'desktop',
      country: 'CH', pageCount: 1, durationMs: 10_000, customerLinked: false, entryUrl: 'https://bank.example/savings/open', struggleScore: 39, errorCount: 0 },
    firstMatch: { at, kind: 'text', snippet },
    matchCount: 3,
  };
}

function response(results: SearchResult[], extra: Partial<SearchResponse> = {}): SearchResponse {
  return {
    results, total: results.length,
    facets: { channel: [{ value: 'kiosk', count: 7 }, { value: 'proxy', count: 2 }], country: [{ value: 'CH', count: 9 }] },
    ...extra,
  };
}

/** A page whose /api/search is answered by `answer`; the queries it was asked, with their cursors. */
async function searchPage(answer: (q: string, cursor: string | null) => { status: number; body: unknown }): Promise<{ page: Page; asked: { q: string; cursor: string | null }[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const asked: { q: string; cursor: string | null }[] = [];
  page.on('dialog', (d) => assert.fail(`a dialog opened: ${d.message()}`));
  await page.route((url) => url.pathname === '/api/search', async (route: Route) => {
    const url = new URL(route.request().url());
    // The session list's own call (an order, no facets): the real viewer, without a search index, answers 404 and
    // the UI shows the plain list.
    if (url.searchParams.has('sort')) return route.continue();
    const q = url.searchParams.get('q') ?? '';
    const cursor = url.searchParams.get('cursor');
    assert.equal(url.searchParams.get('facets'), 'channel,device,browser,os,country');
    asked.push({ q, cursor });
    const { status, body } = answer(q, cursor);
    await route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  });
  await page.route((url) => url.pathname === `/api/sessions/${SID}/matches`, (route: Route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ matches: MATCHES } satisfies MatchesResponse) }));
  return { page, asked };
}

const chipLabels = (page: Page) => page.$$eval('.search-chips .chip', (bs) => bs.map((b) => `${b.textContent}|${b.getAttribute('aria-label')}`));
const queryOf = (page: Page) => new URL(page.url()).searchParams.get('q');

it('renders a chip per term of the query in the URL; removing one edits the query and searches again', { skip }, async () => {
  const { page, asked } = await searchPage(() => ({ status: 200, body: response([]) }));
  try {
    const q = 'status:>=500 host:api.bank.example then -text:"5.1 %"';
    await page.goto(`${viewer.url}/?${new URLSearchParams({ q })}`);
    await page.waitForSelector('.search-summary');
    assert.equal(await page.inputValue('#search-query'), q, 'the query survives a reload (it is in the URL)');
    assert.equal(await page.textContent('label[for="search-query"]'), 'Search sessions');
    // Labelled by the query parser's chipsOf (search/query/describe.ts).
    assert.deepEqual(await chipLabels(page), [
      'status ≥ 500 ✕|Remove filter status ≥ 500',
      'host "api.bank.example" ✕|Remove filter host "api.bank.example"',
      'not text "5.1 %" ✕|Remove exclusion text "5.1 %"',
    ]);
    assert.equal(await page.textContent('.search-summary'), 'No sessions match this search.');

    await page.getByRole('button', { name: 'Remove filter host "api.bank.example"' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.search-chips .chip').length === 2);
    const edited = 'status:>=500 -text:"5.1 %"';
    assert.equal(await page.inputValue('#search-query'), edited, 'the term and the THEN that joined it are gone');
    assert.equal(queryOf(page), edited);
    assert.deepEqual(asked.map((a) => a.q), [q, edited]);

    // Keyboard: a chip is a button; Enter on it removes it.
    await page.getByRole('button', { name: 'Remove exclusion text "5.1 %"' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.search-chips .chip').length === 1);
    assert.equal(queryOf(page), 'status:>=500');

    // Back in history restores the previous search.
    await page.goBack();
    await page.waitForFunction((e) => (document.getElementById('search-query') as HTMLInputElement).value === e, edited);
  } finally {
    await page.close();
  }
});

it('adds a filter from a facet count, and searches from the input and the examples', { skip }, async () => {
  const { page, asked } = await searchPage(() => ({ status: 200, body: response([result(SID, 'x')]) }));
  try {
    await page.goto(viewer.url);
    await page.fill('#search-query', 'savings');
    await page.press('#search-query', 'Enter');
    await page.waitForSelector('.search-facets .facet-value');
    assert.equal(queryOf(page), 'savings');
    assert.deepEqual(await page.$$eval('.facet[data-facet="channel"] .facet-value', (bs) => bs.map((b) => `${b.textContent}|${b.getAttribute('aria-label')}`)),
      ['kiosk 7|kiosk 7 sessions: add the filter channel:kiosk', 'proxy 2|proxy 2 sessions: add the filter channel:proxy']);
    await page.click('.facet-value[aria-label$="add the filter channel:kiosk"]');
    await page.waitForFunction(() => (document.getElementById('search-query') as HTMLInputElement).value === 'savings channel:kiosk');
    assert.equal(queryOf(page), 'savings channel:kiosk');
    assert.deepEqual((await chipLabels(page)).map((c) => c.split('|')[0]), ['"savings" ✕', 'channel kiosk ✕']);

    await page.click('.search-example:has-text("then")');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'text:"5.1 %" then url:/savings/open');
    assert.deepEqual(asked.map((a) => a.q), ['savings', 'savings channel:kiosk', 'text:"5.1 %" then url:/savings/open']);
  } finally {
    await page.close();
  }
});

it('shows results as links with the snippet highlighted as text, and pages with the cursor', { skip }, async () => {
  const hostile = `Rate 5.1 % on Savings ${HOSTILE} savings`;
  const { page, asked } = await searchPage((_q, cursor) => (cursor === 'page-2'
    ? { status: 200, body: response([result('s3cond7k4m5n6p7r8s9t2v3w4x', 'second page savings')], { total: 2 }) }
    : { status: 200, body: response([result(SID, hostile)], { total: 2, next: 'page-2' }) }));
  try {
    await page.goto(`${viewer.url}/?${new URLSearchParams({ q: 'text:"5.1 %" savings -error:timeout' })}`);
    await page.waitForSelector('.search-result');
    assert.equal(await page.textContent('.search-summary'), '2 matching sessions');
    const snippet = page.locator('.search-result').first().locator('.search-snippet');
    assert.equal(await snippet.textContent(), `Text ${hostile}`, 'the hostile markup is shown as text');
    assert.deepEqual(await snippet.locator('mark').allTextContents(), ['5.1 %', 'Savings', 'savings'], 'negated words are not marked');
    assert.equal(await page.$('.search-results img'), null, 'no element came from the snippet');
    assert.equal(await snippet.evaluate((p) => p.querySelectorAll('*').length), 4, 'the kind label and three marks only');
    assert.match(await page.textContent('.search-moment') ?? '', /^At 0:05 into the session .* · 3 matching moments/);
    assert.equal(await page.locator('.search-result').first().locator('.struggle-score').textContent(), 'Struggle 39');
    assert.equal(await page.getAttribute('.search-results > li > a', 'href'),
      `/sessions/${SID}?at=${T0 + 5000}&q=${encodeURIComponent('text:"5.1 %" savings -error:timeout').replace(/%20/g, '+')}`);

    await page.click('button:has-text("More results")');
    await page.waitForFunction(() => document.querySelectorAll('.search-result').length === 2);
    assert.deepEqual(asked.map((a) => a.cursor), [null, 'page-2']);
    assert.equal(await page.isHidden('button:has-text("More results")'), true, 'no more pages');
  } finally {
    await page.close();
  }
});

it('opens the player at the first matching moment, marks every match and steps through them', { skip }, async () => {
  const { page } = await searchPage(() => ({ status: 200, body: response([result(SID, 'amount 5000 into savings', MATCHES[1]!.at)]) }));
  try {
    await page.goto(`${viewer.url}/?q=savings`);
    await page.click('.search-result-link');
    await page.waitForURL(/\/sessions\//);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('at'), String(MATCHES[1]!.at));
    assert.equal(url.searchParams.get('q'), 'savings');
    await page.waitForFunction((at) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(at), MATCHES[1]!.at);
    assert.equal(await page.locator('.timeline-marker.match').count(), 3, 'one marker per match');
    assert.equal(await page.locator('.timeline-marker.page').count(), 1, 'the page marker is still there, apart');
    assert.match(await page.textContent('.match-count') ?? '', /^match 2 of 3 · 0:04$/);
    assert.deepEqual(await page.locator('.match-snippet mark').allTextContents(), ['savings']);

    const at = async (i: number, label: string) => {
      await page.waitForFunction((t) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(t), MATCHES[i]!.at);
      assert.match(await page.textContent('.match-count') ?? '', new RegExp(`^${label}`));
    };
    await page.click('button:has-text("Next match")');
    await at(2, 'match 3 of 3');
    assert.equal(await page.textContent('.match-snippet'), `Open savings account ${HOSTILE}`, 'a recorded snippet is text');
    assert.equal(await page.$('.match-bar img'), null);
    assert.equal(await page.isDisabled('button:has-text("Next match")'), true);
    await page.locator('.timeline').focus();
    await page.keyboard.press('Shift+N');
    await at(1, 'match 2 of 3');
    await page.keyboard.press('N');
    await at(0, 'match 1 of 3');
    await page.keyboard.press('n');
    await at(1, 'match 2 of 3');
    await page.click('button:has-text("Previous match")');
    await at(0, 'match 1 of 3');
    assert.equal(await page.getAttribute('.match-back', 'href'), '/?q=savings');
    assert.equal(await page.isDisabled('button:has-text("Previous match")'), true);

    // A seek elsewhere (the timeline's End and Home keys): next and previous step from where the replay now is.
    const shows = (t: number) => page.waitForFunction((x) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(x), t);
    await page.locator('.timeline').focus();
    await page.keyboard.press('End');
    await shows(T0 + 10_000);
    assert.equal(await page.textContent('.match-count'), '3 matching moments');
    assert.equal(await page.isDisabled('button:has-text("Next match")'), true);
    await page.click('button:has-text("Previous match")');
    await at(2, 'match 3 of 3');
    await page.locator('.timeline').focus();
    await page.keyboard.press('Home');
    await shows(T0 + 1); // the recording's first event
    assert.equal(await page.isDisabled('button:has-text("Previous match")'), true);
    await page.keyboard.press('n');
    await at(0, 'match 1 of 3');

    // Opened at a moment between matches: next and previous step from there.
    await page.goto(`${viewer.url}/sessions/${SID}?at=${T0 + 6000}&q=savings`);
    await page.waitForFunction((t) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(t), T0 + 6000);
    assert.equal(await page.textContent('.match-count'), '3 matching moments');
    await page.keyboard.press('N');
    await at(1, 'match 2 of 3');
  } finally {
    await page.close();
  }
});

it('shows a malformed query\'s message with a caret at its position, keeping the text', { skip }, async () => {
  const q = 'status:>=500 took:>abc';
  const { page } = await searchPage(() => ({ status: 400, body: { error: { code: 'QUERY_INVALID', message: 'A duration is expected after took:>', position: 18 } } }));
  try {
    await page.goto(viewer.url);
    await page.fill('#search-query', q);
    await page.click('.search-form button[type="submit"]');
    await page.waitForSelector('#search-error:not([hidden])');
    assert.equal(await page.textContent('.search-error-message'), 'A duration is expected after took:>');
    assert.equal(await page.textContent('.search-error-query'), `${q}\n${' '.repeat(18)}^`);
    assert.equal(await page.inputValue('#search-query'), q);
    assert.equal(await page.getAttribute('#search-query', 'aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLInputElement).selectionStart), 18, 'the cursor is put at the problem');
    assert.equal(await page.$('.search-result'), null);
  } finally {
    await page.close();
  }
});

it('falls back to the plain list and a plain player when the viewer has no search API (404)', { skip }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${viewer.url}/?q=savings`);
    await page.waitForSelector(`tr[data-session-id="${SID}"]`);
    assert.equal(await page.isHidden('.search-bar'), true, 'the bar goes away quietly');
    assert.equal(await page.$('.list-status.error:not([hidden])'), null, 'no error is shown');
    await page.goto(`${viewer.url}/sessions/${SID}?q=savings`);
    await page.waitForSelector('html[data-replay-ready="true"]');
    assert.equal(await page.$('.match-bar'), null, 'the player shows no match bar without the matches API');
  } finally {
    await page.close();
  }
});

it('offers search to roles that may find sessions, agents included (the API narrows their results)', { skip }, async () => {
  // Analysts search the list; agents search within a customer's sessions on their lookup home (role-home.ts);
  // auditors land on their own home, with no search.
  for (const [user, shown] of [['analyst', '.search-bar'], ['agent', '#lookup-text'], ['auditor', null]] as const) {
    const page = await browser.newPage();
    try {
      const res = await page.request.post(`${guarded.url}/auth/login`, { data: { username: user, password: PASSWORD } });
      assert.equal(res.status(), 200, `${user} signs in`);
      await page.goto(`${guarded.url}/`);
      await page.waitForFunction(() => Boolean(document.querySelector('.account')));
      await page.waitForSelector('#app h1');
      if (shown) assert.equal(await page.isVisible(shown), true, `${user}: ${shown}`);
      else assert.equal(await page.$$eval('.search-bar, #lookup-text', (els) => els.filter((e) => !(e as HTMLElement).hidden).length), 0, `${user}: no search`);
    } finally {
      await page.close();
    }
  }
});
