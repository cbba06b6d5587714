/**
 * The player's activity feed, struggle signals, console, shortcuts and skip-inactivity in real Chromium, on a
 * journey recorded with rrweb (player-journey.ts, whose counts are known): the feed lists what happened, clicking an
 * item seeks there, `]` / `[` step through the markers, space plays and pauses, a 20 s idle stretch is skipped (and
 * is not with the toggle off), and GET /api/sessions/<id>/signals follows the replay's role rules and audit.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { JOURNEY, SID, startPlayerFixture, type PlayerFixture } from './player-journey';

const skip = !existsSync(CHROMIUM_PATH);
const VIEWPORT = { width: 1280, height: 800 };
let fx: PlayerFixture;

before(async () => {
  if (!skip) fx = await startPlayerFixture();
});
after(async () => {
  await fx?.close();
});

async function ready(page: Page): Promise<Page> {
  await page.waitForSelector('.struggle-badge:not([hidden])');
  return page;
}

const count = (page: Page, selector: string) => page.locator(selector).count();
/** The moment shown once settled (player.ts sets it when a paused moment is fully shown). */
const shownAt = (page: Page, at: number) => page.waitForFunction((t) => document.documentElement.dataset.replayTime === String(t)
  && document.documentElement.dataset.replayReady === 'true', at);

it('lists the journey in the feed: pages, the route change, clicks with their text, inputs, the error, struggle', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  try {
    assert.equal(await count(page, '.activity-item[data-kind="page"]'), JOURNEY.pages);
    assert.equal(await count(page, '.activity-item[data-kind="route"]'), JOURNEY.routes);
    assert.equal(await count(page, '.activity-item[data-kind="click"]'), JOURNEY.clicks);
    assert.equal(await count(page, '.activity-item[data-kind="input"]'), JOURNEY.inputs);
    assert.equal(await count(page, '.activity-item[data-kind="error"]'), JOURNEY.errors);
    const clicks = await page.$$eval('.activity-item[data-kind="click"] .activity-label', (els) => els.map((e) => e.textContent));
    assert.deepEqual(clicks, ['Continue', 'memo', 'Send', 'Help', 'Help', 'Help', 'Review']);
    assert.match((await page.textContent('.activity-item[data-kind="route"] .activity-label')) ?? '', /^127\.0\.0\.1:\d+\/transfer\/review$/);
    // Masked, typed and untouched fields are told apart, in words and in style.
    const inputs = await page.$$eval('.activity-item[data-kind="input"]', (els) => els.map((e) => [
      (e as HTMLElement).dataset.input, e.querySelector('.activity-label')!.textContent, e.querySelector('.activity-detail')!.textContent,
      getComputedStyle(e.querySelector('.activity-detail')!).fontStyle]));
    assert.deepEqual(inputs, [
      ['value', 'user', '“4711”', 'normal'],
      ['masked', 'pass', 'masked', 'italic'],
      ['value', 'reference', '“rent”', 'normal'],
      ['none', 'memo', 'no input', 'normal'],
    ]);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.activity-detail.input-none')!).textDecorationLine), 'line-through');
    assert.match((await page.textContent('.activity-item[data-kind="error"] .activity-detail')) ?? '', /null/);
    // Struggle: the rage on Help and the error click on Send, in the feed, on the timeline, in the badge.
    const signals = await page.$$eval('.activity-item[data-kind="signal"]', (els) => els.map((e) => `${e.querySelector('.activity-label')!.textContent}|${(e as HTMLElement).dataset.severity}`));
    assert.ok(signals.includes('Rage click|high'), signals.join(', '));
    assert.ok(signals.includes('Error click|high'), signals.join(', '));
    assert.equal(await count(page, '.timeline-marker.signal'), signals.length);
    assert.equal(await count(page, '.timeline-marker.signal.severity-high'), signals.filter((s) => s.endsWith('|high')).length);
    assert.equal(await count(page, '#timeline-markers-described li.signal'), signals.length, 'each marker is described to screen readers');
    assert.match((await page.textContent('.struggle-badge')) ?? '', /^Struggle [1-9]\d*$/);
    // Filter chips hide and show a kind.
    await page.click('.activity-chip[data-kind="click"]');
    assert.equal(await page.getAttribute('.activity-chip[data-kind="click"]', 'aria-pressed'), 'false');
    assert.equal(await page.locator('.activity-item[data-kind="click"]:visible').count(), 0);
    await page.click('.activity-chip[data-kind="click"]');
    assert.equal(await page.locator('.activity-item[data-kind="click"]:visible').count(), JOURNEY.clicks);
  } finally {
    await page.close();
  }
});

