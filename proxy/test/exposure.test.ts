/**
 * Who may use the forward proxy and where it may go (issue 11, item 10): it will
 * not start open to the network, it refuses clients outside its allow-list and
 * clients without credentials when they are required, and it never connects to
 * Verbatim's own listeners nor, unless listed, to private and loopback addresses,
 * whatever name or form the request uses (IP, name that resolves there, CONNECT,
 * WebSocket).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startProxy, type ProxyOptions, type RunningProxy } from '../index';
import { TargetPolicy } from '../target-policy';
import { isVerbatimError } from '../../store/errors';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let sitePort: number;
/** Stands in for the viewer: a Verbatim listener the proxy must never reach. */
let viewer: http.Server;
let viewerPort: number;
const reached: string[] = [];

/** Every name resolves to loopback, as a rebinding or internal name would. */
const toLoopback = ((_h: string, opts: unknown, cb: unknown) => {
  const callback = (typeof opts === 'function' ? opts : cb) as (...a: unknown[]) => void;
  if ((opts as { all?: boolean })?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}) as net.LookupFunction;

/** A non-loopback address of this machine, if it has one: lets a test be a client from "the network". */
const lanAddress = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-exposure-'));
  store = await openStore(path.join(dir, 'store'));
  site = http.createServer((req, res) => { reached.push(`site ${req.url}`); res.writeHead(200, { 'content-type': 'text/plain' }).end('site'); });
  site.on('upgrade', (req, socket) => { reached.push(`site upgrade ${req.url}`); socket.end('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n'); });
  viewer = http.createServer((req, res) => { reached.push(`viewer ${req.url}`); res.writeHead(200, { 'content-type': 'application/json' }).end('[]'); });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => viewer.listen(0, '0.0.0.0', r));
  sitePort = (site.address() as AddressInfo).port;
  viewerPort = (viewer.address() as AddressInfo).port;
});

