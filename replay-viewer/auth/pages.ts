/** Server-rendered pages of the access layer: sign-in and the auditors' trail browser (no scripts). */
import type { AuditEntry, AuditFilter } from './audit-log';

export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `body{font:15px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:1100px;margin:40px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 1px 4px #0002}
form.signin{max-width:340px}label{display:block;margin:12px 0 4px}input,select{font:inherit;padding:6px 8px;width:100%;box-sizing:border-box}
button{margin-top:16px;padding:8px 16px;font:inherit}.error{color:#a40000}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}.filters{display:flex;gap:8px;align-items:end;flex-wrap:wrap}
.filters label{margin:0}.filters input{width:140px}`;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function signInPage(message?: string, next = '/'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Verbatim</title><style>${STYLE}</style></head>
<body><main><h1>Verbatim</h1><p>Sign in to view recorded sessions. Every sign-in and every replay is recorded in the audit trail.</p>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ''}
<form class="signin" method="post" action="/auth/login">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label for="u">User name</label><input id="u" name="username" autocomplete="username" required autofocus>
<label for="p">Password</label><input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></main></body></html>`;
}

export function auditPage(entries: AuditEntry[], filter: AuditFilter, chain: { ok: boolean; entries: number; brokenAt?: number }): string {
  const v = (x: unknown) => (x === undefined ? '' : escapeHtml(String(x)));
  const rows = entries.map((e) => `<tr><td>${e.seq}</td><td>${new Date(e.at).toISOString()}</td><td>${v(e.actor)}</td><td>${v(e.role)}</td><td>${v(e.action)}</td><td>${v(e.outcome)}</td><td>${v(e.target)}</td><td>${v(e.details ? JSON.stringify(e.details) : '')}</td></tr>`).join('');
  const q = new URLSearchParams(Object.entries(filter).filter(([, x]) => x !== undefined && x !== '').map(([k, x]) => [k, String(x)]));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Audit trail · Verbatim</title><style>${STYLE}</style></head>
<body><main><h1>Audit trail</h1>
<p>Chain: ${chain.ok ? `intact (${chain.entries} entries)` : `<strong class="error">BROKEN at entry ${chain.brokenAt}</strong>`}.
Export: <a href="/api/audit/export?${escapeHtml(q.toString())}">JSON lines</a></p>
<form class="filters" method="get" action="/audit">
<label>Actor<input name="actor" value="${v(filter.actor)}"></label><label>Action<input name="action" value="${v(filter.action)}"></label>
<label>Target<input name="target" value="${v(filter.target)}"></label><label>Outcome<input name="outcome" value="${v(filter.outcome)}"></label>
<button type="submit">Filter</button></form>
<table><thead><tr><th>#</th><th>Time (UTC)</th><th>Actor</th><th>Role</th><th>Action</th><th>Outcome</th><th>Target</th><th>Details</th></tr></thead>
<tbody>${rows}</tbody></table></main></body></html>`;
}
