/**
 * Deep links into a session with two checkouts (test/helpers/long-session.ts): the streamed answer of /events
 * (NDJSON, replay/event-stream.ts) holds exactly the events of the JSON answer, the frame first, starting at the
 * Meta of the last checkout before the moment; it follows the session as it grows (the cache is per state of the
 * session); and in Chromium the first frame, drawn from that part alone, shows the page as it was at the moment,
 * as the whole player then does.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright';
import { CHROMIUM_PATH, launchChromium } from '../../scripts/chromium';
import { openStore } from '../../store/index';
import type { LevelStore } from '../../store/level/level-store';
import type { RecordedEvent } from '../../store/records';
import { clockAt, storeLongSession, type LongSession } from '../../test/helpers/long-session';
import type { EventStreamHead } from '../replay/event-stream';
import type { SessionEvents } from '../replay/index';
import { startViewer, type Viewer } from '../server';
import { buildViewerUi } from './build-ui';

const skip = !existsSync(CHROMIUM_PATH);
const SID = 'deep1ink5ess10n2v3w4x5y6z7';
const START = Date.UTC(2026, 10, 2, 9);
let dir: string;
let store: LevelStore;
let viewer: Viewer;
let browser: Browser | undefined;
let long: LongSession;
let built: Promise<void>;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-deep-link-'));
  built = buildViewerUi(path.join(dir, 'ui'));
  store = await openStore(path.join(dir, 'store'));
  // One page load, checkouts at 50 s and 100 s, about 450 events.
  long = await storeLongSession(store, { sessionId: SID, start: START, durationMs: 140_000, pageEveryMs: 3_600_000, checkoutEveryMs: 50_000, rows: 20 });
  assert.equal(long.checkouts.length, 2);
  viewer = await startViewer({ store, uiDir: path.join(dir, 'ui') });
});
after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function full(): Promise<SessionEvents> {
  const res = await fetch(`${viewer.url}/api/sessions/${SID}/events`);
  assert.equal(res.status, 200);
  return (await res.json()) as SessionEvents;
}

async function streamed(query: string, headers: Record<string, string> = {}): Promise<{ head: EventStreamHead; lines: RecordedEvent[]; type: string }> {
  const res = await fetch(`${viewer.url}/api/sessions/${SID}/events?${query}`, { headers });
  assert.equal(res.status, 200);
  const [first, ...rest] = (await res.text()).split('\n').filter((l) => l !== '');
  return { head: (JSON.parse(first!) as { head: EventStreamHead }).head, lines: rest.map((l) => JSON.parse(l) as RecordedEvent), type: res.headers.get('content-type') ?? '' };
}

/** The moment: 20 s after the second checkout, mid-way between two clock changes. */
const moment = () => long.checkouts[1]! + 25_000;

it('streams the frame from the last checkout first, then the rest: together exactly the JSON answer\'s events', async () => {
  const whole = await full();
  const at = moment();
  const { head, lines, type } = await streamed(`at=${at}`, { accept: 'application/x-ndjson' });
  assert.match(type, /^application\/x-ndjson/);
  assert.equal(head.count, whole.events.length);
  assert.deepEqual(head.tracks, whole.tracks);
  // The frame starts at the second checkout's Meta, followed by its full snapshot.
  const checkoutMeta = whole.events.findIndex((e) => e.type === 4 && e.timestamp === long.checkouts[1]);
  assert.ok(checkoutMeta > 0);
  assert.equal(head.start, checkoutMeta);
  assert.equal((whole.events[head.start]!.data as { checkout?: boolean }).checkout, true);
  assert.equal(whole.events[head.start + 1]!.type, 2);
  // It ends with the last event at or before the moment shown (the moment itself: no page load near it).
  assert.equal(head.shown, at + 1);
  assert.equal(head.end, whole.events.filter((e) => e.timestamp <= at + 1).length);
  assert.ok(head.end - head.start < whole.events.length / 3, `a frame of ${head.end - head.start} of ${whole.events.length} events`);
  // Line order: the frame, what follows, what precedes; each run equal to the JSON answer's events, byte for byte.
  assert.equal(lines.length, whole.events.length);
  const frame = head.end - head.start;
  const after = whole.events.length - head.end;
  assert.deepEqual(lines.slice(0, frame), whole.events.slice(head.start, head.end));
  assert.deepEqual(lines.slice(frame, frame + after), whole.events.slice(head.end));
  assert.deepEqual(lines.slice(frame + after), whole.events.slice(0, head.start));
  // ?format=ndjson (what the page preloads) is the same answer.
  assert.deepEqual((await streamed(`at=${at}&format=ndjson`)).lines, lines);
  // Before the first checkout: from the page load.
  const early = await streamed(`at=${START + 10_000}&format=ndjson`);
  assert.equal(early.head.start, 0);
});

