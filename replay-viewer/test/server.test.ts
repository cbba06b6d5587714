import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash, randomUUID } from 'node:crypto';
import { LevelStore } from '../../store/level/level-store';
import type { CapturedResource, RecordedEvent } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { startViewer, type Viewer } from '../server';
import { rawGet } from './http-client';

const SID = 'q2hx7k4m5n6p7r8s9t2v3w4x5y';
const OLDER = 'a2hx7k4m5n6p7r8s9t2v3w4x5y';
const T0 = 1_712_000_000_000;
const SITE = 'https://bank.example';
const CSS = `@import "theme.css";\n@font-face{font-family:Bank;src:url(../fonts/bank.woff2) format("woff2")}\nbody{background:url('../img/bg.png') #eef}`;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005ff02fe5a8c2a5b0000000049454e44ae426082', 'hex');
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1" height="1" fill="red"/></svg>';

let dir: string;
let store: LevelStore;
let viewer: Viewer;
let failingViewer: Viewer;
const reported: unknown[] = [];

async function capture(url: string, at: number, body: Buffer, headers: [string, string][], extra: Partial<CapturedResource> = {}): Promise<CapturedResource> {
  const encoding = headers.find(([k]) => k === 'content-encoding')?.[1] ?? '';
  const digest = await store.putBlob(body);
  assert.equal(digest, createHash('sha256').update(body).digest('hex'));
  const record: CapturedResource = {
    id: randomUUID(), sessionId: SID, method: 'GET', url, status: 200, headers, startedAt: at,
    timing: { headersMs: 5, totalMs: 9 }, body: { digest, size: body.length, encoding, truncated: false }, ...extra,
  };
  await store.putCapture(record);
  return record;
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'verbatim-viewer-'));
  store = new LevelStore(path.join(dir, 'db'));
  await store.open();

  await store.createSession({ id: OLDER, channel: 'proxy', startedAt: T0 - 86_400_000 });
  await store.createSession({ id: SID, channel: 'proxy', startedAt: T0, browser: 'Chrome 124', os: 'Windows 10', deviceType: 'desktop', viewport: { width: 1280, height: 800 } });
  const page = { id: 'p1', url: `${SITE}/accounts/`, title: 'Accounts' };
  const events: RecordedEvent[] = [
    { type: 4, timestamp: T0 + 10, data: { href: page.url, width: 1280, height: 800 } },
    { type: 2, timestamp: T0 + 20, data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [
      { type: 2, id: 2, tagName: 'html', attributes: {}, childNodes: [
        { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [
          { type: 2, id: 4, tagName: 'link', attributes: { rel: 'stylesheet', href: '/static/css/site.css' }, childNodes: [] },
        ] },
        { type: 2, id: 5, tagName: 'body', attributes: {}, childNodes: [
          { type: 2, id: 6, tagName: 'img', attributes: { src: `${SITE}/img/logo.svg` }, childNodes: [] },
        ] },
      ] },
    ] } } },
  ];
  // Two batches, the second sent first and sharing a timestamp with the first: the API must sort stably.
  await store.appendEvents({ sessionId: SID, page, seq: 1, events: [
    { type: 3, timestamp: T0 + 500, data: { source: 1, positions: [{ x: 1, y: 1, id: 5, timeOffset: 0 }] } },
    { type: 3, timestamp: T0 + 500, data: { source: 1, positions: [{ x: 2, y: 2, id: 5, timeOffset: 0 }] } },
  ], receivedAt: T0 + 600 });
  await store.appendEvents({ sessionId: SID, page, seq: 0, viewport: { width: 1280, height: 800 }, events, receivedAt: T0 + 100 });

  await capture(`${SITE}/static/css/site.css`, T0 + 15, gzipSync(CSS), [
    ['content-type', 'text/css'], ['content-encoding', 'gzip'],
    ['content-security-policy', "default-src 'none'"], ['strict-transport-security', 'max-age=63072000'],
    ['x-frame-options', 'DENY'], ['set-cookie', 'sid=secret; HttpOnly'], ['cache-control', 'max-age=600'],
  ], { destination: 'style' });
  await capture(`${SITE}/static/img/bg.png`, T0 + 30, PNG, [['content-type', 'image/png']]);
  await capture(`${SITE}/img/logo.svg`, T0 + 25, gzipSync(SVG), [['content-type', 'image/svg+xml'], ['content-encoding', 'gzip']]);
  await capture(`${SITE}/static/js/app.js?_=1712000000123`, T0 + 26, Buffer.from('void 0;'), [['content-type', 'text/javascript']]);
  await capture(`${SITE}/old-home`, T0 + 27, Buffer.alloc(0), [['location', '/accounts/']], { status: 301 });
  // A bare 304 (no body) nearer to the moment than the 200 that carried the font.
  await capture(`${SITE}/static/fonts/bank.woff2`, T0 + 5, Buffer.from('wOF2-font-bytes'), [['content-type', 'font/woff2']]);
  await capture(`${SITE}/static/fonts/bank.woff2`, T0 + 28, Buffer.alloc(0), [], { status: 304 });
  // A stylesheet cut off by the capture cap: decode what there is.
  const long = `.a{background:url(a.png)}${'.x{color:red}'.repeat(2000)}`;
  const cut = gzipSync(long).subarray(0, 300);
  await capture(`${SITE}/static/css/long.css`, T0 + 29, cut, [['content-type', 'text/css; charset=utf-8'], ['content-encoding', 'gzip']]);
  const s = await store.listCaptures(SID);
  const longCapture = s.find((c) => c.url.endsWith('long.css'))!;
  await store.putCapture({ ...longCapture, id: randomUUID(), startedAt: T0 + 31, body: { ...longCapture.body!, truncated: true } });

  // WebSocket traffic: a long text (previewed), binary (size only), a close (code and reason).
  const ws = { sessionId: SID, socketId: 'sock1', url: 'wss://bank.example/live', truncated: false } as const;
  await store.putWebSocketMessages([
    { ...ws, seq: 0, direction: 'sent', at: T0 + 40, kind: 'text', size: 9, data: '{"sub":1}', encoding: 'utf8' },
    { ...ws, seq: 1, direction: 'received', at: T0 + 41, kind: 'text', size: 300, data: 'x'.repeat(300), encoding: 'utf8' },
    { ...ws, seq: 2, direction: 'received', at: T0 + 42, kind: 'binary', size: 4, data: Buffer.from([1, 2, 3, 4]).toString('base64'), encoding: 'base64' },
    { ...ws, seq: 3, direction: 'sent', at: T0 + 43, kind: 'close', size: 5, data: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]).toString('base64'), encoding: 'base64' },
  ]);

  await writeUiFixture(path.join(dir, 'ui'));
  viewer = await startViewer({ store, uiDir: path.join(dir, 'ui'), port: 0 });

  // The same viewer over a store that fails unexpectedly: the client must learn nothing internal.
  const broken = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'listCaptures') return async () => { throw new Error('leveldb: /secret/path corrupted'); };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as VerbatimStore;
  failingViewer = await startViewer({ store: broken, uiDir: path.join(dir, 'ui'), onError: (e) => reported.push(e) });
});