after(async () => {
  for (const s of [site, viewer]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function withProxy(options: Partial<ProxyOptions>, run: (proxy: RunningProxy) => Promise<void>): Promise<void> {
  const proxy = await startProxy({ store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, ...options });
  try {
    await run(proxy);
  } finally {
    await proxy.close();
  }
}

interface Answer { status: number; headers: http.IncomingHttpHeaders; body: string }

function viaProxy(proxy: RunningProxy, url: string, headers: http.OutgoingHttpHeaders = {}, localAddress?: string, host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http.get({ host, port: proxy.port, path: url, headers, localAddress, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject);
  });
}

/** Sends a raw request head (CONNECT, upgrade) and returns the status line and headers the proxy answers. */
function rawHead(proxy: RunningProxy, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxy.port, '127.0.0.1', () => s.write(head));
    let text = '';
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) { s.destroy(); resolve(text.slice(0, text.indexOf('\r\n\r\n'))); }
    });
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('who may use the forward proxy', () => {
  it('refuses to start on a non-loopback address open to anyone', async () => {
    await assert.rejects(
      startProxy({ store, dataDir: dir, recorderScript: Buffer.from('//'), port: 0, host: '0.0.0.0' }),
      (err) => isVerbatimError(err, 'CONFIG_INVALID') && /--proxy-allow-clients/.test(err.message),
    );
    // With an allow-list it starts.
    await withProxy({ host: '0.0.0.0', allowClients: ['127.0.0.1'], allowedTargets: ['127.0.0.1'] }, async (proxy) => {
      assert.equal((await viaProxy(proxy, `http://127.0.0.1:${sitePort}/ok`)).status, 200);
    });
  });

  it('answers 403 to clients outside the allow-list, for plain requests, CONNECT and upgrades', async () => {
    await withProxy({ allowClients: ['10.9.9.0/24'], allowedTargets: ['127.0.0.1'] }, async (proxy) => {
      const plain = await viaProxy(proxy, `http://127.0.0.1:${sitePort}/denied`);
      assert.equal(plain.status, 403);
      assert.equal(plain.headers['x-verbatim-error'], 'CLIENT_REFUSED');
      assert.match(await rawHead(proxy, `CONNECT 127.0.0.1:${sitePort} HTTP/1.1\r\nhost: 127.0.0.1:${sitePort}\r\n\r\n`), /^HTTP\/1\.1 403/);
      assert.match(await rawHead(proxy, `GET http://127.0.0.1:${sitePort}/ws HTTP/1.1\r\nhost: 127.0.0.1:${sitePort}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n`), /^HTTP\/1\.1 403/);
    });
    assert.ok(!reached.some((r) => r.includes('denied') || r.includes('/ws')));
  });

  it('asks for credentials (407) when they are required, and lets a known client through', async () => {
    const authenticateClient = async (id: string, secret: string) => id === 'branch-7' && secret === 's3cret';
    await withProxy({ authenticateClient, allowedTargets: ['127.0.0.1'] }, async (proxy) => {
      const none = await viaProxy(proxy, `http://127.0.0.1:${sitePort}/a`);
      assert.equal(none.status, 407);
      assert.match(String(none.headers['proxy-authenticate']), /^Basic realm="Verbatim proxy"/);
      assert.equal((await viaProxy(proxy, `http://127.0.0.1:${sitePort}/a`, { 'proxy-authorization': basic('branch-7', 'wrong') })).status, 407);
      assert.equal((await viaProxy(proxy, `http://127.0.0.1:${sitePort}/a`, { 'proxy-authorization': basic('branch-7', 's3cret') })).status, 200);
      assert.match(await rawHead(proxy, `CONNECT 127.0.0.1:${sitePort} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 407/);
      assert.match(await rawHead(proxy, `CONNECT 127.0.0.1:${sitePort} HTTP/1.1\r\nproxy-authorization: ${basic('branch-7', 's3cret')}\r\n\r\n`), /^HTTP\/1\.1 200/);
    });
  });
});

describe('where the forward proxy may go', () => {
  it('refuses loopback and private targets unless listed, by IP, by name, by CONNECT and by WebSocket', async () => {
    reached.length = 0;
    await withProxy({ lookup: toLoopback }, async (proxy) => {
      for (const url of [`http://127.0.0.1:${sitePort}/ip`, `http://intranet.test:${sitePort}/name`, `http://[::ffff:127.0.0.1]:${sitePort}/mapped`,
        'http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/']) {
        const res = await viaProxy(proxy, url);
        assert.equal(res.status, 403, url);
        assert.equal(res.headers['x-verbatim-error'], 'TARGET_REFUSED', url);
      }
      assert.match(await rawHead(proxy, `CONNECT 127.0.0.1:${sitePort} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 403/);
      assert.match(await rawHead(proxy, `GET http://127.0.0.1:${sitePort}/ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n`), /^HTTP\/1\.1 403/);
      // A blind tunnel to a name that resolves to loopback is cut without reaching it.
      const tunnel = await new Promise<string>((resolve) => {
        const s = net.connect(proxy.port, '127.0.0.1', () => s.write(`CONNECT intranet.test:${sitePort} HTTP/1.1\r\n\r\n`));
        let text = '';
        s.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          if (/200 Connection Established\r\n\r\n$/.test(text)) s.write(`GET /tunnelled HTTP/1.1\r\nhost: intranet.test:${sitePort}\r\n\r\n`);
          else if (/\r\n\r\nHTTP\/1\.1 \d+[^]*\r\n\r\n/.test(text)) s.destroy();
        });
        s.on('close', () => resolve(text));
        s.on('error', () => {});
      });
      assert.match(tunnel, /403/, 'plain HTTP in the tunnel meets the same refusal');
    });
    assert.deepEqual(reached, []);
    // Listed, the same targets are reached.
    await withProxy({ lookup: toLoopback, allowedTargets: ['intranet.test', '127.0.0.0/8'] }, async (proxy) => {
      assert.equal((await viaProxy(proxy, `http://intranet.test:${sitePort}/name`)).status, 200);
      assert.equal((await viaProxy(proxy, `http://127.0.0.1:${sitePort}/ip`)).status, 200);
    });
  });

  it("never reaches Verbatim's own listeners, even when loopback is allowed; the viewer passes only for a browser on this machine", async () => {
    reached.length = 0;
    const viewerOrigin = `http://127.0.0.1:${viewerPort}`;
    await withProxy({
      lookup: toLoopback, allowedTargets: ['127.0.0.0/8'], ownPorts: [viewerPort], passOrigins: [viewerOrigin],
      host: '0.0.0.0', allowClients: ['127.0.0.1', ...(lanAddress ? [lanAddress] : [])],
    }, async (proxy) => {
      for (const url of [`http://localhost:${viewerPort}/api/sessions`, `http://127.0.0.2:${viewerPort}/api/sessions`,
        `http://0.0.0.0:${viewerPort}/api/sessions`, `http://127.0.0.1:${proxy.port}/`]) {
        assert.equal((await viaProxy(proxy, url)).status, 403, url);
      }
      assert.match(await rawHead(proxy, `CONNECT 127.0.0.1:${viewerPort} HTTP/1.1\r\n\r\n`), /^HTTP\/1\.1 403/);
      // The analyst's own browser on this machine opens the viewer through the proxy, untouched.
      assert.equal((await viaProxy(proxy, `${viewerOrigin}/api/sessions`)).status, 200);
      if (lanAddress) {
        // The same URL from another machine is refused.
        const remote = await viaProxy(proxy, `${viewerOrigin}/api/sessions`, {}, lanAddress, lanAddress);
        assert.equal(remote.status, 403);
      }
    });
    assert.deepEqual(reached, ['viewer /api/sessions']);
  });
});

