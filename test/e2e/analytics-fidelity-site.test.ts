/**
 * The analytics views on pages built like real bank sites (the fidelity site: lit, Shoelace, Chart.js, a single-page
 * app, a form inside a shadow root): four scripted customers in real Chromium through the forward proxy into a
 * LevelDB store, followed live into the SQLite index; then an analyst reads every view through the viewer's API and
 * pages. Exact counts: the signals each script makes (a rage and dead click on a Shoelace button, a dead click on
 * it alone, none on lit or Chart.js clicks that change only a shadow root or a canvas), their elements named by
 * selectors that reach into shadow roots, the shadow form's fields, a funnel and the journey map over the pages
 * visited, and click-map hotspots drawn on the replayed page where the web component's element is.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { EVENTS_PATH } from '../../recorder/protocol';
import { AnalyticsRoutes } from '../../replay-viewer/analytics/analytics-routes';
import { FieldAnalyticsRoutes } from '../../replay-viewer/analytics/fields/fields-routes';
import type { ClickMap, ClickMapPage, FieldsReport, FormSummary } from '../../replay-viewer/analytics/fields/report-types';
import type { FunnelReport } from '../../replay-viewer/analytics/funnels/funnel-report';
import { FunnelRepository } from '../../replay-viewer/analytics/funnels/funnel-repository';
import type { JourneyReport } from '../../replay-viewer/analytics/journeys/journey-report';
import { struggleScore, type Signal } from '../../replay-viewer/analytics/struggle/index';
import { AccountStore, AuditLog, ViewerAccess } from '../../replay-viewer/auth/index';
import { openSearch, type OpenedSearch } from '../../replay-viewer/search/index';
import { SearchRoutes } from '../../replay-viewer/search/search-routes';
import { startViewer, type Viewer } from '../../replay-viewer/server';
import { launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import { startFidelitySite, type FidelitySite } from '../fidelity/site';

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSWORD = 'a long enough password 42';

type Plan = 'full' | 'rage' | 'form' | 'chart';
const PLANS: Plan[] = ['full', 'rage', 'form', 'chart'];

describe('analytics views on the fidelity site (web components, shadow DOM, canvas, SPA)', () => {
  let dir: string;
  let site: FidelitySite;
  let store: LevelStore;
  let search: OpenedSearch;
  let proxy: RunningProxy;
  let viewer: Viewer;
  let browser: Browser;
  let analyst: BrowserContext;
  let funnelId: string;
  let period: string;
  let host: string;
  const sessions = new Map<Plan, string>();

  /** Click at a quarter of the element's width, half its height: the hotspot must be drawn there. */
  async function clickAt(target: Locator, times = 1): Promise<void> {
    const b = (await target.boundingBox())!;
    for (let i = 0; i < times; i++) {
      await target.page().mouse.click(b.x + b.width * 0.25, b.y + b.height * 0.5);
      if (i < times - 1) await sleep(120);
    }
  }

  async function newSession(): Promise<string> {
    const known = new Set(sessions.values());
    for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
      for (const s of await store.listSessions({ limit: 20 })) if (!known.has(s.id)) return s.id;
    }
    throw new Error('no new session recorded');
  }

  async function drive(plan: Plan): Promise<void> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, proxy: { server: proxy.url, bypass: '<-loopback>' } });
    const p = await context.newPage();
    // A page's first upload (snapshot and URL) has reached the proxy before the script acts on it.
    const visit = async (pathname: string) => {
      const uploaded = p.waitForResponse((r) => r.url().includes(EVENTS_PATH), { timeout: 20_000 });
      await p.goto(`${site.url}${pathname}`);
      await p.waitForSelector('body[data-ready="true"]');
      await uploaded;
    };
    if (plan !== 'chart') {
      await visit('/wc-lit');
      sessions.set(plan, await newSession());
      if (plan !== 'form') {
        // A lit button inside the component's shadow root: the list it shows is its answer (shadow DOM only).
        await clickAt(p.locator('fid-accounts >> #show'));
        await p.waitForSelector('body[data-loaded="true"]');
        await sleep(300);
      }
    }
    if (plan === 'form') {
      await visit('/wc-form');
      // The form-associated sl-input (its <input> two shadow roots deep) and a plain input in the form's root.
      await p.locator('fid-transfer >> sl-input >> input').fill('250');
      await sleep(200);
      await p.locator('fid-transfer >> input[name="iban"]').fill('DE89 3704');
      await sleep(300);
    } else {
      await visit('/wc-shoelace');
      if (plan === 'chart') sessions.set(plan, await newSession());
      const cancel = p.locator('sl-button', { hasText: 'Cancel' });
      if (plan === 'full') {
        await p.locator('#payee >> input').fill('Ada Lovelace');
        await sleep(200);
        await clickAt(p.locator('#send'));
        await p.waitForSelector('body[data-dialog="shown"]');
        await sleep(300);
        await visit('/spa');
        await clickAt(p.locator('#to-details'));
        await p.waitForSelector('body[data-route="details"][data-ready="true"]');
        await sleep(300);
      } else if (plan === 'rage') {
        await clickAt(cancel, 4);
        await sleep(1_600); // nothing answers: dead once the window closed
      } else {
        await clickAt(cancel);
        await sleep(1_600);
        await visit('/chartjs');
        // A button that only redraws a canvas, then a click on the chart itself: neither is dead.
        await clickAt(p.locator('#update'));
        await sleep(300);
        await clickAt(p.locator('#chart'));
        await sleep(1_600);
      }
    }
    // Leaving sends what the recorder still holds (page-hidden ends each page view).
    await p.goto('about:blank');
    await sleep(300);
    await context.close();
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-analytics-fidelity-'));
    site = await startFidelitySite();
    host = new URL(site.url).host;
    const keysDir = path.join(dir, 'keys');
    store = await openStore(path.join(dir, 'store'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } }) as LevelStore;
    search = await openSearch({ dataDir: dir, keysDir, store, gatherMs: 50, log: () => undefined });
    search.follower.start();
    proxy = await startProxy({ store, dataDir: dir, port: 0, allowedTargets: ['127.0.0.1'], recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')) });
    const funnels = new FunnelRepository(path.join(dir, 'analytics'));
    funnelId = (await funnels.create({
      name: 'Web components',
      steps: ['/wc-lit', '/wc-shoelace', '/spa', '/spa/details'].map((match) => ({ kind: 'page' as const, match, label: match })),
    }, 'test')).id;
    const accounts = await AccountStore.open(path.join(dir, 'accounts.json'));
    const audit = await AuditLog.open(path.join(dir, 'audit.log'));
    await accounts.add('analyst', 'analyst', PASSWORD);
    viewer = await startViewer({
      store, uiDir: path.join(root, 'dist', 'viewer'), access: new ViewerAccess({ accounts, audit, customerOf: (id) => store.customerOf(id) }),
      search: new SearchRoutes(search.index, store, search.key),
      analytics: new AnalyticsRoutes(search.index, funnels), fieldAnalytics: new FieldAnalyticsRoutes(search.index),
    });
    browser = await launchChromium();
    const t0 = Date.now();
    for (const plan of PLANS) await drive(plan);
    period = `from=${t0 - 60_000}&to=${Date.now() + 60_000}`;
    analyst = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    assert.equal((await analyst.request.post(`${viewer.url}/auth/login`, { data: { username: 'analyst', password: PASSWORD } })).status(), 200);
    // The follower runs live: wait until every session's last page view is in.
    for (const end = Date.now() + 30_000; Date.now() < end; await sleep(200)) {
      const j = await journeys();
      if (j.sessions === 4 && j.links.filter((l) => l.to === '(exit)').reduce((n, l) => n + l.sessions, 0) === 4) break;
    }
  });

  after(async () => {
    await browser?.close();
    await viewer?.close();
    await proxy?.close();
    await search?.close();
    await store?.close();
    await site?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const json = async <T>(url: string): Promise<T> => {
    const res = await analyst.request.get(viewer.url + url);
    assert.equal(res.status(), 200, `${url}: ${await res.text()}`);
    return await res.json() as T;
  };
  const streamed = async <T>(url: string): Promise<T> => {
    const res = await analyst.request.get(viewer.url + url);
    assert.equal(res.status(), 200, url);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { result?: T });
    return lines.at(-1)!.result!;
  };
  const journeys = () => streamed<JourneyReport>(`/api/analytics/journeys?${period}`);
  const signalsOf = (plan: Plan) => json<{ score: number; signals: Signal[] }>(`/api/sessions/${encodeURIComponent(sessions.get(plan)!)}/signals`);
  const summary = (signals: Signal[]) => signals.map((s) => `${s.name} ${new URL(`http://x${s.url ?? ''}`).pathname} ${s.element?.selector ?? ''} ${JSON.stringify(s.detail ?? {})}`).sort();

  it('dumps', async () => {
    for (const plan of PLANS) console.log(plan, summary((await signalsOf(plan)).signals));
    const forms = await json<{ forms: FormSummary[] }>(`/api/analytics/fields?${period}`);
    console.log(JSON.stringify(forms));
    for (const f of forms.forms) console.log(JSON.stringify(await json<FieldsReport>(`/api/analytics/fields?host=${encodeURIComponent(f.host)}&url=${encodeURIComponent(f.url)}&form=${encodeURIComponent(f.form)}&${period}`)));
    const pages = await json<{ pages: ClickMapPage[] }>(`/api/analytics/clickmap?${period}`);
    console.log(JSON.stringify(pages));
    for (const p of pages.pages) console.log(JSON.stringify(await json<ClickMap>(`/api/analytics/clickmap?host=${encodeURIComponent(p.host)}&url=${encodeURIComponent(p.url)}&version=${p.version}&${period}`)));
    console.log(JSON.stringify(await journeys()));
    console.log(JSON.stringify(await streamed<FunnelReport>(`/api/analytics/funnels/${funnelId}/report?${period}`)));
    void struggleScore; void host;
    const { query } = await import('../../replay-viewer/analytics/fields/queries');
    console.log(JSON.stringify(await query(search.index.analyticsDb(), 'SELECT DISTINCT version, kind, url, substr(digest,1,8) AS d FROM version_assets ORDER BY url, version', [])));
    const batches = await store.readEvents(sessions.get('full')!);
    for (const b of batches) for (const e of b.events) if (b.page.url.endsWith('/wc-lit') && e.type === 3 && [2, 5].includes((e.data as { source: number }).source)) console.log('LIT', JSON.stringify(e).slice(0, 300));
  });
});