it('seeks to a feed item when clicked, and highlights the item at the playhead', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  try {
    const item = page.locator('.activity-item[data-kind="error"]');
    const offset = Number(await item.getAttribute('data-offset'));
    assert.ok(offset > 20_000, 'the error came after the idle stretch');
    await item.locator('button').click();
    await shownAt(page, fx.journey.first + offset);
    assert.equal(await page.getAttribute('.timeline', 'aria-valuenow'), String(Math.round(offset / 1000)));
    assert.equal(await page.getAttribute('.activity-item.current', 'data-kind'), 'error');
    assert.equal(await page.getAttribute('.activity-item.current', 'aria-current'), 'true');
  } finally {
    await page.close();
  }
});

it('steps to the next and previous marker with ] and [, and plays and pauses with space', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  try {
    const markers = [...new Set(await page.$$eval('.timeline-marker.signal', (els) => els.map((e) => Number((e as HTMLElement).dataset.offset))))].sort((a, b) => a - b);
    assert.ok(markers.length >= 2, `markers at ${markers.join(', ')}`);
    await page.keyboard.press(']');
    await shownAt(page, fx.journey.first + markers[0]!);
    await page.keyboard.press(']');
    await shownAt(page, fx.journey.first + markers[1]!);
    await page.keyboard.press('[');
    await shownAt(page, fx.journey.first + markers[0]!);
    // ← and → move 5 s.
    await page.keyboard.press('ArrowLeft');
    await shownAt(page, fx.journey.first + Math.max(0, markers[0]! - 5_000));
    // Replaying the customer's focus put the browser's focus in the replay frame (the keys above still worked);
    // Tab leaves it for the player's next control instead of walking the customer's fields.
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'IFRAME');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'dock-handle');

    await page.locator('body').focus();
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('.button.play', 'aria-label'), 'Pause');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.replayReady), 'false', 'playing');
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('.button.play', 'aria-label'), 'Play');
    await page.waitForSelector('html[data-replay-ready="true"]');

    // Not while typing in a field: the tab picker has none here, so use the help dialog's absence and a field of our own.
    await page.evaluate(() => document.body.append(Object.assign(document.createElement('input'), { id: 'typing', 'aria-label': 'typing' })));
    await page.focus('#typing');
    await page.keyboard.press(' ');
    await page.keyboard.press('?');
    assert.equal(await page.getAttribute('.button.play', 'aria-label'), 'Play', 'space in a field types a space');
    assert.equal(await page.isVisible('dialog.shortcut-help'), false);
    assert.equal(await page.inputValue('#typing'), ' ?');
  } finally {
    await page.close();
  }
});

it('skips the 20 s idle stretch while playing, marks it on the timeline, and not when turned off', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  try {
    const { first, idleFrom, idleTo } = fx.journey;
    const idle = await page.$$eval('.timeline-marker.idle', (els) => els.map((e) => (e as HTMLElement).title));
    assert.equal(idle.length, 1, idle.join(', '));
    assert.match(idle[0]!, /Inactive for 0:\d\d: skipped while playing/);
    assert.equal(await page.getAttribute('#skip-toggle', 'aria-pressed'), 'true', 'on by default');
    const position = () => page.evaluate(() => Number(document.querySelector('.timeline')!.getAttribute('aria-valuenow')));

    // From the start: past the stretch's end in a few seconds instead of 20.
    const started = Date.now();
    await page.click('.button.play');
    await page.waitForFunction((s) => Number(document.querySelector('.timeline')!.getAttribute('aria-valuenow')) >= s, Math.ceil((idleTo - first) / 1000), { timeout: 15_000 });
    const took = Date.now() - started;
    assert.ok(took < (idleTo - idleFrom) / 2, `played through ${idleTo - idleFrom} ms of stillness in ${took} ms`);
    await page.click('.button.play');

    // Off: the stretch plays at its own pace.
    await page.click('#skip-toggle');
    assert.equal(await page.getAttribute('#skip-toggle', 'aria-pressed'), 'false');
    await page.locator('.timeline').focus();
    await page.keyboard.press('Home');
    await page.waitForSelector('html[data-replay-ready="true"]');
    await page.click('.button.play');
    await page.waitForTimeout(5_000);
    const at = await position();
    await page.click('.button.play');
    assert.ok(at <= 6, `at ${at} s after 5 s of playing with skipping off`);
  } finally {
    await page.close();
  }
});

