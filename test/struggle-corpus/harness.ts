/**
 * Runs the corpus: the site, a real LevelDB store, the real forward proxy (recorder injected, responses captured) and
 * one headless Chromium. Each case is one recorded session (see runAll); cases run a few at a time (their waits
 * overlap) with real mouse and keyboard input. Afterwards the store's
 * change feed is read back in order and fed to the extractor the search index uses (`createIndexExtractor`: search's
 * extractor with the struggle detector beside it), so the signals judged are exactly those ingest would index.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import type { Change } from '../../store/change-feed';
import { createStruggleDetector, type Signal } from '../../replay-viewer/analytics/struggle/index';
import { createIndexExtractor } from '../../replay-viewer/search/struggle-hits';
import type { Hit } from '../../replay-viewer/search/types';
import type { AnalyticsRow } from '../../replay-viewer/analytics/index/analytics-table';
import type { CorpusCase } from './case';
import { startSite, type CorpusSite } from './site';

const root = path.resolve(import.meta.dirname, '../..');
const TAG = 'corpus-case';
export const VIEWPORT = { width: 900, height: 640 };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Corpus {
  site: CorpusSite;
  store: VerbatimStore;
  proxy: RunningProxy;
  browser: Browser;
  close(): Promise<void>;
}

export async function startCorpus(): Promise<Corpus> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-corpus-'));
  const site = await startSite();
  const store = await openStore(path.join(dir, 'store'));
  const proxy = await startProxy({
    store, dataDir: dir, port: 0, allowedTargets: ['127.0.0.1'],
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
  const browser = await launchChromium({ server: proxy.url });
  return {
    site, store, proxy, browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      await proxy.close();
      await store.close();
      await site.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What a case's script drives: the page, the site, and real input helpers. */
export class Journey {
  private last = { at: 0, x: -1e9, y: -1e9, count: 0 };

  private tagged = false;

  constructor(readonly page: Page, readonly site: string, private readonly caseId: string) {}

  /** Opens a page of the site; the journey's first one carries the case id (a new session starts there). */
  async open(pathname: string): Promise<void> {
    const tag = this.tagged ? '' : `${pathname.includes('?') ? '&' : '?'}${TAG}=${this.caseId}`;
    this.tagged = true;
    await this.page.goto(this.site + pathname + tag);
    await sleep(300); // the recorder's full snapshot is taken; input before it would not be recorded
  }

  /** The centre of an element (offset by dx, dy), after moving the pointer there as a hand would. */
  async point(selector: string, dx = 0, dy = 0): Promise<{ x: number; y: number }> {
    const box = await this.page.locator(selector).boundingBox();
    if (!box) throw new Error(`corpus: ${selector} is not on the page`);
    const at = { x: box.x + box.width / 2 + dx, y: box.y + box.height / 2 + dy };
    await this.page.mouse.move(at.x, at.y, { steps: 5 });
    return at;
  }

  async click(selector: string, dx = 0, dy = 0): Promise<void> {
    const at = await this.point(selector, dx, dy);
    await this.press(at.x, at.y, 50);
  }

  /**
   * `times` clicks `gapMs` apart, each a few pixels from the last (an impatient hand). The presses are sent without
   * waiting for the browser to acknowledge each one (it does so in order), so a loaded machine delays the burst but
   * does not stretch it past what the hand did.
   */
  async clicks(selector: string, times: number, gapMs: number): Promise<void> {
    const at = await this.point(selector);
    const sent: Promise<void>[] = [];
    for (let i = 0; i < times; i++) {
      if (i) await sleep(gapMs);
      const x = at.x + i * 2;
      const y = at.y + (i % 2);
      const clickCount = this.countFor(x, y);
      sent.push(this.page.mouse.move(x, y), this.page.mouse.down({ clickCount }), this.page.mouse.up({ clickCount }));
    }
    await Promise.all(sent);
  }

  async dblclick(selector: string): Promise<void> {
    const at = await this.point(selector);
    await this.press(at.x, at.y, 30);
    await sleep(60);
    await this.press(at.x, at.y, 30);
  }

  /**
   * One press and release, with the click count an operating system gives it: the next in a series when it comes
   * within the double-click time (500 ms) and a few pixels of the last one, so the browser fires dblclick as it would
   * for a person (Playwright's own clicks always say 1).
   */
  private async press(x: number, y: number, holdMs: number): Promise<void> {
    const count = this.countFor(x, y);
    await this.page.mouse.move(x, y);
    await this.page.mouse.down({ clickCount: count });
    await sleep(holdMs);
    await this.page.mouse.up({ clickCount: count });
    this.last.at = Date.now();
  }

  /** The click count of a click about to be pressed at (x, y). */
  private countFor(x: number, y: number): number {
    const now = Date.now();
    const count = now - this.last.at <= 500 && Math.hypot(x - this.last.x, y - this.last.y) <= 6 ? this.last.count + 1 : 1;
    this.last = { at: now, x, y, count };
    return count;
  }

  /** Clicks into a field and types, a key every `delay` ms. */
  async type(selector: string, text: string, delay = 70): Promise<void> {
    await this.click(selector);
    await this.page.keyboard.type(text, { delay });
  }

  async key(key: string, times = 1): Promise<void> {
    for (let i = 0; i < times; i++) await this.page.keyboard.press(key, { delay: 30 });
  }

