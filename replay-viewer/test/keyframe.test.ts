/**
 * Keyframes (replay/keyframe/, ui/keyframe-view.ts): a deep link's moment as static HTML, painted by the player
 * page's head script before app.js runs.
 *   - the keyframe of each moment of the sample bank's journey, recorded through the real proxy in real Chromium,
 *     matches the full player's replay of that moment within the journey's pixel limit (and the live screenshot);
 *   - a hostile recording (scripts, handlers, javascript: URLs, meta refresh, <base>, markup hidden in style text
 *     and attributes, nested frames) becomes a keyframe in which nothing runs, navigates or leaves the viewer.
 *   - a stylesheet rrweb could not read (another site's, recorded as a link) is inlined from the archive, its url()s
 *     still archived and hostile text in it still text: the keyframe asks for no stylesheet, paints it, and matches
 *     the player's frame; a link the archive has nothing for is left out, as the player's frame applies nothing.
 * Holding app.js back (a routed abort) keeps the keyframe on screen: it is what the page shows until the player runs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright';
import { PNG } from 'pngjs';
import type { RunningProxy } from '../../proxy/index';
import type { RecordedEvent, Session } from '../../store/records';
import { MAX_DIFF_RATIO, recordJourney, type Moment } from '../../test/helpers/bank-journey';
import { E2eRig } from '../../test/helpers/e2e-rig';
import { diffPng } from '../../test/helpers/pixels';
import { replayMoment } from '../../test/helpers/replay';
import { buildKeyframe } from '../replay/keyframe/index';
import type { Viewer } from '../server';

const VIEWPORT = { width: 1280, height: 800 };
const artifacts = path.join(os.tmpdir(), 'verbatim-keyframe');
const HOSTILE = 'k3yfr4meh0st1lesess10n00001';
const LINKED = 'k3yfr4mel1nkedstyle5heet001';
const T0 = 1_712_000_000_000;
const SITE = 'https://bank.example';

let rig: E2eRig;
let viewer: Viewer;
let browser: Browser;
let attacker: http.Server;
let attackerUrl = '';
const attackerHits: string[] = [];

before(async () => {
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  rig = await E2eRig.open('keyframe');
  attacker = http.createServer((req, res) => {
    attackerHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  viewer = await rig.viewer();
  browser = await rig.chromium();
});

after(async () => {
  await rig?.close();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
});

/** Opens a deep link with app.js held back and waits for the keyframe to be shown with its resources in. */
async function openKeyframe(page: Page, sessionId: string, at: number): Promise<void> {
  await page.route('**/assets/app.js*', (route) => route.abort());
  await page.goto(`${viewer.url}/sessions/${sessionId}?at=${at}&cursor=0`);
  await page.waitForFunction(() => {
    const iframe = document.querySelector<HTMLIFrameElement>('[data-keyframe] iframe');
    return !!document.documentElement.dataset.firstFrame && iframe?.checkVisibility({ visibilityProperty: true })
      && iframe.contentDocument?.readyState === 'complete';
  }, undefined, { timeout: 30_000 });
  await page.evaluate(() => document.querySelector<HTMLIFrameElement>('[data-keyframe] iframe')!.contentDocument!.fonts.ready.then(() => undefined));
}

async function keyframeShot(page: Page, sessionId: string, at: number): Promise<Buffer> {
  await openKeyframe(page, sessionId, at);
  const box = (await page.locator('[data-keyframe] iframe').boundingBox())!;
  assert.ok(Math.abs(box.width - VIEWPORT.width) < 1 && Math.abs(box.height - VIEWPORT.height) < 1, `keyframe is ${box.width}x${box.height}`);
  return page.screenshot({ animations: 'disabled', caret: 'hide', clip: { x: Math.round(box.x), y: Math.round(box.y), width: VIEWPORT.width, height: VIEWPORT.height } });
}

