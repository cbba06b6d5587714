/**
 * Reference point for the benchmark: the thinnest streaming Node forward proxy
 * (no injection, no capture). Verbatim's overhead is read against it and against
 * no proxy at all, in the same run on the same machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const u = new URL(req.url ?? '');
  const up = http.request({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers, agent }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.rawHeaders);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('message', (m) => { if (m === 'stop') process.exit(0); });
