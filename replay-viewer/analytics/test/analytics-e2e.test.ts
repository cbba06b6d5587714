/**
 * Funnels and journeys end to end: 12 sessions with known paths driven by real Chromium through the real forward
 * proxy into a LevelDB store, followed into the SQLite index by the search worker, then read through the viewer's
 * API and pages. Funnel home → account → submit #send → done: 12, 10, 7, 5 (one "Send" that sends nothing is not a
 * submit); median times equal those computed independently from the stored rows; journey links exact; the pages show
 * the numbers and a drop opens the replay at its moment; an erased session leaves every count. The Done page marks
 * its own analytics events (performance.mark and a dataLayer push carrying an IBAN beside the name): a funnel of
 * request and marker steps counts them, and the IBAN reaches no upload.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext } from 'playwright';
import type { RunningProxy } from '../../../proxy/index';
import { EVENTS_PATH } from '../../../recorder/protocol';
import type { LevelStore } from '../../../store/level/level-store';
import type { Viewer } from '../../server';
import { openSearch, type OpenedSearch } from '../../search/index';
import { AnalyticsRoutes } from '../analytics-routes';
import { FunnelRepository } from '../funnels/funnel-repository';
import type { FunnelReport } from '../funnels/funnel-report';
import type { JourneyReport } from '../journeys/journey-report';
import { median } from '../query/median';
import { EXPECTED_LINKS, FUNNEL } from './corpus';
import { E2eRig, sealedStoreOptions } from '../../../test/helpers/e2e-rig';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const page = (title: string, body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
const TRANSFER = page('Transfer', `<form onsubmit="return false"><label for="iban">IBAN</label><input id="iban" name="iban">
<button id="send" type="button">Send money</button></form><p id="out"></p>
<script>
const q = new URLSearchParams(location.search);
if (!q.has('dead')) document.getElementById('send').addEventListener('click', async () => {
  const res = await fetch('/api/transfer' + (q.has('fail') ? '?fail=1' : ''), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (res.ok) location.assign('/payments/done');
  else document.getElementById('out').textContent = 'Transfer declined';
});
</script>`);

const MARKER_IBAN = 'DE89370400440532013000';
/** Home, the transfer POST answered 2xx, then the Done page's own analytics event. */
const MARKER_FUNNEL = { name: 'Transfer by markers', steps: [
  { kind: 'page' as const, match: '/', label: 'Home' },
  { kind: 'request' as const, match: 'POST /api/transfer 2xx', label: 'Sent' },
  { kind: 'marker' as const, match: 'transfer*', label: 'Done' },
] };

type Plan = 'full' | 'sent' | 'account' | 'dead' | 'home';
const PLANS: Plan[] = ['full', 'sent', 'account', 'home', 'full', 'dead', 'full', 'sent', 'account', 'full', 'home', 'full'];