describe('the keyframe of a recorded page', () => {
  let moments: Moment[] = [];
  let session: Session;
  let proxy: RunningProxy;

  it('matches the full replay of each moment of the sample bank journey', async () => {
    const bank = await rig.bank({ version: 1 });
    proxy = await rig.proxy();
    const recording = await rig.chromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    moments = await recordJourney(recording, bank.url, VIEWPORT, artifacts);
    await proxy.drain();
    [session] = await rig.store.listSessions();
    assert.ok(session);
    for (const moment of moments) {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      const keyframe = await keyframeShot(page, session.id, moment.at);
      await page.close();
      const player = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      const replay = await replayMoment(player, viewer.url, session.id, `at=${moment.at}`, VIEWPORT);
      await player.close();
      await writeFile(path.join(artifacts, `${moment.label}-keyframe.png`), keyframe);
      await writeFile(path.join(artifacts, `${moment.label}-replay.png`), replay);
      const diff = diffPng(replay, keyframe);
      await writeFile(path.join(artifacts, `${moment.label}-keyframe-diff.png`), diff.diffPng);
      assert.ok(diff.ratio <= MAX_DIFF_RATIO, `${moment.label}: the keyframe differs from the replay in ${(diff.ratio * 100).toFixed(2)} % of pixels; see ${artifacts}`);
      const live = diffPng(moment.png, keyframe);
      console.log(`# ${moment.label}: keyframe vs replay ${(diff.ratio * 100).toFixed(3)} %, vs live ${(live.ratio * 100).toFixed(3)} % of pixels`);
      assert.ok(live.ratio <= MAX_DIFF_RATIO, `${moment.label}: the keyframe differs from the live page in ${(live.ratio * 100).toFixed(2)} % of pixels`);
    }
  });
});

/** What recorded script would do if it ran: say so and leave for the attacker. */
const payload = (tag: string): string => `console.log('PWNED ${tag}');location.href=${JSON.stringify(`${attackerUrl}/ran/${tag}`)}`;

function hostileEvents(): RecordedEvent[] {
  const el = (id: number, tagName: string, attributes: Record<string, unknown>, childNodes: unknown[] = [], extra: Record<string, unknown> = {}): unknown =>
    ({ type: 2, id, tagName, attributes, childNodes, ...extra });
  const text = (id: number, textContent: string, extra: Record<string, unknown> = {}) => ({ type: 3, id, textContent, ...extra });
  const breakout = `</style><img src=x onerror="${payload('style-breakout')}"><meta http-equiv="refresh" content="0;url=${attackerUrl}/refresh/style">`;
  return [
    { type: 4, timestamp: T0 + 10, data: { href: `${SITE}/statement`, width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 20, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 1, id: 40, name: 'html', publicId: '', systemId: '' },
      el(2, 'html', {}, [
        el(3, 'head', {}, [
          el(4, 'base', { href: `${attackerUrl}/base/` }),
          el(5, 'meta', { 'http-equiv': 'refresh', content: `0;url=${attackerUrl}/refresh/top` }),
          el(6, 'script', { src: `${attackerUrl}/x.js` }, [text(41, payload('script'))]),
          el(7, 'style', {}, [text(8, `body{color:#123} /* ${breakout} */`, { isStyle: true })]),
          el(9, 'link', { rel: 'stylesheet', _cssText: `p{margin:0}${breakout}` }),
        ]),
        el(10, 'body', { onload: payload('body-onload') }, [
          el(11, 'h1', { id: 'title' }, [text(12, 'statement')]),
          el(13, 'img', { src: 'nope.png', onerror: payload('img-onerror') }),
          el(14, 'a', { href: `javascript:${payload('link')}`, id: 'link' }, [text(15, 'link')]),
          el(16, 'form', { action: `${attackerUrl}/form`, id: 'f' }, [el(17, 'input', { type: 'submit', autofocus: '', formaction: `javascript:${payload('formaction')}` })]),
          el(18, 'iframe', { srcdoc: `<script>${payload('srcdoc')}</script>`, width: '300', height: '100' }),
          el(19, 'svg', { onload: payload('svg-onload'), width: '20', height: '20' }, [el(20, 'script', {}, [text(21, payload('svg-script'))], { isSVG: true })], { isSVG: true }),
          el(22, 'textarea', { value: `</textarea><img src=x onerror="${payload('textarea')}">` }),
          el(23, 'title', {}, [text(24, `</title><img src=x onerror="${payload('title')}">`)]),
          el(25, 'div', { 'data-verbatim-scroll': '0 999999', 'x" onmouseover="a': '1', style: 'color:red" onload="x' }, [text(26, 'forged attributes')]),
          el(27, 'plaintext', {}, [text(28, '<script>never</script>')]),
          // A nested frame's own document, as rrweb records a same-origin frame.
          el(29, 'iframe', { width: '300', height: '100' }, [
            { type: 0, id: 30, childNodes: [el(31, 'html', {}, [el(32, 'head', {}, [
              el(33, 'meta', { 'http-equiv': 'refresh', content: `0;url=${attackerUrl}/refresh/nested` }),
              el(34, 'script', {}, [text(35, payload('nested-script'))]),
            ]), el(36, 'body', { onload: payload('nested-onload') }, [el(37, 'p', { id: 'nested' }, [text(38, 'inside')])])])] },
          ]),
        ]),
      ]),
    ] } } },
    // Added later: the same again through a mutation.
    { type: 3, timestamp: T0 + 200, data: { source: 0, texts: [], removes: [], attributes: [{ id: 13, attributes: { onload: payload('mutation-onload') } }], adds: [
      { parentId: 3, nextId: null, node: el(50, 'meta', { 'http-equiv': 'refresh', content: `0;url=${attackerUrl}/refresh/added` }) },
      { parentId: 10, nextId: null, node: el(51, 'a', { href: ` java\tscript:${payload('added-link')}` }, [text(52, 'added')]) },
    ] } },
  ];
}

