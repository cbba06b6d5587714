/**
 * The foreign-content corpus's own loopback site (a small bank, "Northwind"), built to hold everything a real
 * banking site does that must NOT be flagged: server HTML, an SPA rendered by lit (bundled with esbuild from
 * node_modules at start), fetch/XHR-rendered data, A/B variants (server-chosen HTML and a JSON-driven banner), and a
 * third-party widget on a second origin (script, stylesheet, frame, a fixed chat bubble, a script it loads itself).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';

export interface CorpusSite {
  /** http://127.0.0.1:<port>: the bank. */
  url: string;
  /** http://127.0.0.1:<port>: the widget vendor. */
  widgetUrl: string;
  close(): Promise<void>;
}

const SPA_SOURCE = `
import { LitElement, html, css } from 'lit';
const money = (minor) => (minor / 100).toLocaleString('en-GB', { style: 'currency', currency: 'GBP' });
class NwDashboard extends LitElement {
  static properties = { me: { state: true }, view: { state: true } };
  static styles = css\`:host { display: block; font: 16px sans-serif } li { margin: 4px 0 }\`;
  constructor() { super(); this.me = undefined; this.view = location.pathname.endsWith('/details') ? 'details' : 'summary'; }
  async connectedCallback() {
    super.connectedCallback();
    this.me = await (await fetch('/api/me')).json();
    await this.updateComplete;
    document.body.dataset.ready = 'true';
  }
  open() { history.pushState({}, '', '/spa/details'); this.view = 'details'; }
  render() {
    if (!this.me) return html\`<p>Loading your accounts…</p>\`;
    if (this.view === 'details') return html\`<h2>Account details</h2><p>Sort code \${this.me.accounts[0].sort}, opened in \${this.me.accounts[0].opened}</p>\`;
    return html\`<h1>Welcome back, \${this.me.firstName}</h1>
      <ul>\${this.me.accounts.map((a) => html\`<li>\${a.label}: \${money(a.balance)}</li>\`)}</ul>
      <p>You have \${this.me.accounts.length} accounts and \${this.me.messages} unread messages.</p>
      <button id="details" @click=\${() => this.open()}>See account details</button>\`;
  }
}
customElements.define('nw-dashboard', NwDashboard);
`;

const WIDGET_JS = (widget: string) => `
(() => {
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = '${widget}/widget.css';
  document.head.append(css);
  const bubble = document.createElement('div');
  bubble.className = 'nw-chat-bubble';
  bubble.setAttribute('style', 'position: fixed; right: 16px; bottom: 16px; z-index: 5000');
  bubble.textContent = 'Chat with an adviser';
  document.body.append(bubble);
  const frame = document.createElement('iframe');
  frame.src = '${widget}/chat-frame.html';
  frame.title = 'Adviser chat';
  frame.width = '280';
  frame.height = '90';
  document.body.append(frame);
  const extra = document.createElement('script');
  extra.src = '${widget}/widget-extra.js';
  document.head.append(extra);
})();
`;

const WIDGET_EXTRA_JS = `
(() => {
  const badge = document.createElement('span');
  badge.className = 'nw-chat-online';
  badge.textContent = 'Advisers online now';
  document.querySelector('.nw-chat-bubble')?.append(badge);
  document.body.dataset.ready = 'true';
})();
`;

const page = (title: string, body: string, head = ''): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · Northwind Bank</title>${head}
<style>body{font:16px sans-serif;margin:24px}nav a{margin-right:12px}</style></head>
<body><nav><a href="/">Home</a><a href="/spa">Dashboard</a><a href="/fetch">Payees</a><a href="/ab">Offers</a><a href="/widget">Help</a><a href="/payee">Pay</a></nav>
${body}</body></html>`;

const PAGES: Record<string, (q: URLSearchParams) => string> = {
  '/': () => page('Home', `<h1>Northwind Bank</h1><p>Banking that keeps up with you.</p>
<form id="login" method="post" action="/login"><label>Customer number <input name="customer" autocomplete="username"></label>
<label>Password <input type="password" name="password"></label><button type="submit">Sign in</button></form>
<script>document.body.dataset.ready = 'true'</script>`),
  '/spa': () => page('Dashboard', '<nw-dashboard></nw-dashboard><script type="module" src="/app.js"></script>'),
  '/spa/details': () => page('Dashboard', '<nw-dashboard></nw-dashboard><script type="module" src="/app.js"></script>'),
  '/fetch': () => page('Payees', `<h1>Your payees</h1><table id="payees"><tbody></tbody></table><p id="last-login"></p><p id="limits"></p>
