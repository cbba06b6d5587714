/**
 * What the customer typed last, end to end: real Chromium → real proxy → LevelDB →
 * viewer. Text goes into a plain input, a textarea, a contenteditable, an input in
 * the shadow root of a web component that existed before the recorder started and
 * one added later, a password field and a masked field; the customer then leaves
 * without ever blurring the field (navigates away; closes the tab; walks away).
 * The last keystrokes must be in the stored events, in clear where the field is not
 * masked and as mask characters where it is, and in the replay (its DOM and pixels).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser, Frame, Page } from 'playwright';
import type { RunningProxy } from '../../proxy/index';
import type { Viewer } from '../../replay-viewer/server';
import type { VerbatimStore } from '../../store/store';
import type { RecordedEvent } from '../../store/records';
import { E2eRig } from '../helpers/e2e-rig';
import { diffPng } from '../helpers/pixels';
import { replayMoment } from '../helpers/replay';

const VIEWPORT = { width: 900, height: 640 };
const PASSWORD = 'Hunter-secret-pw';
const MASKED = 'masked-reference';
/** A mask character: the recorder's '*' or the proxy masker's '•'. */
const MASK = '[*\u2022]';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Typed</title>
<style>body{font:18px sans-serif;margin:16px}input,textarea,[contenteditable]{display:block;margin:6px 0;font:18px/24px monospace;width:420px;height:32px;box-sizing:border-box}
textarea{height:56px}[contenteditable]{border:1px solid #888;padding:2px}</style>
<script>
class FidField extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>input{font:18px/24px monospace;width:420px;height:32px;border:2px solid #36c;margin:6px 0;box-sizing:border-box}</style><input>';
  }
}
customElements.define('fid-field', FidField);
// A web component added after the recorder's snapshot: its shadow root is new to the recording.
addEventListener('load', () => setTimeout(() => {
  const f = document.createElement('fid-field'); f.id = 'late'; document.getElementById('late-slot').append(f);
  document.body.dataset.late = 'true';
}, 1200));
</script></head><body>
<input id="plain"><textarea id="note" rows="2"></textarea><div id="editable" contenteditable="true"></div>
<fid-field id="early"></fid-field><div id="late-slot"></div>
<input id="pw" type="password"><input id="masked" class="verbatim-mask"><input id="masked-empty" class="verbatim-mask">
</body></html>`;

let rig: E2eRig;
let store: VerbatimStore;
let siteUrl: string;
let proxy: RunningProxy;
let viewer: Viewer;
let browser: Browser;
let replayBrowser: Browser;

before(async () => {
  rig = await E2eRig.open('typed');
  store = rig.store;
  siteUrl = await rig.site((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.url === '/next' ? '<!doctype html><title>Next</title><p>next page</p>' : PAGE);
  });
  proxy = await rig.proxy();
  viewer = await rig.viewer();
  browser = await rig.chromium({ server: proxy.url });
  replayBrowser = await rig.chromium();
});

after(() => rig?.close());

/** The five unmasked fields (the password and masked fields below differ by design). */
const UNMASKED_AREA = { x: 0, y: 0, width: VIEWPORT.width, height: 240 };

function crop(png: Buffer, area: typeof UNMASKED_AREA): Buffer {
  const src = PNG.sync.read(png);
  const out = new PNG({ width: area.width, height: area.height });
  PNG.bitblt(src, out, area.x, area.y, area.width, area.height, 0, 0);
  return PNG.sync.write(out);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventsOf(sessionId: string): Promise<RecordedEvent[]> {
  return (await store.readEvents(sessionId)).flatMap((b) => b.events);
}

/** The newest session whose first page is the typing page, once its full snapshot is stored. */
async function recording(seen: Set<string>): Promise<string> {
  for (const end = Date.now() + 15_000; Date.now() < end; await sleep(50)) {
    for (const s of await store.listSessions({ limit: 10 })) {
      if (seen.has(s.id)) continue;
      if ((await eventsOf(s.id)).some((e) => e.type === 2)) {
        seen.add(s.id);
        return s.id;
      }
    }
  }
  assert.fail('the recorder never uploaded a full snapshot');
}

/** Stored events as the bytes the store returns, once `probe` finds what it waits for (or after `ms`). */
async function storedText(sessionId: string, probe: (text: string) => boolean, ms = 8000): Promise<string> {
  let text = '';
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    text = JSON.stringify(await eventsOf(sessionId));
    if (probe(text)) break;
  }
  return text;
}

async function openTypingPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  await page.goto(`${siteUrl}/`);
  await page.waitForSelector('body[data-late="true"]');
  return page;
}

/** The frame showing the replayed page (found by its content: the player's frame layout is not this test's business). */
async function replayFrame(page: Page): Promise<Frame> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    if (await frame.evaluate('!!document.getElementById("plain")').catch(() => false)) return frame;
  }
  assert.fail('no frame shows the replayed page');
}

/** Field values in the replayed document, shadow roots included (a string: tsx would name inner functions). */
function replayedValues(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(`(() => {
    const value = (el) => (el ? el.value : '<missing>');
    const shadow = (id) => document.getElementById(id)?.shadowRoot?.querySelector('input');
    return {
      plain: value(document.getElementById('plain')),
      note: value(document.getElementById('note')),
      editable: document.getElementById('editable')?.textContent ?? '<missing>',
      early: value(shadow('early')),
      late: value(shadow('late')),
      pw: value(document.getElementById('pw')),
      masked: value(document.getElementById('masked')),
      maskedEmpty: value(document.getElementById('masked-empty')),
    };
  })()`);
}

const seen = new Set<string>();

describe('typed input that never lost focus', () => {
  it('is stored and replayed when the customer navigates away mid-word, and while they walk away', async () => {
    const page = await openTypingPage();
    const sessionId = await recording(seen);
    await page.locator('#plain').pressSequentially('plain words', { delay: 5 });
    await page.locator('#note').pressSequentially('note words', { delay: 5 });
    await page.locator('#editable').pressSequentially('editable words', { delay: 5 });
    await page.locator('#early input').pressSequentially('early shadow', { delay: 5 });
    await page.locator('#pw').pressSequentially(PASSWORD, { delay: 5 });
    await page.locator('#masked').pressSequentially(MASKED, { delay: 5 });
    await page.locator('#late input').pressSequentially('late shadow', { delay: 5 });
    await page.mouse.move(VIEWPORT.width - 5, VIEWPORT.height - 5);

    // Walking away: nothing else happens, the page stays open; the values arrive anyway.
    const walked = await storedText(sessionId, (t) => t.includes('"late shadow"'));
    for (const v of ['plain words', 'note words', 'early shadow', 'late shadow']) {
      assert.ok(walked.includes(`"text":"${v}"`), `"${v}" stored while the page is still open`);
    }
    // The customer clicks beside the fields (focus rings are not what this test is about), and the page is
    // shot without the masked fields, which the replay shows masked by design.
    await page.mouse.click(VIEWPORT.width - 50, 20);
    await sleep(200);
    const live = await page.screenshot({ animations: 'disabled', caret: 'hide', clip: UNMASKED_AREA });
    const shownAt = Date.now();

    // The last keystrokes, then away at once (well within the throttle interval), focus still in the field.
    await page.locator('#late input').press('End');
    await page.keyboard.type(' last', { delay: 5 });
    await page.locator('#plain').press('End');
    await page.keyboard.type(' end', { delay: 5 });
    const lastAt = Date.now();
    await page.goto(`${siteUrl}/next`);
    const stored = await storedText(sessionId, (t) => t.includes('"late shadow last"') && t.includes('"plain words end"'));
    assert.ok(stored.includes('"text":"late shadow last"'), 'the shadow-root field keeps its last keystrokes');
    assert.ok(stored.includes('"text":"plain words end"'), `the plain field keeps its last keystrokes: ${stored.match(/"text":"plain[^"]*"/g)}`);
    assert.ok(stored.includes('editable words'), 'the contenteditable text is stored');
    // Masked fields: never in clear, but stored as masked (not as nothing).
    assert.ok(!stored.includes(PASSWORD) && !stored.includes(MASKED), 'masked values never leave the page in clear');
    // The recorder masks with '*', the proxy's masker again with '•'.
    assert.match(stored, new RegExp(`"text":"${MASK}{${PASSWORD.length}}"`), 'the password is stored masked');
    assert.match(stored, new RegExp(`"text":"${MASK}{${MASKED.length}}"`), 'the masked field is stored masked');
    await page.context().close();

    const replay = await replayBrowser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      const shot = crop(await replayMoment(replay, viewer.url, sessionId, `at=${shownAt}`, VIEWPORT), UNMASKED_AREA);
      // Colour threshold 0.2: the player draws part of the frame a third of a pixel off (player.ts
      // snapToPixels), which greys field borders by up to 0.15; a missing word changes hundreds of
      // pixels from white to black.
      const diff = diffPng(live, shot, { threshold: 0.2 });
      assert.ok(diff.diffPixels <= 100, `replay vs live: ${diff.diffPixels} pixels differ (${(diff.ratio * 100).toFixed(2)} %)`);
      await replayMoment(replay, viewer.url, sessionId, `at=${lastAt}`, VIEWPORT);
      const values = await replayedValues(await replayFrame(replay));
      // Masked, and so told apart from a field left empty.
      assert.match(values.pw, new RegExp(`^${MASK}{${PASSWORD.length}}$`));
      assert.match(values.masked, new RegExp(`^${MASK}{${MASKED.length}}$`));
      assert.deepEqual({ ...values, pw: undefined, masked: undefined }, {
        plain: 'plain words end',
        note: 'note words',
        editable: 'editable words',
        early: 'early shadow',
        late: 'late shadow last',
        pw: undefined,
        masked: undefined,
        maskedEmpty: '',
      });
    } finally {
      await replay.close();
    }
  });

  it('is stored and replayed when the customer closes the tab mid-word', async () => {
    const page = await openTypingPage();
    const sessionId = await recording(seen);
    await page.locator('#note').pressSequentially('closing note', { delay: 5 });
    await page.locator('#early input').pressSequentially('closing shadow', { delay: 5 });
    await page.locator('#plain').pressSequentially('closing plain', { delay: 5 });
    const lastAt = Date.now();
    await page.close(); // the tab, at once: focus still in #plain
    const stored = await storedText(sessionId, (t) => t.includes('"closing plain"'));
    for (const v of ['closing note', 'closing shadow', 'closing plain']) assert.ok(stored.includes(`"text":"${v}"`), `"${v}" stored`);
    await page.context().close();

    const replay = await replayBrowser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await replayMoment(replay, viewer.url, sessionId, `at=${lastAt}`, VIEWPORT);
      const values = await replayedValues(await replayFrame(replay));
      assert.deepEqual([values.note, values.early, values.plain], ['closing note', 'closing shadow', 'closing plain']);
    } finally {
      await replay.close();
    }
  });
});
