/**
 * No card number or IBAN reaches disk by any ingest route, in any encoding.
 * Every route gets its own card numbers (several brands and lengths) and IBANs
 * (several countries), each written every way test/helpers/secrets.ts knows, and
 * pushes them through the public entry points:
 *  - forward proxy, real Chromium: page URL and query, document text and title,
 *    JSON answers (UTF-8, UTF-16, no Content-Type, octet-stream, binary, base64 values, a JWT), response
 *    headers, a form post, a JSON post, typed input, textarea and contenteditable;
 *  - forward proxy and gateway, WebSocket: URL, text and binary messages;
 *  - gateway: page URL, user agent, JSON and form posts and answers, headers;
 *  - recorder uploads (proxy and gateway) with a hostile page URL, title, events and context;
 *  - kiosk collector: session, events, blobs, captures;
 *  - customer identity: an id read from a cookie.
 * Then it looks for every value, in every encoding, through the store API (decrypted),
 * the viewer's API and archive, and the raw bytes of every file under the data dir
 * (LevelDB records too), with and without a keyring. Each leak is reported with its route.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Level } from 'level';
import type { Browser } from 'playwright';
import { Masker, parseIdentityRules, parsePolicy, parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../../proxy/index';
import { encodeFrame, FrameReader } from '../../proxy/websocket-frames';
import { COLLECT_PATHS, EVENTS_PATH, PERSONAL_BODY_HEADER } from '../../recorder/protocol';
import { AccountStore, AuditLog, ViewerAccess } from '../../replay-viewer/auth/index';
import { CollectorRoutes } from '../../proxy/collector/routes';
import { TerminalRegistry } from '../../proxy/collector/terminals';
import { IngestPipeline } from '../../proxy/ingest/pipeline';
import { startViewer, type Viewer } from '../../replay-viewer/server';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { launchChromium } from '../../scripts/chromium';
import { canonical, encodings, findInCanonical, secretsFor } from '../helpers/secrets';

const root = path.resolve(import.meta.dirname, '../..');
const ROUTES = ['page url and query', 'document', 'json answers', 'response headers', 'form post', 'json post', 'typed input',
  'websocket', 'gateway', 'recorder upload', 'kiosk collector', 'customer identity'] as const;
type Route = typeof ROUTES[number];
const SECRETS = new Map(ROUTES.map((r, i) => [r, secretsFor(i + 1)]));
const valuesOf = (r: Route) => [...SECRETS.get(r)!.pans, ...SECRETS.get(r)!.ibans];
/** Every encoded form of every value of a route. */
function encoded(r: Route): string[] {
  const s = SECRETS.get(r)!;
  return [...s.pans.flatMap((p) => Object.values(encodings(p, 'pan'))), ...s.ibans.flatMap((i) => Object.values(encodings(i, 'iban')))];
}
/** As it may stand in a URL: characters a URL cannot hold raw are percent-encoded (a browser does the same). */
const urlSafe = (s: string) => s.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/g, (c) => encodeURIComponent(c));
const chunks = <T>(list: T[], n: number) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));
const typedPan = () => SECRETS.get('typed input')!.pans[0]!;

