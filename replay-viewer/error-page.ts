/**
 * What a browser is shown when a page of the viewer cannot be served (no such page, a role that may not use it, a
 * session that does not exist): a small, accessible HTML page with the error's code and message and a way back, rather
 * than the API's JSON. API calls, archived resources and assets keep their JSON or text errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml, PAGE_CSP } from './auth/pages';
import { errorBody, errorHeaders, sendPage } from './http-responses';

const TITLES: Record<number, string> = { 401: 'Sign in first', 403: 'Not for your role', 404: 'Page not found', 405: 'Not supported here' };

const STYLE = `body{font:15px system-ui,sans-serif;margin:0;background:#f3f5f8;color:#18212d}
main{max-width:640px;margin:64px auto;background:#fff;padding:28px 32px;border-radius:8px;border:1px solid #dbe1e8}
h1{font-size:22px;margin:0 0 12px}.code{color:#5a6677;font-family:ui-monospace,monospace;font-size:13px}a{color:#0b4a8b}`;

/** A top-level page load by a browser (not fetch(), not an API or archive path). */
export function wantsPage(req: IncomingMessage, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (/^\/(api|archive|assets|collect|auth)\//.test(pathname) || pathname === '/_status') return false;
  const dest = req.headers['sec-fetch-dest'];
  if (typeof dest === 'string') return dest === 'document';
  return /text\/html/.test(String(req.headers.accept ?? ''));
}

export function sendErrorPage(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const [name, value] of Object.entries(errorHeaders(err))) res.setHeader(name, value);
  const { status, code, message } = errorBody(err);
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'This page cannot be shown');
  sendPage(req, res, status, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Verbatim</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p class="code">${escapeHtml(code)} (${status})</p>
<p><a href="/">Back to the viewer</a></p></main></body></html>`, PAGE_CSP);
}
