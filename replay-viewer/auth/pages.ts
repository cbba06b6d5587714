/** Server-rendered pages of the access layer: sign-in (no scripts; the audit trail is a page of the viewer UI, ui/audit-page.ts). */

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