for (const sealed of [true, false]) {
  describe(`no card number or IBAN reaches disk by any route (${sealed ? 'with' : 'without'} a keyring)`, () => {
    let dir: string;
    let store: VerbatimStore;
    let site: http.Server;
    let origin: string;
    let proxy: RunningProxy;
    let gateway: RunningGateway;
    let viewer: Viewer;
    let browser: Browser | undefined;
    let terminalToken: string;
    let ingest: IngestPipeline;
    let audit: AuditLog;
    let terminals: TerminalRegistry;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-mask-routes-'));
      store = await openStore(path.join(dir, 'store'), sealed
        ? { integrity: { keysDir: path.join(dir, 'keys'), keyringDir: path.join(dir, 'keys', 'keyring'), sealIntervalMs: 0 } } : {});
      site = http.createServer(siteHandler);
      site.on('upgrade', echoWebSocket);
      await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
      origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      const masking = parsePolicy({});
      // As `verbatim start` wires it: one ingest pipeline for the proxy, the gateway and the kiosk collector, and the
      // audit trail through a masker of its own.
      const masker = new Masker(masking);
      ingest = new IngestPipeline({ store, masking, identityRules: parseIdentityRules({ rules: [{ from: 'cookie', name: 'cust' }] }) });
      const recorderScript = await readFile(path.join(root, 'dist', 'recorder', 'recorder.js'));
      const common = { store, dataDir: dir, recorderScript, port: 0, ingest, allowedTargets: ['127.0.0.1'] };
      proxy = await startProxy(common);
      gateway = await startGateway({ ...common, routes: parseUpstreams([origin]) });
      terminals = new TerminalRegistry(path.join(dir, 'terminals.json'));
      terminalToken = await terminals.add('kiosk-1');
      audit = await AuditLog.open(path.join(dir, 'audit.log'), Date.now, (s) => masker.text(s));
      const access = new ViewerAccess({ accounts: await AccountStore.open(path.join(dir, 'viewer-accounts.json')), audit, customerOf: (id) => store.customerOf(id) });
      viewer = await startViewer({ store, port: 0, uiDir: path.join(dir, 'ui'), access, collector: new CollectorRoutes(ingest, { terminals }) });
    });

    let closed = false;
    const closeAll = async () => {
      if (closed) return;
      closed = true;
      await browser?.close();
      await proxy?.close();
      await gateway?.close();
      await viewer?.close();
      await ingest?.close();
      // As the CLI does at shutdown: the status file's last write lands before anything reads the data dir.
      await terminals?.flush();
      await store?.close().catch(() => {});
    };

    after(async () => {
      await closeAll();
      site?.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise((r) => site?.close(r));
      await rm(dir, { recursive: true, force: true });
    });

    /** The hostile site: every answer carries its route's values in every encoding. */
    function siteHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
      const url = new URL(req.url ?? '/', origin);
      const lines = (r: Route) => encoded(r).map((e, i) => `<li id="v${i}">${e}</li>`).join('\n');
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        if (url.pathname === '/page') {
          // The site names its customer in a cookie it sets (identity rules read only what the site says).
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': `cust=${SECRETS.get('customer identity')!.pans[0]}; Path=/` });
          res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Card ${SECRETS.get('document')!.pans[0]}</title></head><body>
<ul>${lines('document')}</ul>
<form id="f" method="post" action="/form">${encoded('form post').map((e, i) => `<input type="hidden" name="f${i}" value="${e.replace(/"/g, '&quot;')}">`).join('')}
<input type="hidden" name="customer" value="x"></form>
<input id="typed" name="note"><textarea id="area"></textarea><div id="editable" contenteditable="true"></div>
<p id="status">loading</p>
<script>
  Promise.all(['/api/utf8', '/api/utf16', '/api/untyped', '/api/octet', '/api/binary', '/api/headers'].map((u) => fetch(u).then((r) => r.arrayBuffer())))
    .then(() => fetch('/api/post', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(${JSON.stringify(Object.fromEntries(encoded('json post').map((e, i) => [e, e + ' #' + i])))}) }))
    .then(() => { document.getElementById('status').textContent = 'ready'; });
</script></body></html>`);
          return;
        }
        const answers = encoded('json answers');
        const json = JSON.stringify({
          ...Object.fromEntries(answers.map((e, i) => [`k${i} ${e}`, e])),
          // Base64 that decodes to text: a JWT and plain base64 values.
          jwt: `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ pan: answers[0], iban: answers[200] ?? answers[1] })).toString('base64url')}.c2ln`,
          b64: answers.slice(0, 40).map((e) => Buffer.from(`value ${e}`).toString('base64')),
        });
        if (url.pathname === '/api/utf8') return void res.writeHead(200, { 'content-type': 'application/json' }).end(json);
        if (url.pathname === '/api/utf16') return void res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.from(json, 'utf16le'));
        if (url.pathname === '/api/untyped') { res.removeHeader('content-type'); return void res.writeHead(200).end(json); }
        if (url.pathname === '/api/octet') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(json);
        if (url.pathname === '/api/binary') {
          return void res.writeHead(200, { 'content-type': 'application/x-protobuf' })
            .end(Buffer.concat(encoded('json answers').slice(0, 60).map((e) => Buffer.concat([Buffer.from([0x0a, 0x00, 0xff]), Buffer.from(e)]))));
        }
        if (url.pathname === '/api/headers') {
          const h = encoded('response headers').filter((e) => /^[\x20-\x7e]*$/.test(e));
          res.writeHead(200, {
            'content-type': 'text/plain',
            'content-disposition': `attachment; filename="${h[0]}.pdf"`,
            'x-ref': h.slice(1, 20).join(', '),
            link: h.slice(20, 30).map((e) => `</x?${urlSafe(e)}>; rel=next`).join(', '),
            'set-cookie': h.slice(30, 40).map((e, i) => `c${i}=${urlSafe(e)}; Path=/`),
          });
          return void res.end('ok');
        }
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><html><head><title>ok</title></head><body><p id="done">ok</p></body></html>');
      });
    }

    const upgraded = new Set<Duplex>();
    function echoWebSocket(_req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
      upgraded.add(socket);
      socket.on('close', () => upgraded.delete(socket));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      const reader = new FrameReader(1 << 22, (m) => {
        if (m.kind === 'close') return void socket.end(encodeFrame(8, m.payload));
        socket.write(encodeFrame(m.kind === 'text' ? 1 : 2, m.payload));
      });
      if (head.length) reader.push(head);
      socket.on('data', (d: Buffer) => reader.push(d));
      socket.on('error', () => {});
    }

    /** A session cookie and the recorder token from a document fetched through `port` (forward: absolute URL). */
    async function documentSession(port: number, target: string, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0'): Promise<{ cookie: string; token: string }> {
      return new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: target, headers: { 'sec-fetch-dest': 'document', accept: 'text/html', host: `127.0.0.1:${port}`, 'user-agent': userAgent } }, (res) => {
          let html = '';
          res.on('data', (c) => { html += c; });
          res.on('end', () => {
            const cookie = (res.headers['set-cookie'] ?? []).find((v) => v.startsWith('__verbatim_s='))?.split(';')[0];
            const token = /data-verbatim-token="([^"]+)"/.exec(html)?.[1];
            cookie && token ? resolve({ cookie, token }) : reject(new Error('no session'));
          });
        }).on('error', reject);
      });
    }

    function request(port: number, target: string, method: string, headers: Record<string, string>, body?: Buffer | string): Promise<number> {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: target, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
        req.on('error', reject);
        req.end(body);
      });
    }

    async function websocket(port: number, target: string, cookie: string, messages: (string | Buffer)[]): Promise<void> {
      const socket = net.connect(port, '127.0.0.1');
      const mask = Buffer.from([9, 8, 7, 6]);
      await new Promise<void>((resolve, reject) => {
        let head = true;
        const reader = new FrameReader(1 << 22, (m) => { if (m.kind === 'close') { socket.destroy(); resolve(); } });
        socket.on('data', (d: Buffer) => {
          if (head) { head = false; d = d.subarray(d.indexOf('\r\n\r\n') + 4); }
          reader.push(d);
        });
        socket.on('error', reject);
        socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nCookie: ${cookie}\r\n\r\n`);
        for (const m of messages) socket.write(encodeFrame(typeof m === 'string' ? 1 : 2, typeof m === 'string' ? Buffer.from(m) : m, mask));
        const closing = Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from(`bye ${SECRETS.get('websocket')!.pans[1]}`)]);
        setTimeout(() => socket.write(encodeFrame(8, closing, mask)), 100);
      });
    }

    function upload(token: string, pageUrl: string, r: Route): Record<string, unknown> {
      const e = encoded(r);
      return {
        token, seq: 0, page: { id: `p-${r.length}`, url: `${pageUrl}?q=${urlSafe(e[0]!)}`, title: e.slice(0, 10).join(' | ') },
        viewport: { width: 800, height: 600 },
        context: {
          url: `${pageUrl}?${e.slice(0, 20).map((x, i) => `a${i}=${urlSafe(x)}`).join('&')}`,
          referrer: `https://ads.test/?${urlSafe(e[21]!)}`,
          source: { kind: 'campaign', utmSource: e[22]!.slice(0, 250), utmMedium: e[23]!.slice(0, 250), utmCampaign: e[24]!.slice(0, 250), utmTerm: e[25]!.slice(0, 250), utmContent: e[26]!.slice(0, 250) },
          language: 'en', languages: e.slice(27, 37).map((x) => x.slice(0, 60)), timeZone: 'Europe/Berlin',
        },
        events: [
          { type: 4, timestamp: 1_763_912_345_000, data: { href: `${pageUrl}?x=${urlSafe(e[40]!)}`, width: 800, height: 600 } },
          { type: 2, timestamp: 1_763_912_345_001, data: { node: { type: 0, id: 1, childNodes: [
            { type: 2, id: 2, tagName: 'p', attributes: { [e[41]!]: e[42]!, title: e[43]! }, childNodes: e.slice(44, 80).map((x, i) => ({ type: 3, id: 10 + i, textContent: x })) },
          ] } } },
          { type: 5, timestamp: 1_763_912_345_002, data: { tag: 'custom', payload: Object.fromEntries(e.slice(80, 120).map((x, i) => [x, i % 2 ? x : Number(SECRETS.get(r)!.pans[i % 10])])) } },
          { type: 6, timestamp: 1_763_912_345_003, data: { plugin: 'rrweb/console@1', payload: { level: 'log', payload: e.slice(120) } } },
        ],
      };
    }

    it('records every route', async () => {
      // Forward proxy, real Chromium.
      browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
      const context = await browser.newContext();
      await context.addCookies([{ name: 'cust', value: SECRETS.get('customer identity')!.pans[0]!, url: origin }]);
      const page = await context.newPage();
      const query = encoded('page url and query').map((e, i) => `q${i}=${urlSafe(e)}`);
      for (const part of chunks(query, 40)) await page.goto(`${origin}/other?${part.join('&')}`);
      await page.goto(`${origin}/page`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
      const pan = typedPan();
      await page.click('#typed');
      await page.keyboard.type(`card ${pan}`, { delay: 5 });
      await page.click('#area');
      await page.keyboard.type(`${pan.slice(0, 4)} ${pan.slice(4, 8)} ${pan.slice(8, 12)} ${pan.slice(12)}`, { delay: 5 });
      await page.click('#editable');
      await page.keyboard.type(`pay ${pan} and ${SECRETS.get('typed input')!.ibans[0]!.toLowerCase()}`, { delay: 5 });
      await page.waitForTimeout(300);
      await Promise.all([page.waitForNavigation(), page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
      await page.waitForSelector('#done');
      await page.waitForTimeout(300);
      await page.close();
      await context.close();

      // WebSocket through both modes: URL, text and binary messages.
      const ws = encoded('websocket');
      const wsMessages = [...ws.map((e) => `msg ${e}`), JSON.stringify({ password: 'hunter2', card: ws[0] }), ...ws.slice(0, 30).map((e) => Buffer.concat([Buffer.from([0, 0xff, 1]), Buffer.from(e), Buffer.from(e, 'utf16le')]))];
      const viaProxy = await documentSession(proxy.port, `${origin}/doc`);
      await websocket(proxy.port, `${origin.replace('http:', 'http:')}/live?card=${urlSafe(ws[1]!)}`, viaProxy.cookie, wsMessages);
      // A hostile user agent starts the gateway's session: the session record keeps it.
      const viaGateway = await documentSession(gateway.port, '/doc', `Mozilla/5.0 ${encoded('gateway')[3]}`);
      await websocket(gateway.port, `/live?iban=${urlSafe(ws[200] ?? ws[2]!)}`, viaGateway.cookie, wsMessages);

      // Gateway: page URL, JSON post and answer (headers and bodies are the site's).
      const g = encoded('gateway');
      for (const part of chunks(g.map((e, i) => `g${i}=${urlSafe(e)}`), 40)) {
        await request(gateway.port, `/other?${part.join('&')}`, 'GET', { cookie: viaGateway.cookie, 'sec-fetch-dest': 'document', accept: 'text/html' });
      }
      await request(gateway.port, '/api/post', 'POST', { cookie: viaGateway.cookie, 'content-type': 'application/json' }, JSON.stringify(Object.fromEntries(g.map((e, i) => [e, i]))));
      await request(gateway.port, '/api/post', 'POST', { cookie: viaGateway.cookie, 'content-type': 'application/x-www-form-urlencoded' }, g.map((e, i) => `${i}=${encodeURIComponent(e)}`).join('&'));

      // Recorder uploads with a hostile page and context, through both modes.
      const recorderSecrets = encoded('recorder upload');
      assert.ok(recorderSecrets.length > 130);
      assert.equal(await request(proxy.port, `${origin}${EVENTS_PATH}`, 'POST', { 'content-type': 'application/json', cookie: viaProxy.cookie }, JSON.stringify(upload(viaProxy.token, `${origin}/doc`, 'recorder upload'))), 204);
      assert.equal(await request(gateway.port, EVENTS_PATH, 'POST', { 'content-type': 'application/json', cookie: viaGateway.cookie }, JSON.stringify(upload(viaGateway.token, `${gateway.url}/doc`, 'recorder upload'))), 204);

      // Kiosk collector: session, events, blobs (shared and personal), captures.
      const auth = { authorization: `Bearer ${terminalToken}` };
      const collect = (method: string, p: string, body: unknown, extra: Record<string, string> = {}) =>
        fetch(viewer.url + p, { method, headers: { ...auth, 'content-type': 'application/json', ...extra }, body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) });
      const k = encoded('kiosk collector');
      const sessionId = 'kiosk-masking-1';
      assert.equal((await collect('POST', COLLECT_PATHS.sessions, { id: sessionId, startedAt: Date.now(), userAgent: `Chrome ${k[0]}`.slice(0, 1000) })).status, 201);
      assert.equal((await collect('POST', COLLECT_PATHS.events, upload(sessionId, 'https://bank.test/kiosk', 'kiosk collector'))).status, 200);
      const blobs = [Buffer.from(k.join('\n')), Buffer.from(JSON.stringify(Object.fromEntries(k.map((e, i) => [e, i]))), 'utf16le')];
      const captures = [];
      for (const [i, blob] of blobs.entries()) {
        const digest = createHash('sha256').update(blob).digest('hex');
        const put = await collect('PUT', `${COLLECT_PATHS.blobs}${digest}`, blob, { 'content-type': 'application/octet-stream', ...(i ? { [PERSONAL_BODY_HEADER]: sessionId } : {}) });
        assert.equal(put.status, 201);
        captures.push({
          id: `cap-${i}`, url: `https://bank.test/kiosk/${i}?c=${urlSafe(k[i]!)}`, method: 'GET', status: 200,
          headers: [['content-type', i ? 'application/json' : 'text/plain'], ['x-ref', k.slice(5, 15).filter((e) => /^[\x20-\x7e]*$/.test(e)).join(' ')]],
          startedAt: Date.now(), timing: { headersMs: 1, totalMs: 2 }, body: { digest, size: blob.length, encoding: '', truncated: false },
        });
      }
      const stored = await collect('POST', COLLECT_PATHS.captures, { sessionId, captures });
      assert.equal(stored.status, 200, await stored.text());

      // Reading them back through the viewer is a read path too (it writes the audit trail).
      for (const v of valuesOf('customer identity').slice(0, 2)) await fetch(`${viewer.url}/api/sessions?customer=${v}`);
      await proxy.drain();
      await gateway.drain();
      await ingest.drain();
    });

    const leaks = new Map<string, Set<string>>();
    const report = (where: string, text: string) => {
      const c = canonical(text);
      for (const r of ROUTES) {
        const found = findInCanonical(c, valuesOf(r));
        // What is typed is recorded keystroke by keystroke: no 7-digit start of the card either.
        if (r === 'typed input') found.push(...findInCanonical(c, [typedPan()], true).filter((f) => f.includes('prefix')));
        for (const f of found) {
          const key = `${r}: ${f}`;
          if (!leaks.has(key)) leaks.set(key, new Set());
          leaks.get(key)!.add(where);
        }
      }
    };
    const summary = () => [...leaks.entries()].map(([k, w]) => `${k} (in ${[...w].slice(0, 3).join(', ')}${w.size > 3 ? ', …' : ''})`);
    const routesHit = () => [...new Set([...leaks.keys()].map((k) => k.split(':')[0]))];

    it('finds none through the store API (decrypted)', async (t) => {
      leaks.clear();
      const sessions = await store.listSessions();
      assert.ok(sessions.length >= 3, `sessions: ${sessions.length}`);
      let bodies = 0;
      for (const s of sessions) {
        report(`session ${s.channel} record`, JSON.stringify(await store.getSession(s.id)));
        report(`session ${s.channel} events`, JSON.stringify(await store.readEvents(s.id)));
        report(`session ${s.channel} websocket log`, JSON.stringify(await store.listWebSocketMessages(s.id)));
        for (const m of await store.listWebSocketMessages(s.id)) if (m.encoding === 'base64') report(`session ${s.channel} websocket binary`, binaryViews(Buffer.from(m.data, 'base64')));
        const captures = await store.listCaptures(s.id);
        report(`session ${s.channel} captures`, JSON.stringify(captures));
        for (const c of captures) {
          for (const b of [c.body, c.requestBody]) {
            if (!b) continue;
            const bytes = await store.getBlob(b.digest, c.sessionId);
            if (bytes) { bodies++; report(`body of ${c.url.slice(0, 60)}`, binaryViews(Buffer.from(bytes), b.encoding)); }
          }
        }
      }
      t.diagnostic(`${sessions.length} sessions, ${bodies} bodies read; routes with leaks: ${routesHit().join(', ') || 'none'}`);
      assert.deepEqual(summary(), []);
    });

    it('finds none through the viewer API and archive', async (t) => {
      leaks.clear();
      const list = await (await fetch(`${viewer.url}/api/sessions`)).text();
      report('GET /api/sessions', list);
      let reads = 1;
      for (const s of JSON.parse(list) as { id: string }[]) {
        for (const p of ['', '/events', '/captures']) {
          const res = await fetch(`${viewer.url}/api/sessions/${s.id}${p}`);
          report(`GET /api/sessions/<id>${p}`, await res.text());
          reads++;
        }
        for (const c of await store.listCaptures(s.id)) {
          const res = await fetch(`${viewer.url}/archive/${s.id}/${c.startedAt + 1}/${c.url}`);
          report(`GET /archive/… ${res.status}`, binaryViews(Buffer.from(await res.arrayBuffer())));
          reads++;
        }
      }
      t.diagnostic(`${reads} viewer reads; routes with leaks: ${routesHit().join(', ') || 'none'}`);
      assert.deepEqual(summary(), []);
    });

    it('finds none in the raw bytes of any file under the data dir', async (t) => {
      leaks.clear();
      await closeAll();
      let files = 0;
      for await (const file of walk(dir)) {
        files++;
        report(`file ${path.relative(dir, file)}`, binaryViews(await readFile(file)));
      }
      const db = new Level<Buffer, Buffer>(path.join(dir, 'store'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await db.open();
      let records = 0;
      for await (const [key, value] of db.iterator()) {
        records++;
        const name = key.toString('latin1');
        const where = `record ${name.replace(/[^\x20-\x7e]/g, '?').slice(0, 40)}`;
        // Records are JSON; only bodies (b!, p!) may be UTF-16.
        const body = /^[bp]!/.test(name);
        report(where, `${name}\n${binaryViews(value, '', body)}`);
        for (const payload of [value, value.subarray(1)]) {
          try { report(`${where} (inflated)`, binaryViews(inflateRawSync(payload), '', body)); } catch { /* not deflate-raw */ }
        }
      }
      await db.close();
      t.diagnostic(`${files} files and ${records} LevelDB records read; routes with leaks: ${routesHit().join(', ') || 'none'}`);
      assert.ok(files > 5 && records > 20, `${files} files, ${records} records`);
      assert.deepEqual(summary(), []);
    });
  });
}

/** Text views of bytes: UTF-8, latin1, UTF-16LE and BE (decoded first when a content encoding is named). */
function binaryViews(bytes: Buffer, encoding = '', utf16 = true): string {
  let plain = bytes;
  try {
    if (encoding === 'gzip') plain = gunzipSync(bytes);
    else if (encoding === 'br') plain = brotliDecompressSync(bytes);
    else if (encoding === 'deflate') plain = inflateSync(bytes);
  } catch { /* keep the raw bytes */ }
  if (!utf16) return `${plain.toString('utf8')}\n${plain.toString('latin1')}`;
  const even = plain.length % 2 ? Buffer.concat([plain, Buffer.alloc(1)]) : Buffer.from(plain);
  return [plain.toString('utf8'), plain.toString('latin1'), plain.toString('utf16le'), even.swap16().toString('utf16le'),
    plain.subarray(1).toString('utf16le')].join('\n');
}

async function* walk(d: string): AsyncGenerator<string> {
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}
