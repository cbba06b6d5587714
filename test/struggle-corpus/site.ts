/**
 * The corpus's small bank site, served on loopback by the test: a home page of buttons that work, do nothing, throw,
 * fail, answer late or slowly; a transfer form (IBAN, amount, reference) validated after submit; a long article; a
 * single-page app with pushState links; a goodbye page every journey ends on (so the page before it is hidden and
 * judged). The home page's logo is missing (a 404 image: not a failed request). Every behaviour a case relies on is here, named by the element id the case's labels use.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const HEAD = (title: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">
<style>body{font:16px sans-serif;margin:16px}button,.fake{display:inline-block;width:180px;height:40px;margin:4px}p{margin:6px 0}</style></head>`;

const HOME = `${HEAD('Bank')}<body>
<nav><a id="to-article" href="/article">Savings guide</a> · <a id="to-form" href="/form">Transfer</a> · <a id="to-spa" href="/spa/a">Cards</a></nav>
<p><button id="noop">Continue</button> <button id="throws">Apply</button> <button id="fail">Refresh balance</button></p>
<p><button id="late">Check status</button> <button id="slowok">Load statement</button> <button id="fastok">Load summary</button></p>
<p><button id="toggle">Show details</button> <button id="help">Help</button> <button id="more">Load more</button></p>
<p><button id="plus">+</button> <span id="count">1</span> <span class="fake" id="fake" role="button" tabindex="0">Open offer</span></p>
<p><button id="missing">Check limits</button> <button id="reset">Reset card</button> <button id="later">Schedule report</button></p>
<p id="out">Ready</p><p id="details"></p><ul id="list"></ul>
<p><img id="logo" src="/logo.png" alt="" width="1" height="1"></p>
<p id="intro">Welcome to your bank. This paragraph is plain text.</p>
<script>
const $ = (id) => document.getElementById(id);
$('throws').addEventListener('click', () => { throw new Error('apply handler broke'); });
$('fail').addEventListener('click', async () => { const r = await fetch('/api/balance'); $('out').dataset.status = String(r.status); });
$('missing').addEventListener('click', async () => { const r = await fetch('/api/limits'); $('out').dataset.status = String(r.status); });
$('reset').addEventListener('click', () => { fetch('/api/reset', { method: 'POST' }).catch(() => { $('out').dataset.status = 'network'; }); });
$('late').addEventListener('click', () => { const t0 = performance.now(); setTimeout(() => { $('out').textContent = 'Status: active'; $('out').dataset.lateMs = String(Math.round(performance.now() - t0)); }, 900); });
const load = async (id, ms) => { const r = await fetch('/api/slow?ms=' + ms); $('out').textContent = await r.text(); };
$('slowok').addEventListener('click', () => load('slowok', Number(new URLSearchParams(location.search).get('ms') || 3600)));
$('fastok').addEventListener('click', () => load('fastok', 150));
let open = false;
$('toggle').addEventListener('click', () => { open = !open; $('details').textContent = open ? 'Fees: none' : ''; });
$('help').addEventListener('click', () => { $('out').textContent = 'Call us on 0800 000'; });
let n = 0;
$('more').addEventListener('click', () => { const li = document.createElement('li'); li.textContent = 'Item ' + (++n); $('list').append(li); });
$('plus').addEventListener('click', () => { $('count').textContent = String(Number($('count').textContent) + 1); });
$('later').addEventListener('click', () => { $('out').textContent = 'Scheduled'; setTimeout(() => { throw new Error('report job failed'); }, 2600); });
</script></body></html>`;

const FORM = `${HEAD('Transfer')}<body>
<h1>Transfer</h1>
<p><input id="search" type="search" aria-label="Search payees"></p>
<form id="transfer" novalidate>
<p><label for="iban">IBAN</label> <input id="iban" name="iban" autocomplete="off"> <span id="iban-error" class="error"></span></p>
<p><label for="amount">Amount</label> <input id="amount" name="amount" inputmode="decimal" autocomplete="off"> <span id="amount-error" class="error"></span></p>
<p><label for="reference">Reference</label> <input id="reference" name="reference" autocomplete="off"></p>
<p><button id="send" type="submit">Send transfer</button></p>
</form>
<p><a id="to-home" href="/">Home</a> <a id="to-article" href="/article">Savings guide</a></p>
<script>
const $ = (id) => document.getElementById(id);
const ibanOk = (v) => /^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/.test(v.replace(/\\s+/g, ''));
const mark = (id, msg) => { $(id).setAttribute('aria-invalid', msg ? 'true' : 'false'); $(id + '-error').textContent = msg; };
$('transfer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const badIban = ibanOk($('iban').value) ? '' : 'Enter a valid IBAN';
  const badAmount = Number($('amount').value) > 0 ? '' : 'Enter an amount';
  mark('iban', badIban); mark('amount', badAmount);
  if (badIban || badAmount) return;
  const r = await fetch('/api/transfer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (r.ok) location.href = '/done';
});
</script></body></html>`;

const ARTICLE = `${HEAD('Savings guide')}<body><p><a id="top-home" href="/">Home</a></p><h1>Savings guide</h1>
${Array.from({ length: 320 }, (_, i) => `<p>Paragraph ${i + 1}. Saving regularly, even small amounts, builds a cushion for the unexpected; compare rates and fees before you commit.</p>`).join('\n')}
<p><a id="to-home" href="/">Home</a></p></body></html>`;

const SPA = `${HEAD('Cards')}<body>
<nav><a id="spa-a" href="/spa/a">Debit card</a> · <a id="spa-b" href="/spa/b">Credit card</a></nav>
<main id="view"></main>
<script>
const views = { '/spa/a': 'Debit card: free withdrawals in the eurozone.', '/spa/b': 'Credit card: 1.9 % a month on balances carried over.' };
const show = () => { document.getElementById('view').textContent = views[location.pathname] || 'Cards'; };
document.querySelector('nav').addEventListener('click', (e) => {
  const a = e.target.closest('a'); if (!a) return;
  e.preventDefault(); history.pushState(null, '', a.getAttribute('href')); show();
});
addEventListener('popstate', show); show();
</script></body></html>`;

const SIMPLE = (title: string, text: string) => `${HEAD(title)}<body><p>${text}</p><p><a id="to-home" href="/">Home</a></p></body></html>`;

export interface CorpusSite {
  url: string;
  close(): Promise<void>;
}

export async function startSite(): Promise<CorpusSite> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    req.resume();
    switch (url.pathname) {
      case '/api/balance': return send(500, 'application/json', '{"error":"ledger down"}');
      case '/api/limits': return send(404, 'application/json', '{"error":"no such account"}');
      case '/api/reset': return void req.socket.destroy(); // the connection drops: a network error
      case '/api/transfer': return send(200, 'application/json', '{"ok":true}');
      case '/api/slow': {
        const ms = Math.min(Number(url.searchParams.get('ms')) || 0, 10_000);
        return void setTimeout(() => send(200, 'text/plain', `Statement ready (${ms} ms)`), ms);
      }
      case '/': return send(200, 'text/html; charset=utf-8', HOME);
      case '/form': return send(200, 'text/html; charset=utf-8', FORM);
      case '/article': return send(200, 'text/html; charset=utf-8', ARTICLE);
      case '/spa/a': case '/spa/b': return send(200, 'text/html; charset=utf-8', SPA);
      case '/done': return send(200, 'text/html; charset=utf-8', SIMPLE('Done', 'Transfer sent.'));
      case '/bye': return send(200, 'text/html; charset=utf-8', SIMPLE('Goodbye', 'You are signed out.'));
      default: return send(404, 'text/html; charset=utf-8', SIMPLE('Not found', 'No such page.'));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