describe('the keyframe of a hostile recording', () => {
  before(async () => {
    await rig.store.createSession({ id: HOSTILE, channel: 'proxy', startedAt: T0, viewport: { width: 800, height: 600 } });
    await rig.store.appendEvents({ sessionId: HOSTILE, page: { id: 'p1', url: `${SITE}/statement` }, seq: 0, events: hostileEvents(), receivedAt: T0 + 400 });
  });

  it('writes no script or base element, and keeps style text inside its element', async () => {
    const keyframe = await buildKeyframe(hostileEvents());
    assert.ok(keyframe);
    const html = keyframe.html;
    // Markup in recorded text and attributes is escaped (`&lt;script`), so these can only be real tags (the style
    // text's own `<img …><meta http-equiv …>` is text of the style element, checked below and in Chromium).
    assert.doesNotMatch(html, /<script|<base|<plaintext/i);
    // The recorded `</style>` stays text of the style element (written `<\/style>`): the <style> and the inlined <link>.
    assert.equal(html.split('<\\/style><img').length - 1, 2);
    assert.equal((html.match(/<style[\s>]/g) ?? []).length, (html.match(/<\/style>/g) ?? []).length);
    assert.doesNotMatch(html, /data-verbatim-scroll/);
    // A canvas is the player's to draw: no keyframe then.
    const withCanvas = hostileEvents();
    (withCanvas[1]!.data as { node: { childNodes: { childNodes: { childNodes: unknown[] }[] }[] } }).node.childNodes[1]!.childNodes[1]!.childNodes.push({ type: 2, id: 99, tagName: 'canvas', attributes: {}, childNodes: [] });
    assert.equal(await buildKeyframe(withCanvas), null);
  });

  it('runs nothing, navigates nowhere and asks nothing outside the viewer in Chromium', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const ran: string[] = [];
    const outside: string[] = [];
    page.on('console', (m) => { if (m.text().includes('PWNED')) ran.push(m.text()); });
    page.on('dialog', (d) => { ran.push(`dialog ${d.message()}`); void d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith(viewer.url) && !/^(data|blob|about):/.test(r.url())) outside.push(r.url()); });
    const events: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/events')) events.push(r.url()); });
    await openKeyframe(page, HOSTILE, T0 + 300);
    // Carried in the page itself (ui-routes.ts), so its events were asked for without one.
    assert.equal(await page.evaluate(() => document.documentElement.dataset.pageKeyframe), HOSTILE);
    assert.ok(events.length > 0 && events.every((u) => !u.includes('keyframe=1')), events.join(' '));
    const seen = await page.evaluate(() => {
      const doc = document.querySelector<HTMLIFrameElement>('[data-keyframe] iframe')!.contentDocument!;
      const nested = doc.querySelectorAll('iframe')[1]?.contentDocument;
      return {
        url: doc.URL,
        title: doc.getElementById('title')?.textContent,
        nested: nested?.getElementById('nested')?.textContent,
        nestedUrl: nested?.URL,
        scripts: doc.querySelectorAll('script, base, meta[http-equiv]').length + (nested?.querySelectorAll('script, base, meta[http-equiv]').length ?? 0),
        handlers: Array.from(doc.querySelectorAll('*')).flatMap((e) => e.getAttributeNames().filter((n) => n.startsWith('on'))),
        scriptUrls: Array.from(doc.querySelectorAll('[href], [src], [action], [formaction]')).flatMap((e) => ['href', 'src', 'action', 'formaction']
          .map((n) => e.getAttribute(n) ?? '').filter((v) => /script:/i.test(v.replace(/\s/g, '')))),
        styleText: Array.from(doc.querySelectorAll('style')).map((s) => s.textContent ?? '').join('\n'),
        scrolled: doc.querySelector('[data-verbatim-scroll]') !== null,
        textarea: doc.querySelector('textarea')?.value,
      };
    });
    // Written into the frame's about:blank document: document.open() gives it the writer's URL, as rrweb's frame has.
    assert.equal(seen.url, page.url());
    assert.equal(seen.title, 'statement', 'the keyframe shows the recorded page');
    assert.equal(seen.nested, 'inside', 'the nested frame shows its recorded document');
    assert.equal(seen.nestedUrl, 'about:srcdoc');
    assert.equal(seen.scripts, 0);
    assert.deepEqual(seen.handlers, []);
    assert.deepEqual(seen.scriptUrls, []);
    assert.match(seen.styleText, /<\\\/style><img src=x onerror/, 'the markup in the style text is text');
    assert.equal(seen.scrolled, false, 'a recorded data-verbatim-scroll is dropped');
    assert.match(seen.textarea ?? '', /^<\/textarea><img/, 'markup in a value stays text');
    // Every frame of the page is still where it was put: no refresh, no followed link, no form sent.
    for (const frame of page.frames()) assert.ok(/^(about:srcdoc|about:blank)$/.test(frame.url()) || frame.url() === page.url(), frame.url());
    assert.ok(page.url().startsWith(`${viewer.url}/sessions/${HOSTILE}`));
    // The link and the form, clicked in the frame, go nowhere (the frame takes no pointer; and no script or navigation out).
    await page.locator('[data-keyframe] iframe').click({ force: true }).catch(() => undefined);
    assert.deepEqual(ran, []);
    assert.deepEqual(outside, []);
    assert.deepEqual(attackerHits, []);
    await page.close();
  });
});

