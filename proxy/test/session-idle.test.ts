/**
 * A session ends after the idle period even though the browser keeps sending its
 * cookie (a shared branch PC: a page left open, polling, must not carry the next
 * customer into the last one's session), also across a restart of Verbatim; a
 * customer who keeps navigating or interacting keeps theirs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startProxy, type RunningProxy } from '../index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

const IDLE_MS = 800;
const LOOPBACK = ['127.0.0.1'];

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let origin: string;
let proxy: RunningProxy;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-idle-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer((req, res) => {
    if (req.url?.startsWith('/page')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<!doctype html><html><head></head><body>page</body></html>');
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"poll":true}');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  proxy = await start();
});

after(async () => {
  await proxy?.close();
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

function start(): Promise<RunningProxy> {
  return startProxy({ store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, sessionIdleMs: IDLE_MS, allowedTargets: LOOPBACK });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Browser { cookie?: string }

/** A request as a browser makes it; the browser keeps whatever session cookie it is given. */
function request(browser: Browser, p: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: proxy.port, path: origin + p, method,
      headers: { ...headers, ...(browser.cookie ? { cookie: browser.cookie } : {}) },
    }, (res) => {
      const set = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__verbatim_s='));
      if (set) browser.cookie = set.split(';')[0];
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A document the customer asked for (a click, the address bar). */
const navigate = (b: Browser, p = '/page') => request(b, p, { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-user': '?1' });
/** The page's own traffic: no person involved. */
const poll = (b: Browser) => request(b, `/api/poll?t=${Date.now()}`, { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' });
const sessionOf = (b: Browser) => b.cookie?.split('=')[1].split('.')[0];

async function upload(b: Browser, page: string, events: unknown[], seq: number): Promise<number> {
  const token = page.match(/data-verbatim-token="([^"]+)"/)![1];
  const body = JSON.stringify({ token, page: { id: 'p1', url: `${origin}/page` }, seq, events });
  return (await request(b, '/__verbatim/events', { 'content-type': 'text/plain', origin }, 'POST', body)).status;
}

describe('session idleness', () => {
  it('starts a new session after the idle period although the page kept polling with the cookie', async () => {
    const b: Browser = {};
    const t0 = Date.now();
    await navigate(b);
    const first = sessionOf(b);
    // The page polls every 150 ms for longer than the idle period: nobody is there.
    for (let waited = 0; waited < IDLE_MS + 300; waited += 150) {
      await poll(b);
      await sleep(150);
    }
    await navigate(b); // the next customer clicks a link
    const second = sessionOf(b);
    assert.ok(first && second);
    assert.notEqual(second, first, 'the next customer is not in the previous session');
    // Polls while the session was live are its own; none after it went idle was filed under it.
    await proxy.drain();
    const polls = (await store.listCaptures(first!)).filter((c) => c.url.includes('/api/poll'));
    assert.ok(polls.some((c) => c.startedAt < t0 + IDLE_MS));
    assert.ok(!polls.some((c) => c.startedAt > t0 + IDLE_MS + 100), 'no poll after the idle period is in the old session');
  });

  it('keeps the session of a customer who keeps navigating or interacting', async () => {
    const b: Browser = {};
    const page = (await navigate(b)).text;
    const first = sessionOf(b);
    for (let i = 0; i < 4; i++) { // 4 × 400 ms = twice the idle period
      await sleep(400);
      await navigate(b);
    }
    assert.equal(sessionOf(b), first);
    // Clicks and typing reported by the recorder keep it too.
    let seq = 0;
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      assert.equal(await upload(b, page, [{ type: 3, timestamp: Date.now(), data: { source: 2, type: 2, id: 1, x: 1, y: 1 } }], seq++), 204);
    }
    await navigate(b);
    assert.equal(sessionOf(b), first);
  });

  it('does not let DOM changes alone (a page animating by itself) keep a session alive', async () => {
    const b: Browser = {};
    const page = (await navigate(b)).text;
    const first = sessionOf(b);
    for (let seq = 0; seq < 5; seq++) {
      await sleep(250);
      assert.equal(await upload(b, page, [{ type: 3, timestamp: Date.now(), data: { source: 0, texts: [], attributes: [], removes: [], adds: [] } }], seq), 204);
    }
    await navigate(b);
    assert.notEqual(sessionOf(b), first);
  });

  it('does not revive an idle session after a restart, and continues a live one', async () => {
    const idle: Browser = {};
    const live: Browser = {};
    await navigate(idle);
    const idleId = sessionOf(idle);
    await sleep(IDLE_MS + 200);
    const livePage = (await navigate(live)).text;
    const liveId = sessionOf(live);
    // The live customer interacted just before the restart.
    assert.equal(await upload(live, livePage, [{ type: 3, timestamp: Date.now(), data: { source: 5, text: 'x', isChecked: false, id: 3 } }], 0), 204);
    await proxy.close();
    proxy = await start();
    await navigate(idle);
    await navigate(live);
    assert.notEqual(sessionOf(idle), idleId, 'an idle session stays over after a restart');
    assert.equal(sessionOf(live), liveId, 'a live one continues');
  });
});
