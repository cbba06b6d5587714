/**
 * WebSocket capture through both modes: a browser-like client (masked frames)
 * talks to an echo site; every message, both directions, text and binary, lands
 * in the session's network log with a timestamp, capped and masked by policy.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Duplex } from 'node:stream';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { encodeFrame, FrameReader } from '../websocket-frames';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const CAP = 1024;
let dir: string;
let store: VerbatimStore;
let site: http.Server;
let origin: string;
let proxy: RunningProxy;
let gateway: RunningGateway;
let extensionsSeen: (string | undefined)[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-ws-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><head></head><body>live</body></html>');
  });
  site.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    extensionsSeen.push(req.headers['sec-websocket-extensions'] as string | undefined);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    // Echo every data message back unmasked, as a server does, prefixed for text.
    const reader = new FrameReader(10 * 1024 * 1024, (m) => {
      if (m.kind === 'text') socket.write(encodeFrame(1, Buffer.concat([Buffer.from('echo '), m.payload])));
      else if (m.kind === 'binary') socket.write(encodeFrame(2, m.payload));
      else socket.end(encodeFrame(8, m.payload));
    });
    if (head.length) reader.push(head);
    socket.on('data', (d: Buffer) => reader.push(d));
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const common = { store, dataDir: dir, recorderScript: Buffer.from(''), port: 0, captureMaxBytes: CAP };
  proxy = await startProxy({ ...common, allowedTargets: LOOPBACK });
  gateway = await startGateway({ ...common, routes: parseUpstreams([origin]) });
});

after(async () => {
  await proxy?.close();
  await gateway?.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

function sessionCookie(mode: 'proxy' | 'gateway'): Promise<string> {
  const options = mode === 'proxy' ? { port: proxy.port, path: `${origin}/` } : { port: gateway.port, path: '/' };
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', ...options, headers: { 'sec-fetch-dest': 'document' } }, (res) => {
      res.resume();
      const c = (res.headers['set-cookie'] ?? []).find((v) => v.startsWith('__verbatim_s='));
      c ? resolve(c.split(';')[0]) : reject(new Error('no session cookie'));
    }).on('error', reject);
  });
}

async function converse(mode: 'proxy' | 'gateway', cookie: string): Promise<string[]> {
  const port = mode === 'proxy' ? proxy.port : gateway.port;
  const target = mode === 'proxy' ? `${origin}/live?x=1` : '/live?x=1';
  const socket = net.connect(port, '127.0.0.1');
  const got: string[] = [];
  const mask = Buffer.from([1, 2, 3, 4]);
  await new Promise<void>((resolve, reject) => {
    let head = true;
    const reader = new FrameReader(1 << 20, (m) => {
      got.push(`${m.kind}:${m.kind === 'text' ? m.payload.toString() : m.size}`);
      if (m.kind === 'close') { socket.destroy(); resolve(); }
    });
    socket.on('data', (d: Buffer) => {
      if (head) {
        const end = d.indexOf('\r\n\r\n');
        assert.match(d.subarray(0, 12).toString(), /101/);
        head = false;
        d = d.subarray(end + 4);
      }
      reader.push(d);
    });
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Extensions: permessage-deflate\r\nCookie: ${cookie}\r\n\r\n`);
    // A text message split in two frames, a card number, a binary message and one beyond the cap.
    socket.write(Buffer.concat([encodeFrame(1, Buffer.from('hel'), mask, false), encodeFrame(0, Buffer.from('lo'), mask)]));
    socket.write(encodeFrame(1, Buffer.from('card 4111 1111 1111 1111'), mask));
    socket.write(encodeFrame(2, Buffer.from([0, 1, 2, 255]), mask));
    socket.write(encodeFrame(2, Buffer.alloc(5000, 7), mask));
    setTimeout(() => socket.write(encodeFrame(8, Buffer.from([0x03, 0xe8]), mask)), 100);
  });
  return got;
}

for (const mode of ['proxy', 'gateway'] as const) {
  describe(`WebSocket capture through the ${mode}`, () => {
    it('relays the conversation and logs every message with its direction, time and cap', async () => {
      extensionsSeen = [];
      const cookie = await sessionCookie(mode);
      const sessionId = cookie.split('=')[1].split('.')[0];
      const t0 = Date.now();
      const got = await converse(mode, cookie);
      assert.deepEqual(got, ['text:echo hello', 'text:echo card 4111 1111 1111 1111', 'binary:4', 'binary:5000', 'close:2']);
      assert.deepEqual(extensionsSeen, [undefined], 'compression is not negotiated while capturing');
      // The relay sees the close a moment after the client does.
      let log = await store.listWebSocketMessages(sessionId);
      for (let i = 0; i < 50 && log.length < 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await (mode === 'proxy' ? proxy : gateway).drain();
        log = await store.listWebSocketMessages(sessionId);
      }
      const url = mode === 'proxy' ? `${origin.replace('http:', 'ws:')}/live?x=1` : `${gateway.url.replace('http:', 'ws:')}/live?x=1`;
      assert.ok(log.every((m) => m.url === url && m.at >= t0 && m.at <= Date.now()));
      assert.equal(new Set(log.map((m) => m.socketId)).size, 1);
      const view = (dir: string) => log.filter((m) => m.direction === dir).map((m) => [m.kind, m.data, m.size, m.truncated]);
      assert.deepEqual(view('sent'), [
        ['text', 'hello', 5, false],
        ['text', 'card •••• •••• •••• ••••', 24, false],
        ['binary', Buffer.from([0, 1, 2, 255]).toString('base64'), 4, false],
        ['binary', Buffer.alloc(CAP, 7).toString('base64'), 5000, true],
        ['close', Buffer.from([0x03, 0xe8]).toString('base64'), 2, false],
      ]);
      assert.equal(view('received').length, 5);
      assert.deepEqual(view('received')[0], ['text', 'echo hello', 10, false]);
      assert.ok(log.find((m) => m.data.startsWith('card'))!.masked);
    });
  });
}
