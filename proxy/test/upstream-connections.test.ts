/**
 * Connections towards the site, in both modes: a server announcing a short
 * Keep-Alive timeout still gets its connection reused (Node's own agent would open
 * one per request), and a request that meets a pooled connection the server has
 * just dropped is sent again on a new one instead of failing with a 502.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseUpstreams, startGateway, startProxy, type RunningGateway, type RunningProxy } from '../index';
import { idleAllowance } from '../upstream-agents';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

let dir: string;
let store: VerbatimStore;

/** An HTTP/1.1 server that announces `Keep-Alive: timeout=1` (Node's keepAliveTimeout 1000 ms). */
async function shortTimeoutSite(): Promise<{ origin: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = http.createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 1000;
  server.on('connection', () => { connections++; });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(() => r())); },
  };
}

/**
 * A raw server that answers the first request on each connection (announcing a long
 * keep-alive) and drops the connection, unanswered, when a second request arrives on it:
 * the race of a server closing an idle connection just as the proxy reuses it.
 */
async function droppingSite(): Promise<{ origin: string; connections: () => number; answered: () => number; close(): Promise<void> }> {
  let connections = 0;
  let answered = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let requests = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        if (++requests > 1) return void socket.destroy();
        answered++;
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    answered: () => answered,
    close: () => { for (const s of sockets) s.destroy(); return new Promise((r) => server.close(() => r())); },
  };
}

const client = new http.Agent({ keepAlive: true });

function get(port: number, requestPath: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, path: requestPath, method, agent: client, headers: { 'sec-fetch-dest': 'empty' } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-upstream-'));
  store = await openStore(path.join(dir, 'store'));
});

after(async () => {
  client.destroy();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('idle allowance from the Keep-Alive hint', () => {
  it('keeps three quarters of the announced time, at most one second less', () => {
    assert.equal(idleAllowance('timeout=1', 30_000), 750);
    assert.equal(idleAllowance('timeout=2, max=100', 30_000), 1500);
    assert.equal(idleAllowance('timeout=5', 30_000), 4000);
    assert.equal(idleAllowance('max=100, timeout=60', 30_000), 59_000);
    assert.equal(idleAllowance(undefined, 30_000), 30_000);
    assert.equal(idleAllowance('timeout=0', 30_000), undefined);
  });
});

for (const mode of ['proxy', 'gateway'] as const) {
  describe(`upstream connections through the ${mode}`, () => {
    const through = async <T>(origin: string, run: (port: number, prefix: string) => Promise<T>): Promise<T> => {
      const common = { store, dataDir: dir, recorderScript: Buffer.from(''), port: 0 };
      const running: RunningProxy | RunningGateway = mode === 'proxy'
        ? await startProxy({ ...common, allowedTargets: LOOPBACK })
        : await startGateway({ ...common, routes: parseUpstreams([origin]) });
      try {
        return await run(running.port, mode === 'proxy' ? origin : '');
      } finally {
        await running.close();
      }
    };

    it('reuses one connection to a server that announces timeout=1', async () => {
      const site = await shortTimeoutSite();
      try {
        await through(site.origin, async (port, prefix) => {
          for (let i = 0; i < 5; i++) {
            const r = await get(port, `${prefix}/a${i}`);
            assert.equal(r.status, 200);
            await new Promise((res) => setTimeout(res, 100));
          }
        });
        assert.equal(site.connections(), 1, '5 requests 100 ms apart on one upstream connection');
      } finally {
        await site.close();
      }
    });

    it('sends a GET again when the server drops the pooled connection it arrives on', async () => {
      const site = await droppingSite();
      try {
        await through(site.origin, async (port, prefix) => {
          for (let i = 0; i < 3; i++) assert.deepEqual(await get(port, `${prefix}/r${i}`), { status: 200, body: 'ok' });
        });
        assert.equal(site.answered(), 3);
        assert.equal(site.connections(), 3, 'requests 2 and 3 each meet a dropped connection and go out again on a new one');
      } finally {
        await site.close();
      }
    });

    it('does not send a POST twice', async () => {
      const site = await droppingSite();
      try {
        const statuses = await through(site.origin, async (port, prefix) => {
          assert.equal((await get(port, `${prefix}/first`)).status, 200);
          return (await get(port, `${prefix}/pay`, 'POST')).status;
        });
        assert.equal(statuses, 502, 'the dropped POST is reported, not repeated');
        assert.equal(site.answered(), 1);
        assert.equal(site.connections(), 1);
      } finally {
        await site.close();
      }
    });
  });
}