it('shows the recorded errors in the console panel and says what the recorder keeps', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  try {
    assert.equal(await page.textContent('#console-toggle'), 'Console (1)');
    await page.click('#console-toggle');
    assert.equal(await page.isVisible('#console-panel'), true);
    assert.equal(await page.isVisible('#activity-panel'), false, 'one panel at a time');
    assert.equal(await count(page, '.console-entry'), 1);
    assert.equal(await page.textContent('.console-level'), 'Uncaught error');
    assert.match((await page.textContent('.console-message')) ?? '', /null/);
    assert.match((await page.textContent('.console-note')) ?? '', /warnings and logs are not recorded/);
  } finally {
    await page.close();
  }
});

it('lists requests from the network log on demand, read once for the feed and the network panel', { skip }, async () => {
  const page = await ready(await fx.player({ viewport: VIEWPORT }));
  const technical = async () => (await fx.audit.query({ actor: 'analyst', action: 'technical', target: SID })).length;
  try {
    const before = await technical();
    assert.equal(await count(page, '.activity-item[data-kind="request"]'), 0, 'not read until asked');
    await page.click('.activity-chip[data-kind="request"]');
    await page.waitForSelector('.activity-item[data-kind="request"]');
    assert.match((await page.textContent('.activity-item[data-kind="request"] .activity-label')) ?? '', /^GET 127\.0\.0\.1:\d+\/transfer$/);
    await page.click('#network-toggle');
    await page.waitForSelector('.network-row');
    assert.equal(await page.isVisible('#activity-panel'), false);
    assert.equal(await technical(), before + 1, 'one read of the network log, on record');
  } finally {
    await page.close();
  }
});

it('answers GET /signals with the replay\'s role rules, and audits it', { skip }, async () => {
  const page = await fx.browser.newPage();
  try {
    for (const [user, status] of [['analyst', 200], ['agent', 403]] as const) {
      const login = await page.request.post(`${fx.viewer.url}/auth/login`, { data: { username: user, password: 'player journey password' } });
      assert.equal(login.status(), 200);
      const events = await page.request.get(`${fx.viewer.url}/api/sessions/${SID}/events`);
      const res = await page.request.get(`${fx.viewer.url}/api/sessions/${SID}/signals`);
      assert.equal(res.status(), events.status(), 'the same rule as the replay');
      assert.equal(res.status(), status, `${user}: ${await res.text()}`);
      if (status !== 200) continue;
      const body = (await res.json()) as { score: number; signals: { name: string; at: number; element?: { label: string } }[]; visits: { pageId: string; url: string }[] };
      assert.ok(body.score > 0 && body.score <= 100, `score ${body.score}`);
      assert.ok(body.signals.some((s) => s.name === 'rage' && s.element?.label === 'Help'), JSON.stringify(body.signals));
      assert.ok(body.signals.some((s) => s.name === 'error' && s.element?.label === 'Send'), JSON.stringify(body.signals));
      assert.deepEqual(body.visits.map((v) => [v.pageId, new URL(v.url).pathname]), [['p1', '/'], ['p2', '/transfer'], ['p2', '/transfer/review']]);
      const audited = await fx.audit.query({ actor: 'analyst', action: 'replay', target: SID });
      assert.ok(audited.some((e) => /signals/.test(JSON.stringify(e))), 'the read is on record');
    }
    const bad = await page.request.get(`${fx.viewer.url}/api/sessions/not%20an%20id/signals`);
    assert.ok(bad.status() >= 400 && bad.status() < 500, `malformed id: ${bad.status()}`);
  } finally {
    await page.close();
  }
});