<script src="/payees.js"></script>`),
  '/ab': (q) => page('Offers', q.get('variant') === 'b'
    ? '<h1>Grow your savings faster</h1><p class="lead">Variant B: a bonus rate for new savers.</p><div id="banner"></div><script src="/ab.js"></script>'
    : '<h1>Savings that work for you</h1><p class="lead">Variant A: easy access whenever you need it.</p><div id="banner"></div><script src="/ab.js"></script>'),
  '/widget': () => page('Help', '<h1>How can we help?</h1><p>Browse answers or chat to us.</p>', `<script async src="WIDGET/widget.js"></script>`),
  '/payee': () => page('Pay', `<h1>Make a payment</h1><p class="payee">Payee: Jane Smith, IBAN DE89 3704 0044 0532 0130 00</p>
<form id="pay" method="post" action="/pay"><label>Amount <input name="amount"></label><button type="submit">Pay now</button></form>
<script>document.body.dataset.ready = 'true'</script>`),
};

const PAYEES_JS = `
fetch('/api/payees').then((r) => r.json()).then((data) => {
  const body = document.querySelector('#payees tbody');
  for (const p of data.payees) {
    const row = document.createElement('tr');
    row.innerHTML = '<td></td><td></td>';
    row.cells[0].textContent = p.name;
    row.cells[1].textContent = 'Last paid ' + p.lastPaid + ' (' + p.reference + ')';
    body.append(row);
  }
  document.getElementById('last-login').textContent = 'Last signed in ' + new Date(data.lastLogin).toUTCString();
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/limits');
  xhr.onload = () => {
    const l = JSON.parse(xhr.responseText);
    document.getElementById('limits').textContent = l.label + ': ' + l.daily.toLocaleString('en-GB') + ' GBP a day';
    document.body.dataset.ready = 'true';
  };
  xhr.send();
});
`;

const AB_JS = `
fetch('/api/experiment').then((r) => r.json()).then((x) => {
  const b = document.getElementById('banner');
  const strong = document.createElement('strong');
  strong.textContent = x.headline;
  b.append(strong, ' ', x.detail);
  document.body.dataset.ready = 'true';
});
`;

const JSON_BODIES: Record<string, unknown> = {
  '/api/me': { firstName: 'Amelia', messages: 3, accounts: [
    { label: 'Everyday Current Account', balance: 123456, sort: '20-00-00', opened: 2019 },
    { label: 'Rainy Day Saver', balance: 98000, sort: '20-00-00', opened: 2021 },
  ] },
  '/api/payees': { lastLogin: 1764979200000, payees: [
    { name: 'Oakwood Lettings', lastPaid: '01/12/2026', reference: 'Flat 4 rent' },
    { name: 'Harbour Energy', lastPaid: '18/11/2026', reference: 'Gas and electricity' },
  ] },
  '/api/limits': { label: 'Daily transfer limit', daily: 25000 },
  '/api/experiment': { headline: 'Limited time:', detail: 'switch your current account and get a welcome gift.' },
};

export async function startCorpusSite(): Promise<CorpusSite> {
  const bundle = await build({
    stdin: { contents: SPA_SOURCE, resolveDir: import.meta.dirname, loader: 'js' },
    bundle: true, format: 'esm', minify: true, write: false, logLevel: 'silent',
  });
  const appJs = bundle.outputFiles[0]!.text;
  let widgetUrl = '';
  const widget = await listen((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/widget.js') return send(res, 'text/javascript', WIDGET_JS(widgetUrl));
    if (p === '/widget-extra.js') return send(res, 'text/javascript', WIDGET_EXTRA_JS);
    if (p === '/widget.css') return send(res, 'text/css', '.nw-chat-bubble{background:#0b5;color:#fff;padding:8px 12px;border-radius:16px}');
    if (p === '/chat-frame.html') return send(res, 'text/html', '<!doctype html><meta charset="utf-8"><p>An adviser will be with you shortly.</p>');
    send(res, 'text/plain', 'not found', 404);
  });
  widgetUrl = widget.url;
  const bank = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const html = PAGES[u.pathname];
    if (html) return send(res, 'text/html; charset=utf-8', html(u.searchParams).replace('WIDGET', widgetUrl));
    if (u.pathname === '/app.js') return send(res, 'text/javascript', appJs);
    if (u.pathname === '/payees.js') return send(res, 'text/javascript', PAYEES_JS);
    if (u.pathname === '/ab.js') return send(res, 'text/javascript', AB_JS);
    if (u.pathname in JSON_BODIES) return send(res, 'application/json', JSON.stringify(JSON_BODIES[u.pathname]));
    send(res, 'text/plain', 'not found', 404);
  });
  return {
    url: bank.url,
    widgetUrl,
    close: async () => {
      await bank.close();
      await widget.close();
    },
  };
}

function send(res: ServerResponse, type: string, body: string, status = 200): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
