/**
 * The proxy against real upstream servers on loopback and a real LevelDB store:
 * injection (identity, gzip, br), CSP, capture bytes, revalidation, errors,
 * HTTPS interception, WebSocket pass-through and the upload endpoint's refusals.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { generateCACertificate } from 'mockttp';
import { getCA } from 'mockttp/dist/util/certificates';
import { startProxy, type RunningProxy } from '../index';
import { newSessionId, SessionTokens } from '../session-tokens';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const PAGE = '<!doctype html><html><head><title>Konto Übersicht</title></head><body>' + 'x'.repeat(20_000) + '</body></html>';
const CSS = 'body { background: url(bg.png) }';
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let dir: string;
let store: VerbatimStore;
let proxy: RunningProxy;
let upstream: http.Server;
let origin: string;
const seen: http.IncomingHttpHeaders[] = [];

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push(req.headers);
  const url = req.url ?? '/';
  if (url === '/page') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(PAGE),
      'content-security-policy': "default-src 'self'; script-src 'nonce-site123'" });
    return void res.end(PAGE);
  }
  if (url === '/gz' || url === '/br') {
    const body = url === '/gz' ? zlib.gzipSync(PAGE) : zlib.brotliCompressSync(PAGE);
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': url.slice(1) === 'gz' ? 'gzip' : 'br', 'content-length': body.length });
    return void res.end(body);
  }
  if (url === '/gz-streamed' || url === '/br-streamed') {
    // No Content-Length, sent in two parts: the streaming path.
    const body = url === '/gz-streamed' ? zlib.gzipSync(PAGE) : zlib.brotliCompressSync(PAGE);
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': url.startsWith('/gz') ? 'gzip' : 'br' });
    res.write(body.subarray(0, 10));
    return void setTimeout(() => res.end(body.subarray(10)), 20);
  }
  if (url === '/gz-broken-small') {
    const body = Buffer.from('not gzip either');
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': body.length });
    return void res.end(body);
  }
  if (url.startsWith('/style.css')) {
    if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
    res.writeHead(200, { 'content-type': 'text/css', etag: '"v1"', 'content-length': CSS.length });
    return void res.end(CSS);
  }
  if (url === '/fetched.html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return void res.end('<p>fragment</p>');
  }
  res.writeHead(404).end();
}

function viaProxy(url: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET', body?: Buffer | string):
  Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: Buffer; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: url, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const enc = res.headers['content-encoding'];
        let text: string;
        try {
          text = (enc === 'gzip' ? zlib.gunzipSync(raw) : enc === 'br' ? zlib.brotliDecompressSync(raw) : raw).toString('utf8');
        } catch {
          text = raw.toString('latin1'); // a body that claims an encoding it does not have
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-proxy-'));
  store = await openStore(path.join(dir, 'store'));
  upstream = http.createServer(route);
  upstream.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(Buffer.concat([Buffer.from('echo:'), d])));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  proxy = await startProxy({ allowedTargets: LOOPBACK, store, dataDir: dir, recorderScript: Buffer.from('/* recorder */'), port: 0, maxUploadBytes: 64 * 1024 });
});

