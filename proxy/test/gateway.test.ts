/**
 * The gateway against loopback origins and a real store: Host routing, Host
 * preservation, X-Forwarded-* (trusted and not), Location rewriting, cookies,
 * compression, injection and capture under the public URL, TLS, WebSockets.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { generateCACertificate } from 'mockttp';
import { startGateway, parseUpstreams, type RunningGateway } from '../index';
import { publicView, rewriteLocation, TrustedProxies } from '../gateway-routes';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

const PAGE = '<!doctype html><html><head><title>Bank</title></head><body><p>hello</p></body></html>';

let dir: string;
let store: VerbatimStore;
const origins: http.Server[] = [];
const seen: { name: string; headers: http.IncomingHttpHeaders; url: string }[] = [];
let originA: string;
let originB: string;
let gateway: RunningGateway;

function site(name: string, selfOrigin: () => string) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ name, headers: req.headers, url: req.url ?? '' });
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': ['a=1; Path=/; HttpOnly', 'b=2; Path=/'] });
      return void res.end(PAGE.replace('hello', `hello from ${name}`));
    }
    if (req.url === '/gz') {
      const body = zlib.gzipSync(PAGE);
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': body.length });
      return void res.end(body);
    }
    if (req.url === '/abs-redirect') return void res.writeHead(302, { location: `${selfOrigin()}/landing?x=1` }).end();
    if (req.url === '/rel-redirect') return void res.writeHead(302, { location: '/landing' }).end();
    if (req.url === '/away') return void res.writeHead(302, { location: 'https://elsewhere.example/x' }).end();
    if (req.url === '/data.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"ok":true}');
    }
    res.writeHead(404).end();
  };
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origins.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function get(url: string, headers: http.OutgoingHttpHeaders = {}, agentOptions: https.RequestOptions = {}):
  Promise<{ status: number; headers: http.IncomingHttpHeaders; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { headers, ...agentOptions }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, raw: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-gateway-'));
  store = await openStore(path.join(dir, 'store'));
  originA = await listen(http.createServer(site('A', () => originA)));
  originB = await listen(http.createServer(site('B', () => originB)));
  gateway = await startGateway({
    store, dataDir: dir, port: 0, recorderScript: Buffer.from('/* recorder */'),
    routes: parseUpstreams([`www.bank.test=${originA}`, `app.bank.test=${originB}`]),
    trustedProxies: ['10.0.0.0/8'],
  });
});