describe('the keyframe of a page whose stylesheet rrweb could not read', () => {
  const CDN = 'https://cdn.example';
  // A colour no default style gives: seen only when the archived stylesheet applies.
  const BACKGROUND = [10, 120, 200];
  const tile = (): Buffer => {
    const img = new PNG({ width: 8, height: 8 });
    for (let i = 0; i < 64; i++) img.data.set(i % 2 ? [250, 200, 0, 255] : [20, 20, 20, 255], i * 4);
    return PNG.sync.write(img);
  };
  const capture = async (url: string, body: Buffer, contentType: string): Promise<void> => {
    const digest = await rig.store.putBlob(body);
    await rig.store.putCapture({
      id: randomUUID(), sessionId: LINKED, method: 'GET', url, status: 200, headers: [['content-type', contentType]], startedAt: T0 + 5,
      timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: body.length, encoding: '', truncated: false },
    });
  };

  before(async () => {
    await rig.store.createSession({ id: LINKED, channel: 'proxy', startedAt: T0, viewport: VIEWPORT });
    const css = `body{margin:0;background:rgb(${BACKGROUND.join(',')})} #box{width:400px;height:300px;background:url(img/tile.png)}`
      + ` /* </style><img src=x onerror="${payload('css')}"> */ h1{color:#fff;font:bold 40px sans-serif;margin:0;padding:20px}`;
    await capture(`${CDN}/site.css`, Buffer.from(css), 'text/css');
    await capture(`${CDN}/img/tile.png`, tile(), 'image/png');
    const el = (id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []): unknown => ({ type: 2, id, tagName, attributes, childNodes });
    await rig.store.appendEvents({ sessionId: LINKED, page: { id: 'p1', url: `${SITE}/offers` }, seq: 0, receivedAt: T0 + 400, events: [
      { type: 4, timestamp: T0 + 10, data: { href: `${SITE}/offers`, ...VIEWPORT } },
      { type: 2, timestamp: T0 + 20, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
        { type: 1, id: 2, name: 'html', publicId: '', systemId: '' },
        el(3, 'html', {}, [
          el(4, 'head', {}, [el(5, 'link', { rel: 'stylesheet', href: `${CDN}/site.css` }), el(6, 'link', { rel: 'stylesheet', href: `${CDN}/gone.css` })]),
          el(7, 'body', {}, [el(8, 'h1', { id: 'title' }, [{ type: 3, id: 9, textContent: 'offers' }]), el(10, 'div', { id: 'box' })]),
        ]),
      ] } } },
    ] });
  });

  it('inlines it from the archive: no request for it, painted as the player paints it', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const sheets: string[] = [];
    page.on('request', (r) => { if (/\.css$/.test(r.url()) && r.url().includes('/archive/')) sheets.push(r.url()); });
    const keyframe = await keyframeShot(page, LINKED, T0 + 300);
    const seen = await page.evaluate(() => {
      const doc = document.querySelector<HTMLIFrameElement>('[data-keyframe] iframe')!.contentDocument!;
      return { links: doc.querySelectorAll('link').length, styles: Array.from(doc.querySelectorAll('style')).map((s) => s.textContent ?? '').join('\n'), imgs: doc.querySelectorAll('img').length };
    });
    await page.close();
    assert.deepEqual(sheets, [], 'the keyframe asks the archive for no stylesheet');
    assert.equal(seen.links, 0, 'the archived stylesheet is inlined, the missing one left out');
    assert.match(seen.styles, /url\("?\/archive\/k3yfr4mel1nkedstyle5heet001\/\d+\/https:\/\/cdn\.example\/img\/tile\.png/, 'its url() still points at the archive');
    assert.match(seen.styles, /<\\\/style><img src=x onerror/, 'markup in the archived stylesheet stays text');
    assert.equal(seen.imgs, 0);
    // Its rules apply: the body's colour in the keyframe's corner (the heading's padding is that colour too).
    const png = PNG.sync.read(keyframe);
    const at = (x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));
    assert.deepEqual(at(VIEWPORT.width - 5, VIEWPORT.height - 5), BACKGROUND, 'the archived stylesheet applies');
    // And the tile image it names (yellow or black squares, not the background).
    assert.notDeepEqual(at(100, 150), BACKGROUND, 'the archived url() image is drawn');
    const player = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    const replay = await replayMoment(player, viewer.url, LINKED, `at=${T0 + 300}`, VIEWPORT);
    await player.close();
    await writeFile(path.join(artifacts, 'linked-keyframe.png'), keyframe);
    await writeFile(path.join(artifacts, 'linked-replay.png'), replay);
    const diff = diffPng(replay, keyframe);
    assert.ok(diff.ratio <= MAX_DIFF_RATIO, `the keyframe differs from the replay in ${(diff.ratio * 100).toFixed(2)} % of pixels; see ${artifacts}`);
    assert.deepEqual(attackerHits, []);
  });
});
