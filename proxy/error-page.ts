/** The page a browser gets when the upstream cannot be reached: says what failed, never a stack. */
export function errorPage(url: string, err: unknown, status = 502): Buffer {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'UPSTREAM_FAILED';
  const safeUrl = url.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><title>${status} Site unreachable</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222">
<h1>The site could not be reached</h1>
<p>The recording proxy could not get a ${status === 504 ? 'timely ' : ''}response from <code>${safeUrl}</code> (${String(code).replace(/[^A-Z_0-9]/gi, '')}).</p>
<p>Check the address or try again in a moment.</p></body></html>`);
}

/** The page a browser gets when the forward proxy will not connect to the address asked for (target-policy.ts). */
export function refusalPage(url: string, reason: string): Buffer {
  const esc = (t: string) => t.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return Buffer.from(`<!doctype html><html><head><meta charset="utf-8"><title>403 Not reachable through this proxy</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;color:#222">
<h1>Not reachable through this proxy</h1>
<p>The recording proxy does not connect to <code>${esc(url)}</code>: ${esc(reason)}.</p>
<p>Private and loopback addresses are reached only when the administrator lists them; Verbatim's own addresses never.</p></body></html>`);
}