after(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('forward proxy', () => {
  it('injects the recorder into an identity HTML document with an exact Content-Length, reusing the CSP nonce', async () => {
    const res = await viaProxy(`${origin}/page`, { 'sec-fetch-dest': 'document', accept: 'text/html' });
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers['content-length']), res.raw.length);
    assert.match(res.text, /<head><script data-verbatim-src="\/__verbatim\/recorder-[0-9a-f]{16}\.js" data-verbatim-token="[a-z2-7]{26}\.[\w-]{22}" data-verbatim-endpoint="\/__verbatim\/events" nonce="site123">\(function\(s\)[\s\S]*?<\/script><title>Konto Übersicht<\/title>/);
    assert.equal(res.headers['content-security-policy'], "default-src 'self'; script-src 'nonce-site123'");
    assert.match(String(res.headers['set-cookie']), /^__verbatim_s=[a-z2-7]{26}\.[\w-]{22}; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(res.raw.length - Buffer.byteLength(PAGE), res.text.match(/<script data-verbatim-src[^>]*>[\s\S]*?<\/script>/)![0].length);
  });

  it('injects through gzip and brotli and keeps the encoding, in one step when the length is known, else streaming', async () => {
    for (const p of ['gz', 'br', 'gz-streamed', 'br-streamed']) {
      const res = await viaProxy(`${origin}/${p}`, { 'sec-fetch-dest': 'document' });
      assert.equal(res.headers['content-encoding'], p.startsWith('gz') ? 'gzip' : 'br');
      // A known-length document is rewritten whole and keeps an exact Content-Length.
      assert.equal(res.headers['content-length'], p.endsWith('streamed') ? undefined : String(res.raw.length));
      assert.ok(res.text.startsWith('<!doctype html><html><head><script data-verbatim-src="/__verbatim/recorder-'), p);
      assert.ok(res.text.endsWith('x</body></html>'));
    }
  });

  it('passes a known-length document that does not decode through untouched', async () => {
    const res = await viaProxy(`${origin}/gz-broken-small`, { 'sec-fetch-dest': 'document' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.raw, Buffer.from('not gzip either'));
  });

  it('does not inject into HTML fetched by script', async () => {
    const res = await viaProxy(`${origin}/fetched.html`, { 'sec-fetch-dest': 'empty' });
    assert.equal(res.text, '<p>fragment</p>');
  });

  it('serves bots and health checks their page untouched, captured, without starting a session', async () => {
    // Sessions the tests before started are written off the request path: count them once they landed.
    await proxy.drain();
    const sessionsBefore = (await store.listSessions({ limit: 500 })).length;
    const counted = proxy.captureStats.notBrowserPages;
    for (const ua of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.5.0', 'kube-probe/1.29', 'ELB-HealthChecker/2.0']) {
      const res = await viaProxy(`${origin}/page`, { accept: 'text/html', 'user-agent': ua });
      assert.equal(res.text, PAGE, ua);
      assert.equal(res.headers['set-cookie'], undefined, ua);
    }
    // A browser without Fetch Metadata still gets the recorder.
    const old = await viaProxy(`${origin}/page`, { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Mobile/15E148 Safari/604.1' });
    assert.match(old.text, /data-verbatim-src/);
    // Headless Chrome sends no Fetch Metadata to a plain-HTTP origin: automation is a browser, recorded.
    const headless = await viaProxy(`${origin}/page`, { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36' });
    assert.match(headless.text, /data-verbatim-src/);
    await proxy.drain();
    assert.equal(proxy.captureStats.notBrowserPages - counted, 4);
    assert.equal((await store.listSessions({ limit: 500 })).length - sessionsBefore, 2, 'two sessions: the browsers\'');
    const capture = await store.latestCapture(`${origin}/page`);
    assert.equal(capture?.body?.digest, sha(PAGE));
  });

  it('captures the bytes the site sent (not the injected copy) and the session', async () => {
    const res = await viaProxy(`${origin}/page`, { 'sec-fetch-dest': 'document' });
    await proxy.drain();
    const capture = await store.latestCapture(`${origin}/page`);
    assert.ok(capture?.body);
    assert.equal(capture.body.digest, sha(PAGE));
    assert.equal(Buffer.from((await store.getBlob(capture.body.digest))!).toString('utf8'), PAGE);
    const sid = String(res.headers['set-cookie']).match(/__verbatim_s=([a-z2-7]{26})/)![1];
    assert.equal(capture.sessionId, sid);
    assert.ok(await store.getSession(sid));
    const gz = await store.latestCapture(`${origin}/gz`);
    assert.equal(gz?.body?.encoding, 'gzip');
    assert.equal(gz?.body?.digest, sha(zlib.gzipSync(PAGE)));
  });

  it('keeps a 304 only when the store holds the body, and records the revalidation', async () => {
    seen.length = 0;
    const first = await viaProxy(`${origin}/style.css?fresh`, { 'if-none-match': '"v1"', 'sec-fetch-dest': 'style' });
    assert.equal(first.status, 200, 'an unknown URL is fetched whole');
    assert.equal(seen[0]['if-none-match'], undefined);
    await proxy.drain();
    const second = await viaProxy(`${origin}/style.css?fresh`, { 'if-none-match': '"v1"', 'sec-fetch-dest': 'style' });
    assert.equal(second.status, 304);
    await proxy.drain();
    const latest = await store.latestCapture(`${origin}/style.css?fresh`);
    assert.ok(latest?.revalidatedFrom);
    assert.equal(latest.status, 200);
    assert.equal(latest.body?.digest, sha(CSS));
  });

  it('answers 502 with a page when the upstream is unreachable, and keeps serving', async () => {
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const res = await viaProxy(`http://127.0.0.1:${port}/x`, { 'sec-fetch-dest': 'document' });
    assert.equal(res.status, 502);
    assert.match(res.text, /could not be reached/);
    assert.equal((await viaProxy(`${origin}/fetched.html`)).status, 200);
  });

  it('passes WebSocket upgrades through', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: proxy.port, path: `${origin}/ws`,
        headers: { connection: 'Upgrade', upgrade: 'websocket' } });
      req.on('upgrade', (_res, socket) => {
        socket.write('ping');
        socket.once('data', (d: Buffer) => { resolve(d.toString()); socket.destroy(); });
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(echoed, 'echo:ping');
  });
});

describe('recorder endpoint', () => {
  const events = [{ type: 4, timestamp: Date.now(), data: { href: 'http://x/', width: 800, height: 600 } }];
  let token: string;
  before(async () => {
    const res = await viaProxy(`${origin}/page`, { 'sec-fetch-dest': 'document' });
    token = res.text.match(/data-verbatim-token="([^"]+)"/)![1];
  });
  const post = (body: unknown, raw?: string) => viaProxy(`${origin}/__verbatim/events`, { 'content-type': 'application/json' }, 'POST', raw ?? JSON.stringify(body));
  const upload = (over: Record<string, unknown> = {}) => ({ token, page: { id: 'p1', url: 'http://x/' }, seq: 0, events, ...over });

  it('stores a valid upload (204) and refuses bad ones with a reason', async () => {
    assert.equal((await post(upload())).status, 204);
    const bad = await post(undefined, '{"token":');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /PAYLOAD_INVALID/);
    assert.equal((await post(upload({ events: [{ type: 'x' }] }))).status, 400);
    const big = await post(upload({ seq: 1, events: [{ type: 3, timestamp: 1, data: 'y'.repeat(70_000) }] }));
    assert.equal(big.status, 413);
    const forged = await post(upload({ token: token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }));
    assert.equal(forged.status, 403);
    assert.match(forged.text, /SESSION_FORGED/);
    const tokens = await SessionTokens.load(dir);
    const unknown = await post(upload({ token: tokens.pageToken(newSessionId(), origin) }));
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /SESSION_UNKNOWN/);
    // The session itself kept recording and holds exactly the valid batch.
    assert.equal((await post(upload({ seq: 1 }))).status, 204);
    const sid = token.split('.')[0];
    const batches = await store.readEvents(sid);
    assert.deepEqual(batches.map((b) => b.seq), [0, 1]);
    assert.equal((await store.getSession(sid))?.eventCount, 2);
  });

  it('accepts a page token only on the origin that served the page, and never the cookie token', async () => {
    const sid = token.split('.')[0];
    const before = (await store.readEvents(sid)).length;
    // The same site on another port (another origin) through the proxy.
    const other = http.createServer(route);
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const elsewhere = await viaProxy(`${otherOrigin}/__verbatim/events`, { 'content-type': 'application/json' }, 'POST', JSON.stringify(upload({ seq: 7 })));
      assert.equal(elsewhere.status, 403);
      assert.match(elsewhere.text, /SESSION_FORGED/);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
    // A page of another origin posting here (its browser names it) is refused too.
    const crossSite = await viaProxy(`${origin}/__verbatim/events`, { 'content-type': 'application/json', origin: 'http://evil.test' }, 'POST', JSON.stringify(upload({ seq: 8 })));
    assert.equal(crossSite.status, 403);
    // The HttpOnly cookie's token is no page token.
    const page = await viaProxy(`${origin}/page`, { 'sec-fetch-dest': 'document' });
    const cookieToken = String(page.headers['set-cookie']).match(/__verbatim_s=([^;]+)/)![1];
    assert.equal((await post(upload({ token: cookieToken, seq: 9 }))).status, 403);
    assert.equal((await store.readEvents(sid)).length, before, 'nothing was stored');
    // From its own origin, with its own Origin header, the upload is stored.
    assert.equal((await viaProxy(`${origin}/__verbatim/events`, { 'content-type': 'application/json', origin }, 'POST', JSON.stringify(upload({ seq: 10 })))).status, 204);
  });

  it('answers an upload the store has not acknowledged within 1.5 s with 503 STORE_SLOW; the write still lands and a resend is ignored', async () => {
    const sid = token.split('.')[0]!;
    const before = (await store.readEvents(sid)).length;
    // A store that stopped answering (an object store frozen): appendEvents waits until released.
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const appendEvents = store.appendEvents.bind(store);
    store.appendEvents = (batch) => gate.then(() => appendEvents(batch));
    try {
      const t0 = Date.now();
      const slow = await post(upload({ seq: 20 }));
      const ms = Date.now() - t0;
      assert.equal(slow.status, 503);
      assert.match(slow.text, /STORE_SLOW/);
      assert.ok(ms >= 1_400 && ms < 4_000, `answered after ${ms} ms`);
    } finally {
      store.appendEvents = appendEvents;
      release();
    }
    // The held write lands; the recorder's resend of the same seq is acknowledged and stored once.
    for (const end = Date.now() + 5_000; (await store.readEvents(sid)).length === before && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await post(upload({ seq: 20 }))).status, 204);
    assert.deepEqual((await store.readEvents(sid)).slice(before).map((b) => b.seq), [20]);
  });

  it('serves the recorder bundle immutable and gzipped', async () => {
    const page = await viaProxy(`${origin}/page`, { 'sec-fetch-dest': 'document' });
    const src = page.text.match(/data-verbatim-src="(\/__verbatim\/recorder-[^"]+)"/)![1];
    const res = await viaProxy(`${origin}${src}`, { 'accept-encoding': 'gzip' });
    assert.equal(res.status, 200);
    assert.equal(res.text, '/* recorder */');
    assert.match(String(res.headers['cache-control']), /immutable/);
  });
});

