/** What someone sees who opens the proxy's own address in a browser instead of configuring it as a proxy. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function infoPage(_req: IncomingMessage, res: ServerResponse): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>Verbatim recording proxy</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto">
<h1>Verbatim recording proxy</h1>
<p>This address is a forward proxy. Configure the browser (or the system) to use it as its HTTP and HTTPS proxy,
and trust the Verbatim CA certificate (run <code>verbatim ca</code> for its path and instructions).</p></body></html>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