describe('target policy', () => {
  it('sorts addresses: public reached, the rest only when listed', () => {
    const policy = new TargetPolicy(['10.20.0.0/16', 'intranet.bank', '*.corp.bank']);
    policy.addOwnPort(8081);
    for (const a of ['8.8.8.8', '2001:4860::1']) assert.equal(policy.refusal(a, 443, a), undefined, a);
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.1', '169.254.169.254', '100.64.0.1',
      'fd00::1', 'fe80::1', '0.0.0.0', '::', '64:ff9b::a00:1', '2002:a00:1::1', '224.0.0.1']) {
      assert.ok(policy.refusal(a, 443, a), a);
    }
    assert.equal(policy.refusal('10.20.3.4', 443, '10.20.3.4'), undefined);
    assert.equal(policy.refusal('10.1.2.3', 443, 'intranet.bank'), undefined);
    assert.equal(policy.refusal('10.1.2.3', 443, 'app.corp.bank'), undefined);
    assert.ok(policy.refusal('10.1.2.3', 443, 'corp.bank.evil.test'));
    assert.match(policy.refusal('127.0.0.1', 8081, 'localhost')!, /own listeners/);
    assert.throws(() => new TargetPolicy(['not a host!']), /not an IP, a CIDR block/);
  });

  it('drops refused addresses from a lookup and fails when none is left', async () => {
    const base = ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
      cb(null, [{ address: '10.0.0.5', family: 4 }, { address: '93.184.216.34', family: 4 }])) as unknown as net.LookupFunction;
    const lookup = new TargetPolicy([], base).lookupFor(80);
    const found = await new Promise<unknown>((resolve, reject) => lookup('mixed.test', { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
    assert.deepEqual(found, [{ address: '93.184.216.34', family: 4 }]);
    const only = ((_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
      cb(null, [{ address: '10.0.0.5', family: 4 }])) as unknown as net.LookupFunction;
    await assert.rejects(new Promise((resolve, reject) => new TargetPolicy([], only).lookupFor(80)('inside.test', {}, (err, a) => (err ? reject(err) : resolve(a)))),
      (err: NodeJS.ErrnoException) => err.code === 'TARGET_REFUSED');
  });
});