after(async () => {
  await gateway?.close();
  for (const s of origins) await new Promise((r) => s.close(r));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('gateway routing and headers', () => {
  it('parses upstream specs', () => {
    assert.equal(parseUpstreams(['https://o.example']).length, 1);
    assert.equal(parseUpstreams(['https://o.example'])[0].publicHost, undefined);
    const two = parseUpstreams(['https://a.example', 'pub.example=http://10.0.0.5:8080']);
    assert.deepEqual(two.map((r) => r.publicHost), ['a.example', 'pub.example']);
    assert.throws(() => parseUpstreams(['ftp://x']), /http: or https:/);
    assert.throws(() => parseUpstreams(['https://x.example/path']), /origin/);
    assert.throws(() => parseUpstreams([]), /at least one/);
  });

  it('believes X-Forwarded-* only from trusted proxies', () => {
    const trusted = new TrustedProxies(['10.0.0.0/8', '192.168.1.7']);
    const spoof = publicView({ host: 'h', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https' }, '203.0.113.9', false, trusted);
    assert.deepEqual(spoof, { clientIp: '203.0.113.9', protocol: 'http:', host: 'h', forwardedFor: '203.0.113.9' });
    const lb = publicView({ host: 'in', 'x-forwarded-for': '198.51.100.4, 10.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'www.bank.test' },
      '::ffff:10.2.2.2', false, trusted);
    assert.deepEqual(lb, { clientIp: '198.51.100.4', protocol: 'https:', host: 'www.bank.test', forwardedFor: '198.51.100.4, 10.1.1.1, 10.2.2.2' });
    assert.equal(rewriteLocation('http://o:1/a?b#c', 'http://o:1', 'https://pub'), 'https://pub/a?b#c');
    assert.equal(rewriteLocation('https://other/a', 'http://o:1', 'https://pub'), 'https://other/a');
    assert.equal(rewriteLocation('/a', 'http://o:1', 'https://pub'), '/a');
  });

  it('routes by Host, keeps Host, sets X-Forwarded-*, injects and keeps cookies', async () => {
    const a = await get(`${gateway.url}/`, { host: 'www.bank.test:8443', accept: 'text/html', 'sec-fetch-dest': 'document' });
    const b = await get(`${gateway.url}/`, { host: 'app.bank.test', accept: 'text/html', 'sec-fetch-dest': 'document' });
    assert.match(a.raw.toString(), /hello from A/);
    assert.match(b.raw.toString(), /hello from B/);
    assert.match(a.raw.toString(), /<script data-verbatim-src="\/__verbatim\/recorder-[0-9a-f]+\.js" data-verbatim-token=/);
    const cookies = a.headers['set-cookie'] ?? [];
    assert.ok(cookies.includes('a=1; Path=/; HttpOnly') && cookies.includes('b=2; Path=/'), 'site cookies unchanged');
    assert.ok(cookies.some((c) => c.startsWith('__verbatim_s=')));
    const atA = seen.find((s) => s.name === 'A')!;
    assert.equal(atA.headers.host, 'www.bank.test:8443');
    assert.equal(atA.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(atA.headers['x-forwarded-proto'], 'http');
    assert.equal(atA.headers['x-forwarded-host'], 'www.bank.test:8443');
    const unknown = await get(`${gateway.url}/`, { host: 'nope.test' });
    assert.equal(unknown.status, 421);
  });

  it('records under the public URL in a gateway session, with the client IP', async () => {
    const first = await get(`${gateway.url}/`, { host: 'www.bank.test', 'sec-fetch-dest': 'document' });
    const cookie = first.headers['set-cookie']!.find((c) => c.startsWith('__verbatim_s='))!.split(';')[0];
    await get(`${gateway.url}/data.json`, { host: 'www.bank.test', cookie, 'sec-fetch-dest': 'empty' });
    await gateway.drain();
    const session = (await store.listSessions()).find((s) => s.id === cookie.split('=')[1].split('.')[0])!;
    assert.equal(session.channel, 'gateway');
    assert.equal(session.clientIp, '127.0.0.1');
    const urls = (await store.listCaptures(session.id)).map((c) => c.url).sort();
    assert.deepEqual(urls, ['http://www.bank.test/', 'http://www.bank.test/data.json']);
    const seenByOrigin = seen.filter((s) => s.url === '/data.json').at(-1)!;
    assert.ok(!String(seenByOrigin.headers.cookie ?? '').includes('__verbatim_s'), 'our cookie never reaches the site');
  });

  it('rewrites Location only when it points at the origin; keeps compression', async () => {
    const abs = await get(`${gateway.url}/abs-redirect`, { host: 'www.bank.test' });
    assert.equal(abs.status, 302);
    assert.equal(abs.headers.location, 'http://www.bank.test/landing?x=1');
    assert.equal((await get(`${gateway.url}/rel-redirect`, { host: 'www.bank.test' })).headers.location, '/landing');
    assert.equal((await get(`${gateway.url}/away`, { host: 'www.bank.test' })).headers.location, 'https://elsewhere.example/x');
    const gz = await get(`${gateway.url}/gz`, { host: 'www.bank.test', 'sec-fetch-dest': 'document', 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(zlib.gunzipSync(gz.raw).toString(), /__verbatim\/recorder-/);
  });

  it('sends the origin its own Host when asked, and trusts a configured load balancer', async () => {
    const tmp = await startGateway({
      store, dataDir: dir, port: 0, recorderScript: Buffer.from(''), routes: parseUpstreams([originA]),
      preserveHost: false, trustedProxies: ['127.0.0.1'],
    });
    try {
      const res = await get(`${tmp.url}/abs-redirect`, { host: 'internal:1', 'x-forwarded-for': '198.51.100.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'www.bank.test' });
      const last = seen.at(-1)!;
      assert.equal(last.headers.host, new URL(originA).host);
      assert.equal(last.headers['x-forwarded-for'], '198.51.100.4, 127.0.0.1');
      assert.equal(last.headers['x-forwarded-proto'], 'https');
      assert.equal(res.headers.location, 'https://www.bank.test/landing?x=1');
    } finally {
      await tmp.close();
    }
  });

  it('speaks HTTP/2 to an origin that offers only h2, when enabled', async () => {
    const ca = await generateCACertificate({ bits: 2048 });
    const h2seen: http2.IncomingHttpHeaders[] = [];
    const h2origin = http2.createSecureServer({ cert: ca.cert, key: ca.key, allowHTTP1: false }, (req, res) => {
      h2seen.push(req.headers);
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': ['h2a=1; Path=/', 'h2b=2; Path=/'] });
        return void res.end('<!doctype html><html><head></head><body>over h2</body></html>');
      }
      res.writeHead(302, { location: `https://127.0.0.1:${(h2origin.address() as AddressInfo).port}/next` }).end();
    });
    await new Promise<void>((r) => h2origin.listen(0, '127.0.0.1', r));
    const h2url = `https://127.0.0.1:${(h2origin.address() as AddressInfo).port}`;
    const h2gateway = await startGateway({
      store, dataDir: dir, port: 0, recorderScript: Buffer.from(''), routes: parseUpstreams([h2url]),
      insecureUpstream: true, http2Upstream: true,
    });
    try {
      const page = await get(`${h2gateway.url}/`, { 'sec-fetch-dest': 'document', host: 'www.bank.test' });
      assert.equal(page.status, 200);
      assert.match(page.raw.toString(), /over h2/);
      assert.match(page.raw.toString(), /<script data-verbatim-src="\/__verbatim\/recorder-/);
      assert.deepEqual(page.headers['set-cookie']!.slice(0, 2), ['h2a=1; Path=/', 'h2b=2; Path=/']);
      const redirect = await get(`${h2gateway.url}/go`, { host: 'www.bank.test' });
      assert.equal(redirect.headers.location, 'http://www.bank.test/next');
      assert.equal(h2seen[0][':authority'], 'www.bank.test');
      assert.equal(h2seen[0]['x-forwarded-for'], '127.0.0.1');
    } finally {
      await h2gateway.close();
      await new Promise((r) => h2origin.close(r));
    }
  });

  it('serves HTTPS with a given certificate and relays WebSockets', async () => {
    const ca = await generateCACertificate({ bits: 2048 });
    const tlsGateway = await startGateway({
      store, dataDir: dir, port: 0, recorderScript: Buffer.from(''), routes: parseUpstreams([originA]),
      tls: { cert: ca.cert, key: ca.key },
    });
    const wsOrigin = http.createServer();
    wsOrigin.on('upgrade', (_req, socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      if (head.length) socket.write(head);
      socket.on('data', (d) => socket.write(d));
    });
    const wsUrl = await listen(wsOrigin);
    const wsGateway = await startGateway({ store, dataDir: dir, port: 0, recorderScript: Buffer.from(''), routes: parseUpstreams([wsUrl]) });
    try {
      const res = await get(`${tlsGateway.url}/`, { 'sec-fetch-dest': 'document' }, { rejectUnauthorized: false });
      assert.equal(res.status, 200);
      assert.match(res.headers['set-cookie']!.find((c) => c.startsWith('__verbatim_s='))!, /; Secure/);
      const echoed = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(wsGateway.port, '127.0.0.1', () => {
          socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nping');
        });
        let got = '';
        socket.on('data', (d) => { got += d.toString(); if (got.includes('ping')) { socket.destroy(); resolve(got); } });
        socket.on('error', reject);
      });
      assert.match(echoed, /^HTTP\/1.1 101/);
    } finally {
      await tlsGateway.close();
      await wsGateway.close();
    }
  });
});