describe('funnels and journeys end to end (Chromium through the proxy)', () => {
  let rig: E2eRig;
  let dir: string;
  let store: LevelStore;
  let siteUrl: string;
  let proxy: RunningProxy;
  let viewer: Viewer;
  let search: OpenedSearch;
  let browser: Browser;
  let viewerBrowser: Browser;
  let funnelId: string;
  let markerFunnelId: string;
  let period: string;

  async function drive(context: BrowserContext, plan: Plan, n: number): Promise<void> {
    const p = await context.newPage();
    // Each page's first upload (its snapshot, with the URL) has reached the proxy before the script moves on: on a
    // loaded machine a page left too soon may never have started recording.
    const visit = async (url: string, pause: number) => {
      const uploaded = p.waitForResponse((r) => r.url().includes(EVENTS_PATH), { timeout: 30_000 });
      await p.goto(url);
      await uploaded;
      await sleep(pause);
    };
    await visit(`${siteUrl}/`, 900);
    if (plan !== 'home') await visit(`${siteUrl}/accounts/${400_100 + n}`, 700 + 100 * n);
    if (plan === 'full' || plan === 'sent' || plan === 'dead') {
      await visit(`${siteUrl}/payments/transfer${plan === 'sent' ? '?fail=1' : plan === 'dead' ? '?dead=1' : ''}`, 600 + 50 * n);
      if (plan === 'full') {
        const uploaded = p.waitForResponse((r) => r.url().includes(EVENTS_PATH) && r.url().startsWith(siteUrl) && p.url().endsWith('/payments/done'), { timeout: 30_000 });
        await Promise.all([p.waitForURL('**/payments/done'), p.click('#send')]);
        await uploaded;
      } else {
        await p.click('#send');
        if (plan === 'sent') await p.waitForFunction(() => document.getElementById('out')?.textContent === 'Transfer declined');
      }
      await sleep(900);
    }
    // Leaving the page sends what the recorder still holds.
    await p.goto('about:blank');
    await sleep(400);
    await context.close();
  }

  before(async () => {
    rig = await E2eRig.open('analytics-e2e', sealedStoreOptions);
    dir = rig.dir;
    store = rig.store;
    siteUrl = await rig.site((req, res) => {
      if (req.url?.startsWith('/api/transfer')) {
        req.resume();
        const fail = req.url.includes('fail');
        res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' });
        res.end(fail ? '{"error":"unavailable"}' : '{"ok":true}');
        return;
      }
      const url = req.url ?? '/';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      if (url.startsWith('/payments/transfer')) res.end(TRANSFER);
      // The site's own analytics (markers, recorder/markers.ts): a mark and a GTM event whose other field holds an IBAN.
      else if (url === '/payments/done') res.end(page('Done', `<p>Transfer sent</p><script>performance.mark('transfer-done');
        (window.dataLayer = window.dataLayer || []).push({ event: 'transfer_done', iban: '${MARKER_IBAN}' });</script>`));
      else if (url.startsWith('/accounts/')) res.end(page('Account', `<p>Account ${url.slice(10)}</p><a href="/payments/transfer">Transfer</a>`));
      else res.end(page('Home', '<p>Welcome</p><a href="/accounts/1">Accounts</a>'));
    });
    const keysDir = path.join(dir, 'keys');
    search = rig.track(await openSearch({ dataDir: dir, keysDir, store, gatherMs: 50, worker: true, log: () => undefined }));
    search.follower.start();
    proxy = await rig.proxy();
    const funnels = new FunnelRepository(path.join(dir, 'analytics'));
    funnelId = (await funnels.create(FUNNEL, 'test')).id;
    markerFunnelId = (await funnels.create(MARKER_FUNNEL, 'test')).id;
    viewer = await rig.viewer({ analytics: new AnalyticsRoutes(search.index, funnels) });
    browser = await rig.chromium({ server: proxy.url });
    viewerBrowser = await rig.chromium();
    const t0 = Date.now();
    // Three customers at a time.
    for (let i = 0; i < PLANS.length; i += 3) {
      await Promise.all(PLANS.slice(i, i + 3).map(async (plan, j) => drive(await browser.newContext({ viewport: { width: 900, height: 640 } }), plan, i + j)));
    }
    period = `from=${t0 - 60_000}&to=${Date.now() + 60_000}`;
    // The follower runs live (and this VM is often loaded): wait until every session's last page and click are in.
    for (const end = Date.now() + 90_000; Date.now() < end; await sleep(250)) {
      const j = await journeys();
      const f = await funnel();
      if (j.sessions === 12 && j.links.filter((l) => l.to === '(exit)').reduce((n, l) => n + l.sessions, 0) === 12 && f.steps[2]!.reached === 7) break;
    }
  });

  after(() => rig?.close());

  const result = async <T>(url: string): Promise<T> => {
    const res = await fetch(viewer.url + url);
    assert.equal(res.status, 200, url);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { result?: T });
    return lines.at(-1)!.result!;
  };
  const journeys = () => result<JourneyReport>(`/api/analytics/journeys?${period}`);
  const funnel = () => result<FunnelReport>(`/api/analytics/funnels/${funnelId}/report?${period}`);

  it('counts the funnel exactly; its median times are those of the stored moments', async () => {
    const r = await funnel();
    assert.deepEqual(r.steps.map((s) => s.reached), [12, 10, 7, 5]);
    assert.deepEqual(r.steps.map((s) => s.dropped), [2, 3, 2, 0]);
    // The same medians worked out from the raw rows, independently of funnel-sql.ts.
    const db = search.index.analyticsDb();
    assert.equal(db.kind, 'sqlite');
    if (db.kind !== 'sqlite') return;
    const first = (sql: string) => new Map((db.db.prepare(sql).all() as { id: string; t: number }[]).map((x) => [x.id, x.t]));
    const home = first("SELECT s.id, MIN(v.at) AS t FROM page_views v JOIN sessions s USING (sid) WHERE v.url = '/' GROUP BY s.id");
    const acct = first("SELECT s.id, MIN(v.at) AS t FROM page_views v JOIN sessions s USING (sid) WHERE v.url = '/accounts/:id' GROUP BY s.id");
    const sent = first("SELECT s.id, MIN(i.at) AS t FROM interactions i JOIN sessions s USING (sid) WHERE i.kind = 'submit' AND i.selector = '#send' GROUP BY s.id");
    const done = first("SELECT s.id, MIN(v.at) AS t FROM page_views v JOIN sessions s USING (sid) WHERE v.url = '/payments/done' GROUP BY s.id");
    const gaps = (a: Map<string, number>, b: Map<string, number>) => [...b].filter(([id]) => a.has(id)).map(([id, t]) => t - a.get(id)!);
    assert.deepEqual(r.steps.map((s) => s.medianMs), [null, median(gaps(home, acct)), median(gaps(acct, sent)), median(gaps(sent, done))]);
    // Each gap as driven: at least the pauses the scripts made.
    assert.ok(r.steps[1]!.medianMs! >= 600 && r.steps[1]!.medianMs! < 5_000, `home → account ${r.steps[1]!.medianMs}`);
    assert.ok(r.steps[3]!.medianMs! >= 0 && r.steps[3]!.medianMs! < 3_000, `send → done ${r.steps[3]!.medianMs}`);
    assert.deepEqual(r.splits.channel.map((g) => [g.value, g.reached]), [['proxy', [12, 10, 7, 5]]]);
  });

  it('counts request and marker steps from what the proxy captured and the page marked; the IBAN beside the name stays out', async () => {
    const markers = () => result<FunnelReport>(`/api/analytics/funnels/${markerFunnelId}/report?${period}`);
    // The Done page's markers come with its first upload or at its pagehide: wait for the five, not a fixed time.
    let r = await markers();
    for (const end = Date.now() + 20_000; Date.now() < end && r.steps[2]!.reached < 5; await sleep(200)) r = await markers();
    // Five POSTs answered 200 (the two declined got 503), each followed by the Done page's markers.
    assert.deepEqual(r.steps.map((s) => s.reached), [12, 5, 5]);
    const names: string[] = [];
    for (const s of await store.listSessions()) {
      for (const b of await store.readEvents(s.id)) {
        const raw = JSON.stringify(b.events);
        assert.ok(!raw.includes(MARKER_IBAN), 'the dataLayer field beside the event name was recorded');
        for (const e of b.events) if (e.type === 5 && (e.data as { tag: string }).tag === 'verbatim:marker') names.push((e.data as { payload: { name: string } }).payload.name);
      }
    }
    assert.deepEqual(names.sort(), [...Array(5).fill('transfer-done'), ...Array(5).fill('transfer_done')]);
  });

  it('maps the journeys exactly', async () => {
    const j = await journeys();
    assert.equal(j.sessions, 12);
    assert.deepEqual(j.links.map((l) => `${l.step} ${l.from} → ${l.to} ${l.sessions}`).sort(), [...EXPECTED_LINKS].sort());
    assert.deepEqual(j.entries, [{ url: '/', sessions: 12 }]);
  });

  it('shows both pages in Chromium; a drop opens the replay at its moment', async () => {
    const report = await funnel();
    const drop = report.steps[2]!.drops[0]!;
    // Not through the proxy: the viewer's own pages are no customer's session.
    const context = await viewerBrowser.newContext({ viewport: { width: 1300, height: 900 } });
    const p = await context.newPage();
    const [from, to] = period.split('&').map((x) => new Date(Number(x.split('=')[1])).toISOString().slice(0, 10));
    await p.goto(`${viewer.url}/analytics/funnels?funnel=${funnelId}&from=${from}&to=${to}`);
    await p.waitForSelector('.funnel-table td[data-cell=reached]');
    assert.deepEqual(await p.$$eval('.funnel-table td[data-cell=reached]', (tds) => tds.map((t) => t.textContent)), ['12', '10', '7', '5']);
    assert.equal(await p.getAttribute('.analytics-progress', 'hidden'), '');
    // The step editor offers the new kinds, with the period's marker names and request patterns as suggestions.
    await p.selectOption('#funnel-step-2-kind', 'marker');
    assert.equal(await p.getAttribute('#funnel-step-2-match', 'list'), 'funnel-suggest-marker');
    await p.waitForSelector('#funnel-suggest-marker option', { state: 'attached' });
    assert.deepEqual(await p.$$eval('#funnel-suggest-marker option', (os) => os.map((o) => (o as HTMLOptionElement).value).sort()), ['transfer-done', 'transfer_done']);
    await p.selectOption('#funnel-step-2-kind', 'request');
    assert.equal(await p.getAttribute('#funnel-step-2-match', 'placeholder'), 'POST /api/transfers 2xx');
    assert.ok((await p.$$eval('#funnel-suggest-request option', (os) => os.map((o) => (o as HTMLOptionElement).value))).includes('POST /api/transfer'));
    await p.getByRole('button', { name: /the 2 sessions dropped after step 3/ }).click();
    const link = p.locator('.funnel-drop-list a').first();
    assert.equal(await link.textContent(), drop.session);
    await Promise.all([p.waitForURL(/\/sessions\//), link.click()]);
    assert.equal(new URL(p.url()).pathname, `/sessions/${drop.session}`);
    assert.equal(new URL(p.url()).searchParams.get('at'), String(drop.at));
    await p.waitForFunction((at) => document.documentElement.dataset.replayReady === 'true' && document.documentElement.dataset.replayTime === String(at), drop.at, { timeout: 20_000 });

    await p.goto(`${viewer.url}/analytics/journeys?from=${from}&to=${to}`);
    await p.waitForSelector('svg.sankey path.sankey-link', { state: 'attached' });
    assert.equal(await p.locator('svg.sankey path.sankey-link').count(), EXPECTED_LINKS.length);
    // Keyboard: focus the link of the two who left at the account page, open its sessions with Enter.
    const exitLink = p.locator('path.sankey-link[data-step="1"][data-to="(exit)"]');
    await exitLink.focus();
    await p.keyboard.press('Enter');
    await p.waitForSelector('.journey-sessions li');
    assert.equal(await p.locator('.journey-sessions li').count(), 2);
    assert.match(await p.locator('.journey-sessions p.muted').textContent() ?? '', /^2 sessions/);
    await context.close();
  });

  it('forgets an erased session in every count', async () => {
    // One that sent the transfer and never saw it done: it leaves steps 1 to 3.
    const sent = (await funnel()).steps[2]!.drops[0]!.session;
    await store.eraseSession(sent, { reason: 'test' });
    for (const end = Date.now() + 20_000; Date.now() < end && (await funnel()).sessions !== 11; await sleep(200));
    assert.deepEqual((await funnel()).steps.map((s) => s.reached), [11, 9, 6, 5]);
    assert.equal((await journeys()).sessions, 11);
  });
});