after(async () => {
  await viewer?.close();
  await failingViewer?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeUiFixture(ui: string): Promise<void> {
  await mkdir(ui, { recursive: true });
  await writeFile(path.join(ui, 'index.html'), '<!doctype html><title>Verbatim</title><script src="/assets/app.js" defer></script>');
  await writeFile(path.join(ui, 'app.js'), 'console.log(1)');
  await writeFile(path.join(ui, 'styles.css'), 'body{}');
  await writeFile(path.join(ui, 'rrweb.css'), '.replayer-wrapper{}');
}

test('GET /api/sessions lists sessions newest first with the documented fields', async () => {
  const res = await rawGet(`${viewer.url}/api/sessions`);
  assert.equal(res.status, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const list = res.json<any[]>();
  assert.ok(Array.isArray(list));
  assert.deepEqual(list.map((s) => s.id), [SID, OLDER]);
  const s = list[0];
  for (const key of ['id', 'channel', 'startedAt', 'endedAt', 'durationMs', 'pages', 'browser', 'os', 'deviceType', 'viewport', 'eventCount']) {
    assert.ok(key in s, `missing ${key}`);
  }
  assert.equal(s.startedAt, T0);
  assert.equal(s.endedAt, T0 + 500);
  assert.equal(s.durationMs, 500);
  assert.equal(s.eventCount, 4);
  assert.deepEqual(s.viewport, { width: 1280, height: 800 });
  assert.equal(s.pages.length, 1);
  assert.equal(s.pages[0].url, `${SITE}/accounts/`);
  assert.equal(s.pages[0].title, 'Accounts');
  assert.equal(typeof s.pages[0].startedAt, 'number');

  assert.deepEqual((await rawGet(`${viewer.url}/api/sessions?limit=1`)).json<any[]>().map((x) => x.id), [SID]);
  assert.deepEqual((await rawGet(`${viewer.url}/api/sessions?before=${T0}`)).json<any[]>().map((x) => x.id), [OLDER]);
  for (const q of ['limit=0', 'limit=abc', 'limit=100000', 'before=-1', 'before=1.5']) {
    const bad = await rawGet(`${viewer.url}/api/sessions?${q}`);
    assert.equal(bad.status, 400, q);
    assert.equal(bad.json().error.code, 'BAD_REQUEST');
  }
});

test('GET /api/sessions/<id>: the session, 404 for unknown, 400 for malformed ids', async () => {
  const ok = await rawGet(`${viewer.url}/api/sessions/${SID}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.json().id, SID);
  assert.equal(ok.json().durationMs, 500);
  assert.equal(ok.headers['cache-control'], 'no-store');

  const missing = await rawGet(`${viewer.url}/api/sessions/zzzzzzzzzzzzzzzzzzzzzzzzzz`);
  assert.equal(missing.status, 404);
  assert.deepEqual(Object.keys(missing.json().error).sort(), ['code', 'message']);
  assert.equal(missing.json().error.code, 'SESSION_UNKNOWN');
  for (const sub of ['', '/events', '/captures']) {
    assert.equal((await rawGet(`${viewer.url}/api/sessions/zzzzzzzzzzzzzzzzzzzzzzzzzz${sub}`)).status, 404, sub);
  }
  for (const bad of ['bad%20id', 'a.b', 'x%00y', 'a'.repeat(200)]) {
    const res = await rawGet(`${viewer.url}/api/sessions/${bad}`);
    assert.equal(res.status, 400, bad);
    assert.equal(res.json().error.code, 'BAD_REQUEST');
    assert.equal((await rawGet(`${viewer.url}/api/sessions/${bad}/events`)).status, 400);
    assert.equal((await rawGet(`${viewer.url}/sessions/${bad}`)).status, 400);
  }
});

test('GET /api/sessions/<id>/events: all events, stably time-sorted, URLs pointed at the archive', async () => {
  const res = await rawGet(`${viewer.url}/api/sessions/${SID}/events`, { 'accept-encoding': 'gzip' });
  assert.equal(res.status, 200);
  const body = JSON.parse((res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body) : res.body).toString());
  const events = body.events as any[];
  assert.deepEqual(events.map((e) => e.timestamp), [T0 + 10, T0 + 20, T0 + 500, T0 + 500]);
  assert.deepEqual(events.slice(2).map((e) => e.data.positions[0].x), [1, 2]);
  const html = events[1].data.node.childNodes[0];
  assert.equal(html.childNodes[0].childNodes[0].attributes.href, `/archive/${SID}/${T0 + 20}/${SITE}/static/css/site.css`);
  assert.equal(html.childNodes[1].childNodes[0].attributes.src, `/archive/${SID}/${T0 + 20}/${SITE}/img/logo.svg`);
});

test('GET /api/sessions/<id>/captures: the network log without bodies', async () => {
  const res = await rawGet(`${viewer.url}/api/sessions/${SID}/captures`);
  assert.equal(res.status, 200);
  const { captures } = res.json();
  assert.equal(captures.length, 9);
  assert.deepEqual(captures.map((c: CapturedResource) => c.startedAt), [...captures.map((c: CapturedResource) => c.startedAt)].sort((a, b) => a - b));
  const css = captures.find((c: CapturedResource) => c.url.endsWith('site.css'));
  assert.equal(css.status, 200);
  assert.equal(css.body.encoding, 'gzip');
  assert.equal(typeof css.body.digest, 'string');
  assert.ok(!('bytes' in css.body));
});

test('GET /api/sessions/<id>/captures: WebSocket messages with a text preview, binary as its size', async () => {
  const { webSockets } = (await rawGet(`${viewer.url}/api/sessions/${SID}/captures`)).json();
  assert.deepEqual(webSockets.map((m: { seq: number; direction: string; kind: string; size: number; preview?: string }) => [m.seq, m.direction, m.kind, m.size, m.preview]), [
    [0, 'sent', 'text', 9, '{"sub":1}'],
    [1, 'received', 'text', 300, `${'x'.repeat(200)}…`],
    [2, 'received', 'binary', 4, undefined],
    [3, 'sent', 'close', 5, '1000 bye'],
  ]);
  for (const m of webSockets) {
    assert.equal(m.url, 'wss://bank.example/live');
    assert.ok(!('data' in m) && !('sessionId' in m), 'payloads stay in the store');
  }
});

test('/archive serves a stylesheet decoded, rewritten against its original URL, without the archived security headers', async () => {
  const res = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 20}/${SITE}/static/css/site.css`, { 'accept-encoding': 'gzip, br' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(res.headers['content-encoding'], undefined);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['strict-transport-security'], undefined);
  assert.equal(res.headers['x-frame-options'], undefined);
  assert.equal(res.headers['set-cookie'], undefined);
  assert.doesNotMatch(String(res.headers['content-security-policy']), /default-src 'none'/);
  assert.match(String(res.headers['content-security-policy']), /sandbox/);
  const a = (p: string): string => `/archive/${SID}/${T0 + 20}/${SITE}${p}`;
  assert.equal(
    res.text,
    `@import "${a('/static/css/theme.css')}";\n@font-face{font-family:Bank;src:url("${a('/static/fonts/bank.woff2')}") format("woff2")}\nbody{background:url("${a('/static/img/bg.png')}") #eef}`,
  );
  assert.equal(res.headers['content-length'], String(res.body.length));
});

test('/archive passes encoded bodies through when accepted, decodes them otherwise', async () => {
  const url = `${viewer.url}/archive/${SID}/${T0 + 20}/${SITE}/img/logo.svg`;
  const passed = await rawGet(url, { 'accept-encoding': 'gzip' });
  assert.equal(passed.status, 200);
  assert.equal(passed.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(passed.body).toString(), SVG);
  const decoded = await rawGet(url, { 'accept-encoding': 'identity' });
  assert.equal(decoded.headers['content-encoding'], undefined);
  assert.equal(decoded.text, SVG);
  assert.equal(decoded.headers['content-type'], 'image/svg+xml');

  const png = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 20}/${SITE}/static/img/bg.png`);
  assert.equal(png.status, 200);
  assert.deepEqual(png.body, PNG);
  assert.equal(png.headers['x-verbatim-match'], 'exact');

  const head = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 20}/${SITE}/static/img/bg.png`, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String(PNG.length));
});

test('/archive answers a bare 304 capture with the body it revalidated', async () => {
  const res = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 30}/${SITE}/static/fonts/bank.woff2`);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'wOF2-font-bytes');
  assert.equal(res.headers['content-type'], 'font/woff2');
  assert.equal(res.headers['x-verbatim-match'], 'exact+revalidated');
});

test('/archive decodes and rewrites what there is of a truncated stylesheet', async () => {
  const res = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 40}/${SITE}/static/css/long.css`, { 'accept-encoding': 'gzip' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-verbatim-truncated'], '1');
  assert.equal(res.headers['content-encoding'], undefined);
  assert.ok(res.text.startsWith(`.a{background:url("/archive/${SID}/${T0 + 40}/${SITE}/static/css/a.png")}.x{color:red}`), res.text.slice(0, 120));
});

test('/archive redirects stay inside the archive', async () => {
  const res = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 30}/${SITE}/old-home`);
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, `/archive/${SID}/${T0 + 30}/${SITE}/accounts/`);
});

test('/archive falls back across cache-busting parameters', async () => {
  const res = await rawGet(`${viewer.url}/archive/${SID}/${T0 + 40}/${SITE}/static/js/app.js?_=1712000000999`);
  assert.equal(res.status, 200);
  assert.equal(res.text, 'void 0;');
  assert.equal(res.headers['x-verbatim-match'], 'session-fuzzy');
  assert.equal(res.headers['x-verbatim-original-url'], `${SITE}/static/js/app.js?_=1712000000123`);
});

test('/archive misses are 404 text with a reason; malformed targets are 400', async () => {
  const miss = await rawGet(`${viewer.url}/archive/${SID}/${T0}/${SITE}/static/img/missing.png`);
  assert.equal(miss.status, 404);
  assert.match(String(miss.headers['content-type']), /^text\/plain/);
  assert.match(miss.text, /no capture of https:\/\/bank\.example\/static\/img\/missing\.png/);
  for (const bad of [`/archive/${SID}/notatime/${SITE}/a.png`, `/archive/bad.id/1/${SITE}/a.png`, `/archive/${SID}/1/ftp://bank.example/a`, `/archive/${SID}/1/`]) {
    const res = await rawGet(`${viewer.url}${bad}`);
    assert.equal(res.status, 400, bad);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
  }
});