it('follows the session as it grows, and refuses a track it does not have before streaming', async () => {
  const before = (await streamed(`at=${moment()}&format=ndjson`)).head.count;
  const last = long.last + 1_000;
  await store.appendEvents({ sessionId: SID, page: { id: 'page-1', url: 'https://bank.example/accounts/1?tab=statement' }, seq: 1_000, events: [{ type: 3, data: { source: 3, id: 1, x: 0, y: 5 }, timestamp: last }], receivedAt: last });
  const grown = await streamed(`at=${last}&format=ndjson`);
  assert.equal(grown.head.count, before + 1);
  assert.equal(grown.lines[grown.head.end - grown.head.start - 1]!.timestamp, last);
  assert.deepEqual(grown.lines.length, (await full()).events.length);
  const bad = await fetch(`${viewer.url}/api/sessions/${SID}/events?track=3&format=ndjson`);
  assert.equal(bad.status, 400);
  assert.match(bad.headers.get('content-type') ?? '', /json/);
});

it('draws the moment from the streamed frame in Chromium, as the whole player then shows it', { skip }, async () => {
  await built;
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const at = moment();
  const expected = clockAt(long, at);
  assert.notEqual(expected, clockAt(long, long.checkouts[1]!), 'the clock changed after the checkout');
  const requests: string[] = [];
  page.on('request', (r) => { if (r.url().includes('/api/')) requests.push(new URL(r.url()).pathname); });
  // Read the first frame's iframe as soon as it is drawn, before the player replaces it.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const ready = document.documentElement.dataset.firstFrame;
      const w = window as unknown as { firstFrameClock?: string | null; firstFrameScroll?: number };
      if (ready && w.firstFrameClock === undefined) {
        const iframe = document.querySelector<HTMLIFrameElement>('.first-frame iframe');
        w.firstFrameClock = iframe?.contentDocument?.getElementById('clock')?.textContent ?? null;
        w.firstFrameScroll = iframe?.contentWindow?.scrollY;
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-first-frame'] });
  });
  await page.goto(`${viewer.url}/sessions/${SID}?at=${at}`);
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { firstFrameClock?: string }).firstFrameClock), expected);
  assert.equal(await page.evaluate(() => document.querySelector<HTMLIFrameElement>('.player-view iframe')?.contentDocument?.getElementById('clock')?.textContent), expected);
  // The first frame keeps only the last scroll, applied after the mutations (ui/frame-events.ts): where the player is.
  const scrolls = await page.evaluate(() => [(window as unknown as { firstFrameScroll?: number }).firstFrameScroll,
    document.querySelector<HTMLIFrameElement>('.player-view iframe')?.contentWindow?.scrollY]);
  assert.ok(scrolls[1]! > 0, `the moment is scrolled (${scrolls[1]})`);
  assert.equal(scrolls[0], scrolls[1]);
  assert.equal(await page.locator('.first-frame').count(), 0, 'the first frame made way for the player');
  // The page's preload and its head script (ui/early-requests.ts) were the player's requests: each asked for once.
  const once = (p: string) => requests.filter((r) => r === p).length;
  assert.deepEqual([once(`/api/sessions/${SID}/events`), once(`/api/sessions/${SID}`), once('/api/me')], [1, 1, 1], requests.join(', '));
  await page.close();
});
