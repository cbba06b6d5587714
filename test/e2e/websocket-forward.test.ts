/**
 * WebSockets through the forward proxy, in Chromium (issue 11, item 14). Chromium
 * sends a plain `ws://` socket through an HTTP proxy as a CONNECT tunnel: its
 * messages must be captured like any other. A `wss://` socket opened from an
 * `http://` page does not carry the (Lax) session cookie: it must still land in
 * the page's session. A socket opened by another site's page in the same browser
 * must not land there.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { generateCACertificate } from 'mockttp';
import { getCA } from 'mockttp/dist/util/certificates';
import type { Browser } from 'playwright';
import { startProxy, type RunningProxy } from '../../proxy/index';
import { encodeFrame, FrameReader } from '../../proxy/websocket-frames';
import { openStore } from '../../store/index';
import type { WebSocketMessage } from '../../store/records';
import type { VerbatimStore } from '../../store/store';
import { launchChromium } from '../../scripts/chromium';

let dir: string;
let store: VerbatimStore;
let plain: http.Server;
let secure: https.Server;
let plainPort: number;
let securePort: number;
let proxy: RunningProxy;
let browser: Browser;
const cookiesSeen: string[] = [];

/** An echo WebSocket endpoint: every text message comes back prefixed. */
function echo(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  cookiesSeen.push(`${req.headers.origin} ${req.headers.cookie ?? ''}`);
  const key = String(req.headers['sec-websocket-key']);
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const reader = new FrameReader(1 << 20, (m) => {
    if (m.kind === 'text') socket.write(encodeFrame(1, Buffer.concat([Buffer.from('echo '), m.payload])));
    else if (m.kind === 'close') socket.end(encodeFrame(8, m.payload));
  });
  if (head.length) reader.push(head);
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('error', () => {});
}

/** The page opens one socket, sends one message, waits for its echo, closes. */
const PAGE = (label: string) => `<!doctype html><html><head><title>${label}</title></head><body><script>
window.talk = (url, text) => new Promise((resolve, reject) => {
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(text);
  ws.onmessage = (e) => { ws.close(1000); resolve(e.data); };
  ws.onerror = () => reject(new Error('websocket failed: ' + url));
});
</script><p>${label}</p></body></html>`;

function site(req: http.IncomingMessage, res: http.ServerResponse): void {
  const host = String(req.headers.host ?? '');
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(PAGE(host.startsWith('evil') ? 'evil' : 'bank'));
}

/** Every *.test name is this machine, as split DNS would have it. */
const lookup = ((_h: string, opts: unknown, cb: unknown) => {
  const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
  if ((opts as { all?: boolean })?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as LookupFunction;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-e2e-ws-'));
  store = await openStore(path.join(dir, 'store'));
  const siteCa = await generateCACertificate({ subject: { commonName: 'Test site CA' } });
  const leaf = await (await getCA({ cert: siteCa.cert, key: siteCa.key })).generateCertificate('bank.test');
  plain = http.createServer(site);
  plain.on('upgrade', echo);
  secure = https.createServer({ key: leaf.key, cert: leaf.cert }, site);
  secure.on('upgrade', echo);
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  plainPort = (plain.address() as AddressInfo).port;
  securePort = (secure.address() as AddressInfo).port;
  proxy = await startProxy({
    store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, lookup, upstreamCa: [siteCa.cert],
    allowedTargets: ['*.test', '127.0.0.1'],
  });
  browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  for (const s of [plain, secure]) {
    s?.closeAllConnections();
    await new Promise((r) => s?.close(r));
  }
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The session whose document of `url` was recorded (the capture of that page). */
async function sessionOfPage(url: string): Promise<string> {
  await proxy.drain();
  const capture = await store.latestCapture(url);
  assert.ok(capture?.sessionId, `a session for ${url}`);
  return capture.sessionId;
}

async function messages(sessionId: string, want: number): Promise<WebSocketMessage[]> {
  let log: WebSocketMessage[] = [];
  for (let i = 0; i < 40; i++) {
    await proxy.drain();
    log = await store.listWebSocketMessages(sessionId);
    if (log.length >= want) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return log;
}

const view = (log: WebSocketMessage[], url: string) => log.filter((m) => m.url === url && m.kind === 'text').map((m) => `${m.direction} ${m.data}`);

describe('WebSockets through the forward proxy, in Chromium', () => {
  it('captures a plain ws:// socket (a CONNECT tunnel) and a wss:// socket opened from an http:// page, in the page\'s session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const pageUrl = `http://bank.test:${plainPort}/`;
    await page.goto(pageUrl);
    const wsUrl = `ws://bank.test:${plainPort}/live?feed=1`;
    const wssUrl = `wss://bank.test:${securePort}/live?feed=2`;
    assert.equal(await page.evaluate(([u]) => (window as unknown as { talk: (u: string, t: string) => Promise<string> }).talk(u, 'plain hello'), [wsUrl]), 'echo plain hello');
    assert.equal(await page.evaluate(([u]) => (window as unknown as { talk: (u: string, t: string) => Promise<string> }).talk(u, 'secure hello'), [wssUrl]), 'echo secure hello');
    const sessionId = await sessionOfPage(pageUrl);
    const log = await messages(sessionId, 6);
    assert.deepEqual(view(log, wsUrl), ['sent plain hello', 'received echo plain hello']);
    assert.deepEqual(view(log, wssUrl), ['sent secure hello', 'received echo secure hello']);
    await context.close();
  });

  it('does not put a socket opened by another site\'s page into the bank\'s session', async () => {
    const context = await browser.newContext();
    const bank = await context.newPage();
    const bankUrl = `http://bank.test:${plainPort}/?again`;
    await bank.goto(bankUrl);
    const evil = await context.newPage();
    const evilUrl = `http://evil.test:${plainPort}/`;
    await evil.goto(evilUrl);
    // The other site opens a socket to the bank's host: its Origin is its own, which the browser sets.
    const wssUrl = `wss://bank.test:${securePort}/live?from=evil`;
    assert.equal(await evil.evaluate(([u]) => (window as unknown as { talk: (u: string, t: string) => Promise<string> }).talk(u, 'from evil'), [wssUrl]), 'echo from evil');
    const bankSession = await sessionOfPage(bankUrl);
    const evilSession = await sessionOfPage(evilUrl);
    assert.notEqual(bankSession, evilSession);
    assert.deepEqual(view(await messages(evilSession, 2), wssUrl), ['sent from evil', 'received echo from evil']);
    assert.deepEqual(view(await store.listWebSocketMessages(bankSession), wssUrl), []);
    await context.close();
  });
});