test('UI pages carry the no-live-site CSP; assets are served; other methods and paths are refused', async () => {
  for (const p of ['/', `/sessions/${SID}`, `/sessions/${SID}?at=${T0 + 20}&cursor=0`]) {
    const res = await rawGet(`${viewer.url}${p}`);
    assert.equal(res.status, 200, p);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    const nonce = /<script nonce="([^"]+)" src="\/assets\/app\.js\?v=[\w-]{27}"/.exec(res.text)?.[1];
    assert.ok(nonce, 'the app script carries a nonce');
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce!.replace(/[+/=]/g, '\\$&')}';`), 'scripts by nonce only: /archive/ is self too');
    for (const directive of ["default-src 'self'", "connect-src 'self'", "img-src 'self' data: blob:", "font-src 'self' data:", "frame-src 'self' blob:", "object-src 'none'", "base-uri 'none'"]) {
      assert.ok(csp.includes(directive), `${p}: ${directive}`);
    }
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
  }
  const js = await rawGet(`${viewer.url}/assets/app.js`);
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  // Revalidated each time; unchanged, a bodiless 304 (the browser keeps its copy and its compiled code).
  assert.equal(js.headers['cache-control'], 'no-cache');
  const again = await rawGet(`${viewer.url}/assets/app.js`, { 'if-none-match': String(js.headers.etag) });
  assert.deepEqual([again.status, again.body.length, again.headers.etag], [304, 0, js.headers.etag]);
  assert.equal((await rawGet(`${viewer.url}/assets/app.js`, { 'if-none-match': '"stale"' })).status, 200);
  // The page names it with its content's tag: that URL is cached as immutable (no revalidation per tab); a tag that is
  // not the file's (a page from before a rebuild) gets the file, revalidated.
  const page = await rawGet(`${viewer.url}/`);
  const tagged = /src="(\/assets\/app\.js\?v=([\w-]{27}))"/.exec(page.text);
  assert.ok(tagged, 'the page names app.js with a tag');
  assert.equal(`"${tagged[2]}"`, js.headers.etag, "the tag is the content's");
  const fixed = await rawGet(`${viewer.url}${tagged[1]}`);
  assert.deepEqual([fixed.status, fixed.headers['cache-control'], fixed.body.length], [200, 'public, max-age=31536000, immutable', js.body.length]);
  const old = await rawGet(`${viewer.url}/assets/app.js?v=${'A'.repeat(27)}`);
  assert.deepEqual([old.status, old.headers['cache-control']], [200, 'no-cache']);
  await writeFile(path.join(dir, 'ui', 'app.js'), 'console.log(2); // rebuilt');
  const rebuilt = /src="\/assets\/app\.js\?v=([\w-]{27})"/.exec((await rawGet(`${viewer.url}/`)).text)?.[1];
  await writeFile(path.join(dir, 'ui', 'app.js'), 'console.log(1)');
  assert.ok(rebuilt && rebuilt !== tagged[2], 'a rebuild changes the tag at once');
  assert.equal((await rawGet(`${viewer.url}/assets/rrweb.css`)).status, 200);
  assert.equal((await rawGet(`${viewer.url}/assets/styles.css`)).status, 200);
  assert.equal((await rawGet(`${viewer.url}/assets/../../etc/passwd`)).status, 404);
  assert.equal((await rawGet(`${viewer.url}/nope`)).status, 404);
  const post = await rawGet(`${viewer.url}/api/sessions`, {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
});

test('unexpected errors are a bare 500 and reach onError', async () => {
  const res = await rawGet(`${failingViewer.url}/api/sessions/${SID}/captures`);
  assert.equal(res.status, 500);
  assert.deepEqual(res.json(), { error: { code: 'INTERNAL', message: 'Internal error' } });
  assert.doesNotMatch(res.text, /secret|leveldb/);
  assert.equal(reported.length, 1);
});