  /** Wheel scrolling, `steps` notches of `dy` px (or `dy(i)`) every `gapMs`. */
  async wheel(dy: number | ((i: number) => number), steps: number, gapMs: number, oneByOne = false): Promise<void> {
    await this.page.mouse.move(450, 320);
    const sent: Promise<void>[] = [];
    for (let i = 0; i < steps; i++) {
      // Not awaited one by one (like clicks()), unless the directions alternate: notches up and down that a loaded
      // browser handled together would cancel out between two scroll samples.
      const notch = this.page.mouse.wheel(0, typeof dy === 'number' ? dy : dy(i));
      if (oneByOne) await notch;
      else sent.push(notch);
      await sleep(gapMs);
    }
    await Promise.all(sent);
  }

  /** The journey ends on another page, so the last one is hidden (and judged) like a page a customer leaves. */
  async leave(): Promise<void> {
    await this.page.goto(`${this.site}/bye`);
  }
}

/**
 * Runs every case, `parallel` at a time. Each worker keeps one browser context and page (creating them costs seconds
 * on a loaded machine) and clears its cookies between journeys, so each journey's first document starts a new
 * session; the case's id rides on that first URL's query (the rules never read queries) to tell sessions apart.
 */
export async function runAll(corpus: Pick<Corpus, 'browser' | 'site'>, cases: readonly CorpusCase[], parallel: number): Promise<void> {
  const queue = [...cases];
  const worker = async () => {
    const context = await corpus.browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await context.newPage();
      for (let c = queue.shift(); c; c = queue.shift()) {
        const t0 = Date.now();
        await context.clearCookies();
        const journey = new Journey(page, corpus.site.url, c.id);
        try {
          await c.run(journey);
          await journey.leave();
        } catch (err) {
          throw new Error(`corpus case ${c.id}: ${(err as Error).message}`, { cause: err });
        }
        if (process.env.CORPUS_TIMES) console.log(`  case ${c.id}: ${Date.now() - t0} ms`);
      }
    } finally {
      await context.close();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function allChanges(store: VerbatimStore): Promise<Change[]> {
  const out: Change[] = [];
  for (;;) {
    const page = await store.readChanges(out.at(-1)?.seq ?? 0, 5_000);
    if (!page.length) return out;
    out.push(...page);
  }
}

/** Waits until nothing new landed in the store for `quietMs` (beacons of hidden pages arrive last). */
export async function settle(store: VerbatimStore, quietMs = 1_000): Promise<void> {
  let last = -1;
  for (let stableSince = Date.now(); ; await sleep(200)) {
    const seq = (await store.readChanges(Math.max(0, last), 5_000)).at(-1)?.seq ?? last;
    if (seq !== last) {
      last = seq;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return;
  }
}

/** The session of each case, by the tag on its first page's URL. */
export async function sessionsByCase(store: VerbatimStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const s of await store.listSessions({ limit: 10_000 })) {
    const first = [...s.pages].sort((a, b) => a.startedAt - b.startedAt)[0];
    const tag = first ? new URL(first.url).searchParams.get(TAG) : null;
    if (tag) out.set(tag, s.id);
  }
  return out;
}

export interface Detected {
  /** The struggle hits the index would hold, from createIndexExtractor. */
  hits: Hit[];
  /** The detector fed the same records on its own (signals(): pages still open not judged, as ingest does). */
  signals: Signal[];
  /** The analytics rows the index would hold, in the order drained (keyed rows: the last of a key stands). */
  rows: AnalyticsRow[];
}

/** What the page applier does with a replacement: the session's hits of that kind go, the new ones stand. */
function replaceStruggle(list: Hit[], replacement: { kind: Hit['kind']; hits: Hit[] } | undefined): void {
  if (!replacement) return;
  const kept = list.filter((h) => h.kind !== replacement.kind);
  list.splice(0, list.length, ...kept, ...replacement.hits);
}

/** Feeds each session's records in change-feed order, as the search follower does. */
export async function detect(store: VerbatimStore, sessionIds: ReadonlySet<string>): Promise<Map<string, Detected>> {
  const extractors = new Map<string, ReturnType<typeof createIndexExtractor>>();
  const detectors = new Map<string, ReturnType<typeof createStruggleDetector>>();
  const hits = new Map<string, Hit[]>();
  const rows = new Map<string, AnalyticsRow[]>();
  for (const change of await allChanges(store)) {
    const id = change.sessionId;
    if (!id || !sessionIds.has(id)) continue;
    if (!extractors.has(id)) {
      extractors.set(id, createIndexExtractor());
      detectors.set(id, createStruggleDetector());
      hits.set(id, []);
      rows.set(id, []);
    }
    const x = extractors.get(id)!;
    const d = detectors.get(id)!;
    if (change.type === 'events.appended') {
      const batch = await store.getEventBatch(id, change.pageId, change.batchSeq);
      if (!batch) continue;
      hits.get(id)!.push(...x.batch(batch));
      rows.get(id)!.push(...x.drainAnalytics?.() ?? []);
      replaceStruggle(hits.get(id)!, x.takeReplacement?.());
      d.batch(batch);
    } else if (change.type === 'capture.stored') {
      const capture = await store.getCapture(id, change.captureId);
      if (!capture) continue;
      hits.get(id)!.push(...x.capture(capture));
      rows.get(id)!.push(...x.drainAnalytics?.() ?? []);
      replaceStruggle(hits.get(id)!, x.takeReplacement?.());
      d.capture(capture);
    }
  }
  const out = new Map<string, Detected>();
  for (const [id, list] of hits) out.set(id, { hits: list.filter((h) => h.kind === 'struggle'), signals: detectors.get(id)!.signals(), rows: rows.get(id)! });
  return out;
}
