/**
 * The loopback site the reliability drills (test/drills/) drive through the proxy. Every URL names a unique id, and
 * every body carries it, so each completed response becomes one capture of its own URL that a drill can look up:
 *   /doc/<id>          an HTML document (the proxy injects the recorder and sets the session cookie)
 *   /css/<id>.css, /js/<id>.js, /img/<id>.png   assets, shared bodies
 *   /api/<id>.json     JSON marked Cache-Control: private (a personal body, sealed under the session's key)
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DrillSite {
  origin: string;
  /** Responses the site has sent. */
  served(): number;
  /** Requests it answered, 404s included (a browser's /favicon.ico, which the proxy captures too). */
  requests(): number;
  close(): Promise<void>;
}

/** Deterministic filler of `size` bytes for an id (distinct ids never share a body). */
function filler(id: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(id).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

function bodyFor(path: string): { type: string; body: Buffer; headers?: Record<string, string> } | undefined {
  const m = /^\/(doc|css|js|img|api)\/([\w-]+)(\.\w+)?$/.exec(path);
  if (!m) return undefined;
  const [, kind, id] = m;
  switch (kind) {
    case 'doc':
      return {
        type: 'text/html; charset=utf-8',
        body: Buffer.from(`<!doctype html><html><head><title>Drill ${id}</title><link rel="stylesheet" href="/css/${id}.css"></head>`
          + `<body><h1>Account ${id}</h1><p>${filler(id!, 600).toString('hex')}</p></body></html>`),
      };
    case 'css':
      return { type: 'text/css', body: Buffer.from(`/* ${id} */ .a-${id} { background: #${filler(id!, 3).toString('hex')} }\n${'.x { margin: 0 }\n'.repeat(150)}`) };
    case 'js':
      return { type: 'application/javascript', body: Buffer.from(`// ${id}\nwindow.v = ${JSON.stringify(filler(id!, 2000).toString('base64'))};\n`) };
    case 'img':
      return { type: 'image/png', body: filler(id!, 6_000) };
    case 'api':
      return {
        type: 'application/json',
        body: Buffer.from(JSON.stringify({ id, balance: filler(id!, 4).readUInt32BE(0) / 100, rows: filler(id!, 300).toString('hex') })),
        headers: { 'cache-control': 'private, no-store' },
      };
  }
  return undefined;
}

export async function startDrillSite(): Promise<DrillSite> {
  let served = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    const found = bodyFor((req.url ?? '/').split('?', 1)[0]!);
    if (!found) return void res.writeHead(404, { 'content-length': 0 }).end();
    served += 1;
    res.writeHead(200, { 'content-type': found.type, 'content-length': found.body.length, ...found.headers });
    res.end(found.body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served: () => served,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