describe('HTTPS interception', () => {
  it('intercepts CONNECT with a certificate from the Verbatim CA and injects', async () => {
    const siteCa = await generateCACertificate({ subject: { commonName: 'Test site CA' } });
    const leaf = await (await getCA({ cert: siteCa.cert, key: siteCa.key })).generateCertificate('bank.test');
    const site = https.createServer({ key: leaf.key, cert: leaf.cert }, route);
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    const sitePort = (site.address() as AddressInfo).port;
    const secureDir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-tls-'));
    const secureProxy = await startProxy({
      allowedTargets: LOOPBACK,
      store, dataDir: secureDir, recorderScript: Buffer.from('//r'), port: 0, upstreamCa: [siteCa.cert],
      lookup: ((_h: string, opts: unknown, cb: unknown) => {
        const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
        if ((opts as { all?: boolean })?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      }) as net.LookupFunction,
    });
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: secureProxy.port, method: 'CONNECT', path: `bank.test:${sitePort}` });
        req.on('connect', (res, s) => (res.statusCode === 200 ? resolve(s) : reject(new Error(String(res.statusCode)))));
        req.on('error', reject);
        req.end();
      });
      const secure = tls.connect({ socket, servername: 'bank.test', ca: secureProxy.ca.certPem });
      await new Promise<void>((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
      assert.equal(secure.getPeerCertificate().subject.CN, 'bank.test');
      secure.write(`GET /page HTTP/1.1\r\nhost: bank.test:${sitePort}\r\nsec-fetch-dest: document\r\nconnection: close\r\n\r\n`);
      const response = await new Promise<string>((resolve) => {
        let text = '';
        secure.on('data', (d) => { text += d.toString('utf8'); });
        secure.on('end', () => resolve(text));
      });
      assert.match(response, /^HTTP\/1\.1 200/);
      assert.match(response, /set-cookie: __verbatim_s=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Secure/i);
      assert.match(response, /<head><script data-verbatim-src="\/__verbatim\/recorder-/);
      await secureProxy.drain();
      assert.equal((await store.latestCapture(`https://bank.test:${sitePort}/page`))?.body?.digest, sha(PAGE));
    } finally {
      await secureProxy.close();
      site.closeAllConnections();
      await new Promise((r) => site.close(r));
      await rm(secureDir, { recursive: true, force: true });
    }
  });
});
