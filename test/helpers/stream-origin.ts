/**
 * A loopback origin for the streaming tests (proxy/test/streaming.test.ts with a Node
 * client, test/e2e/streaming-browser.test.ts in Chromium): each stream sends its first
 * part at once and holds the rest back for `holdMs`, so a client that sees the first
 * part early proves nothing on the way buffered it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** 6 MiB of a fixed pattern: the large download. */
export const BIG = Buffer.alloc(6 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 31 + (i >> 12)) & 0xff;
export const COOKIES = ['sid=abc; Path=/; HttpOnly; Secure; SameSite=Strict', 'pref=dark; Max-Age=3600; Path=/', 'gone=; Max-Age=0'];

export interface StreamOrigin {
  origin: string;
  close(): Promise<void>;
}

/**
 * Routes: /events (server-sent events "first", then "second"), /chunked (two NDJSON lines),
 * /big.bin (half of BIG, then the rest), /login (302 with COOKIES), and `/` serving `page`.
 */
export async function startStreamOrigin(options: { holdMs: number; page?: string }): Promise<StreamOrigin> {
  const server = http.createServer((req, res) => {
    const hold = (last: () => void) => {
      const t = setTimeout(last, options.holdMs);
      res.on('close', () => clearTimeout(t));
    };
    switch (req.url) {
      case '/':
        if (!options.page) break;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(options.page) });
        return void res.end(options.page);
      case '/events':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: first\n\n');
        return hold(() => res.end('data: second\n\n'));
      case '/chunked':
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write('{"n":1}\n');
        return hold(() => res.end('{"n":2}\n'));
      case '/big.bin':
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length });
        res.write(BIG.subarray(0, BIG.length / 2));
        return hold(() => res.end(BIG.subarray(BIG.length / 2)));
      case '/login':
        res.writeHead(302, { location: '/accounts?x=1', 'set-cookie': COOKIES });
        return void res.end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
