/**
 * The fidelity suite's loopback site: one page per hard case of real websites,
 * served on two origins (the second port is the "third party" for cross-origin
 * stylesheets and iframes). Every asset exists in two versions: version 2 changes
 * colours, shapes, fonts and data, so a replay that leaked a live request differs
 * in pixels. `deleteAssets()` makes every non-page resource answer 404 instead.
 *
 * Pages mark themselves ready with body[data-ready="true"].
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { fontFor } from '../../scripts/sample-bank/fonts';
import { canvasAsset, canvasPages } from './canvas-pages';
import { prepareWebComponents, webComponentAsset, webComponentPage } from './web-components';

export type Version = 1 | 2;

export interface FidelitySite {
  /** http://127.0.0.1:<port>, the first-party origin. */
  url: string;
  /** http://127.0.0.1:<other port>, the third-party origin. */
  crossUrl: string;
  setVersion(v: Version): void;
  /** Every asset (not pages) answers 404 until the next setVersion(). */
  deleteAssets(): void;
  /** The third-party origin as pages name it (a gateway in front of it); undefined = crossUrl. */
  setPublicCrossUrl(url: string | undefined): void;
  /** Requests received on both origins. */
  requestCount(): number;
  /** Requests since the count was `from`, except the control browser's (user agent CONTROL_AGENT). */
  requestsSince(from: number): string[];
  close(): Promise<void>;
}

type Rgb = [number, number, number];
interface Palette { bg: string; fg: string; accent: string; box: string; a: Rgb; b: Rgb; c: Rgb }

const PALETTES: Record<Version, Palette> = {
  1: { bg: '#f4f1e8', fg: '#1d2b53', accent: '#c0392b', box: '#2e86de', a: [46, 134, 222], b: [241, 196, 15], c: [39, 174, 96] },
  2: { bg: '#202020', fg: '#f8f8f8', accent: '#16a085', box: '#8e44ad', a: [231, 76, 60], b: [52, 73, 94], c: [236, 240, 241] },
};

const NONCE = 'fidelity-nonce-1';
/** User agent of the test's own look at the live site, which may run while a replay is watched. */
export const CONTROL_AGENT = 'verbatim-fidelity-control';

interface Reply { status?: number; type: string; body: string | Buffer; headers?: Record<string, string> }

/** Deterministic PNG: stripes in v1, checkers in v2, in the given colours. */
function png(w: number, h: number, v: Version, fg: Rgb, bg: Rgb): Buffer {
  const img = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const on = v === 1 ? Math.floor(x / 8) % 2 === 0 : (Math.floor(x / 10) + Math.floor(y / 10)) % 2 === 0;
      const [r, g, b] = on ? fg : bg;
      const i = (y * w + x) * 4;
      img.data[i] = r; img.data[i + 1] = g; img.data[i + 2] = b; img.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(img);
}

const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const JSON_T = 'application/json';
const PNG_T = 'image/png';
const SVG_T = 'image/svg+xml';

function page(title: string, head: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64');

/** Base look shared by pages (a stylesheet, itself versioned). */
function baseCss(p: Palette): string {
  return `html,body{margin:0}body{background:${p.bg};color:${p.fg};font:16px/1.4 sans-serif;padding:16px}
h1{margin:0 0 12px;font-size:28px;color:${p.accent}}.box{display:inline-block;width:180px;height:120px;margin:6px;background:${p.box};color:#fff;padding:6px;box-sizing:border-box;vertical-align:top}`;
}

const BASE = '<link rel="stylesheet" href="/base.css">';

/** Pages are the same in both versions except where a page embeds versioned data itself (hashes, nonces). */
function pages(v: Version, p: Palette, cross: string): Record<string, () => Reply> {
  const hashed = `document.getElementById('out').innerHTML='<div class="box hashed">hash-allowed script ran</div>';document.body.dataset.ready='true';`;
  return {
    '/csp-header': () => ({
      type: HTML,
      headers: {
        'Content-Security-Policy': `default-src 'self'; script-src 'nonce-${NONCE}'; style-src 'self'; img-src 'self'; connect-src 'self'`,
      },
      body: page('CSP header', `${BASE}<link rel="stylesheet" href="/csp/style.css">`,
        `<h1>CSP header, nonce, connect-src 'self'</h1><div id="out"></div><div class="tile"></div>
<script nonce="${NONCE}">fetch('/api/items').then(r=>r.json()).then(items=>{const out=document.getElementById('out');
for(const it of items){const d=document.createElement('div');d.className='box';d.textContent=it.name;d.style.background=it.colour;out.append(d)}
document.body.dataset.ready='true'})</script>`),
    }),
    '/csp-meta': () => ({
      type: HTML,
      body: page('CSP meta', `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'sha256-${sha256(hashed)}'; style-src 'self'">${BASE}<link rel="stylesheet" href="/csp/style.css">`,
        `<h1>CSP in &lt;meta&gt;, hash source</h1><div id="out"></div><div class="tile"></div><script>${hashed}</script>`),
    }),
    '/csp-strict-dynamic': () => ({
      type: HTML,
      headers: { 'Content-Security-Policy': `script-src 'nonce-${NONCE}' 'strict-dynamic'; object-src 'none'; base-uri 'none'` },
      body: page('CSP strict-dynamic', `${BASE}<link rel="stylesheet" href="/csp/style.css">`,
        `<h1>CSP strict-dynamic</h1><div id="out"></div><div class="tile"></div>
<script nonce="${NONCE}">const s=document.createElement('script');s.src='/csp/loader.js';document.head.append(s)</script>`),
    }),
    '/csp-trusted-types': () => ({
      type: HTML,
      headers: { 'Content-Security-Policy': `script-src 'nonce-${NONCE}'; require-trusted-types-for 'script'; trusted-types app` },
      body: page('CSP Trusted Types', `${BASE}<link rel="stylesheet" href="/csp/style.css">`,
        `<h1>Trusted Types enforced</h1><div id="out"></div><div class="tile"></div>
<script nonce="${NONCE}">const policy=trustedTypes.createPolicy('app',{createHTML:(s)=>s});
document.getElementById('out').innerHTML=policy.createHTML('<div class="box">trusted HTML</div>');document.body.dataset.ready='true'</script>`),
    }),
    '/csp-report-only': () => ({
      type: HTML,
      headers: { 'Content-Security-Policy-Report-Only': "default-src 'none'; report-uri /csp-report" },
      body: page('CSP report-only', `${BASE}<link rel="stylesheet" href="/csp/style.css">`,
        `<h1>CSP report-only</h1><div id="out"></div><div class="tile"></div><img src="/img/photo.png" width="240" height="120" alt="">
<script>document.getElementById('out').innerHTML='<div class="box">inline script ran</div>';document.body.dataset.ready='true'</script>`),
    }),
    '/cross-css': () => ({
      type: HTML,
      body: page('Cross-origin CSS', `${BASE}<link rel="stylesheet" href="${cross}/third/theme.css">`,
        `<h1>Cross-origin stylesheet without CORS</h1><div class="third-a box">A</div><div class="third-b box">B</div><div class="third-tile"></div>
<script>let readable='yes';try{document.styleSheets[1].cssRules}catch(e){readable='no'}document.body.dataset.rulesReadable=readable;document.body.dataset.ready='true'</script>`),
    }),
    '/cross-assets': () => ({
      type: HTML,
      body: page('Cross-origin assets', `${BASE}<link rel="stylesheet" href="${cross}/third/assets.css">`,
        `<h1>Third-party font, images, srcset and a redirected asset</h1><p class="third-font">Fonts from a CDN 0123</p>
<div class="moved box">redirected</div><img src="${cross}/third/photo.png" width="240" height="120" alt="">
<img srcset="${cross}/third/x1.png 1x, ${cross}/third/x2.png 2x" src="${cross}/third/x1.png" width="200" height="120" alt="">
<script>addEventListener('load',()=>{document.fonts.ready.then(()=>{document.body.dataset.ready='true'})})</script>`),
    }),
    '/imports': () => ({
      type: HTML,
      body: page('@import and url()', `${BASE}<link rel="stylesheet" href="/css/imports/main.css"><style>.inline-rel{background:url(img/rel.png)}</style>`,
        `<h1>@import chain, relative and root-relative url()</h1><div class="lvl1 box">main</div><div class="lvl2 box">layout</div><div class="lvl3 box">colors</div>
<div class="root-rel box">root-relative</div><div class="inline-rel box">inline relative</div><script>document.body.dataset.ready='true'</script>`),
    }),
    '/font-face': () => ({
      type: HTML,
      body: page('@font-face', `${BASE}<link rel="stylesheet" href="/fonts/fonts.css">`,
        `<h1>@font-face</h1><p class="webfont">The quick brown fox jumps over the lazy dog 0123456789</p><p class="webfont small">Verbatim keeps the historic font bytes.</p>${'<p class="webfont small">Pack my box with five dozen liquor jugs. Sphinx of black quartz, judge my vow.</p>'.repeat(4)}
<script>document.fonts.ready.then(()=>{document.body.dataset.ready='true'})</script>`),
    }),
    '/srcset': () => ({
      type: HTML,
      body: page('srcset and picture', BASE,
        `<h1>srcset / picture</h1>
<img srcset="/img/x1.png 1x, /img/x2.png 2x" src="/img/x1.png" width="200" height="120" alt="">
<img srcset="/img/w200.png 200w, /img/w400.png 400w" sizes="200px" width="200" height="120" alt="">
<picture><source media="(min-width: 800px)" srcset="/img/wide.png"><img src="/img/narrow.png" width="200" height="120" alt=""></picture>
<script>addEventListener('load',()=>{document.body.dataset.ready='true'})</script>`),
    }),
    '/svg-sprite': () => ({
      type: HTML,
      body: page('SVG sprite', BASE,
        `<h1>SVG &lt;use href&gt; sprites</h1>
<svg width="160" height="160"><use href="/img/sprite.svg#shape"></use></svg>
<svg width="160" height="160"><use xlink:href="/img/sprite.svg#ring"></use></svg>
<svg width="160" height="160" viewBox="0 0 160 160"><image href="/img/photo.png" width="160" height="160"></image></svg>
<script>addEventListener('load',()=>{setTimeout(()=>{document.body.dataset.ready='true'},200)})</script>`),
    }),
    '/lazy': () => ({
      type: HTML,
      body: page('Lazy images', BASE,
        `<h1>Lazy-loaded images</h1><div style="height:1600px">Scroll down</div>
${[1, 2, 3].map((i) => `<img loading="lazy" src="/img/lazy${i}.png" width="300" height="200" alt="">`).join('')}
<div style="height:400px"></div><script>document.body.dataset.ready='true'</script>`),
    }),
    '/iframes': () => ({
      type: HTML,
      body: page('Iframes', BASE,
        `<h1>Same-origin and cross-origin iframes</h1>
<iframe id="same" src="/frame/same" width="500" height="300" style="border:0"></iframe>
<iframe id="cross" src="${cross}/frame/cross" width="500" height="300" style="border:0"></iframe>
<script>addEventListener('load',()=>{document.body.dataset.ready='true'})</script>`),
    }),
    '/frame/same': () => ({
      type: HTML,
      body: page('same frame', '<link rel="stylesheet" href="/frame/frame.css">', '<div class="inner">same-origin frame</div><img src="/img/photo.png" width="200" height="100" alt="">'),
    }),
    '/frame/cross': () => ({
      type: HTML,
      body: page('cross frame', '<link rel="stylesheet" href="/frame/frame.css">', '<div class="inner cross">cross-origin frame</div><img src="/img/photo.png" width="200" height="100" alt="">'),
    }),
    '/shadow': () => ({
      type: HTML,
      body: page('Shadow DOM', `${BASE}<style id="cssom">.placeholder{}</style><script src="/shadow/components.js"></script>`,
        `<h1>Shadow DOM, custom elements, adoptedStyleSheets, insertRule</h1>
<fid-card label="first"></fid-card><fid-card label="second"></fid-card><div class="adopted box">adopted on document</div><div class="cssom box">insertRule</div>`),
    }),
    '/canvas': () => ({
      type: HTML,
      body: page('Canvas', BASE, `<h1>Canvas drawn by script</h1><canvas id="c" width="600" height="300"></canvas><script src="/canvas/draw.js"></script>`),
    }),
    '/spa': () => ({
      type: HTML,
      body: page('SPA', `${BASE}<link rel="stylesheet" href="/spa/app.css">`,
        `<h1>SPA</h1><nav><a href="/spa" data-route="home">Home</a> <a href="/spa/details" data-route="details" id="to-details">Details</a></nav><main id="view"></main><script src="/spa/app.js"></script>`),
    }),
    '/spa/details': () => pages(v, p, cross)['/spa']!(),
    ...canvasPages(),
    '/forms': () => ({
      type: HTML,
      body: page('Forms', `${BASE}<link rel="stylesheet" href="/forms/forms.css">`,
        `<h1>Form controls</h1><form onsubmit="return false">
<label>Account <select id="sel"><option>Current</option><option>Savings</option><option>Mortgage</option></select></label>
<label><input type="checkbox" id="cb1"> Paperless</label><label><input type="checkbox" id="cb2" checked> Newsletter</label>
<label><input type="radio" name="r" id="r1" checked> Monthly</label><label><input type="radio" name="r" id="r2"> Weekly</label>
<input type="text" id="txt" value=""><textarea id="ta" rows="4" cols="40"></textarea></form><script>document.body.dataset.ready='true'</script>`),
    }),
    '/scroll-inside': () => ({
      type: HTML,
      body: page('Scrolling inside elements', `${BASE}<link rel="stylesheet" href="/scroll/scroll.css">`,
        `<h1>Scrolling inside elements</h1><div id="pane" class="pane">${Array.from({ length: 30 }, (_, i) => `<div class="row r${i % 3}">row ${i}</div>`).join('')}</div>
<div id="hpane" class="hpane"><div class="wide"></div></div><script>document.body.dataset.ready='true'</script>`),
    }),
    '/hover-focus': () => ({
      type: HTML,
      body: page('Hover and focus', `${BASE}<link rel="stylesheet" href="/hover/hover.css">`,
        `<h1>Hover and focus states</h1><button id="btn" class="btn">Hover me</button> <input id="field" class="field" placeholder="focus me"><script>document.body.dataset.ready='true'</script>`),
    }),
    '/service-worker': () => ({
      type: HTML,
      body: page('Service worker', `${BASE}<link rel="stylesheet" href="/sw/page.css">`,
        `<h1>Service worker</h1><div id="out"></div><script src="/sw/page.js"></script>`),
    }),
  };
}

/** Versioned assets; `p` is the version's palette. */
function asset(path: string, v: Version, p: Palette, cross: string): Reply | undefined {
  const img = (w: number, h: number, fg: Rgb, bg: Rgb): Reply => ({ type: PNG_T, body: png(w, h, v, fg, bg) });
  switch (path) {
    case '/base.css': return { type: CSS, body: baseCss(p) };
    case '/csp/style.css': return { type: CSS, body: `.tile{width:400px;height:120px;background:url(/img/tile.png)}#out .box{border:4px solid ${p.accent}}` };
    case '/csp/loader.js': return { type: JS, body: `document.getElementById('out').innerHTML='<div class="box" style="background:${p.accent}">loaded by strict-dynamic</div>';document.body.dataset.ready='true';` };
    case '/api/items': return { type: JSON_T, body: JSON.stringify(v === 1 ? [{ name: 'Alpha', colour: '#e67e22' }, { name: 'Beta', colour: '#27ae60' }] : [{ name: 'Gamma', colour: '#34495e' }]) };
    case '/img/tile.png': return img(40, 40, p.a, p.b);
    case '/img/photo.png': return img(120, 60, p.b, p.c);
    case '/third/theme.css': return { type: CSS, body: `@import "parts.css";.third-a{background:${p.accent}!important;width:300px}.third-tile{height:140px;background:url(tile.png)}` };
    case '/third/parts.css': return { type: CSS, body: `.third-b{background:url(/third/tile.png);border-radius:${v === 1 ? 0 : 60}px}` };
    case '/third/tile.png': return img(30, 30, p.c, p.a);
    case '/third/assets.css': return { type: CSS, body: `@font-face{font-family:ThirdFont;src:url(font/third.ttf) format("truetype")}.third-font{font:40px ThirdFont,monospace}.moved{background:url(latest/badge.png)}` };
    case '/third/font/third.ttf': {
      // Fonts load cross-origin only with CORS: a CDN sends this header.
      const font = fontFor(v);
      return font ? { type: 'font/ttf', body: font.body, headers: { 'Access-Control-Allow-Origin': '*' } } : undefined;
    }
    // An unversioned URL redirecting to the current version, as CDNs do.
    case '/third/latest/badge.png': return { status: 302, type: 'text/plain', body: '', headers: { Location: `/third/badge-v${v}.png` } };
    case '/third/badge-v1.png': case '/third/badge-v2.png': return img(36, 36, p.b, p.c);
    case '/third/photo.png': return img(120, 60, p.c, p.b);
    case '/third/x1.png': return img(200, 120, p.a, p.c);
    case '/third/x2.png': return img(400, 240, p.b, p.a);
    case '/css/imports/main.css': return { type: CSS, body: `@import "parts/layout.css";.lvl1{background:${p.accent}}` };
    case '/css/imports/parts/layout.css': return { type: CSS, body: `@import url("../../deep/colors.css");.lvl2{background:url(../img/stripe.png);width:${v === 1 ? 300 : 150}px}` };
    case '/css/imports/img/stripe.png': return img(20, 20, p.a, p.c);
    case '/css/deep/colors.css': return { type: CSS, body: `.lvl3{background:url(dots.png)}.root-rel{background:url(/img/root.png)}` };
    case '/css/deep/dots.png': return img(16, 16, p.b, p.a);
    case '/img/root.png': return img(24, 24, p.c, p.b);
    case '/img/rel.png': return img(12, 12, p.a, p.b);
    case '/fonts/fonts.css': return { type: CSS, body: `@font-face{font-family:Fid;src:url(fid.ttf) format("truetype")}.webfont{font:44px/1.3 Fid,monospace}.small{font-size:28px}` };
    case '/fonts/fid.ttf': {
      const font = fontFor(v);
      return font ? { type: 'font/ttf', body: font.body } : undefined;
    }
    case '/img/x1.png': return img(200, 120, p.a, p.b);
    case '/img/x2.png': return img(400, 240, p.c, p.b);
    case '/img/w200.png': return img(200, 120, p.b, p.c);
    case '/img/w400.png': return img(400, 240, p.a, p.c);
    case '/img/wide.png': return img(200, 120, p.c, p.a);
    case '/img/narrow.png': return img(200, 120, p.b, p.a);
    case '/img/sprite.svg': return {
      type: SVG_T,
      body: `<svg xmlns="http://www.w3.org/2000/svg"><defs>
<symbol id="shape" viewBox="0 0 160 160">${v === 1 ? `<rect x="10" y="10" width="140" height="140" fill="${p.accent}"/>` : `<polygon points="80,5 155,155 5,155" fill="${p.accent}"/>`}</symbol>
<symbol id="ring" viewBox="0 0 160 160"><circle cx="80" cy="80" r="${v === 1 ? 60 : 30}" fill="none" stroke="${p.box}" stroke-width="20"/></symbol></defs></svg>`,
    };
    case '/img/lazy1.png': return img(300, 200, p.a, p.b);
    case '/img/lazy2.png': return img(300, 200, p.b, p.c);
    case '/img/lazy3.png': return img(300, 200, p.c, p.a);
    case '/frame/frame.css': return { type: CSS, body: `body{margin:0;background:url(/img/tile.png)}.inner{font:24px sans-serif;background:${p.box};color:#fff;padding:20px}.cross{background:${p.accent}}` };
    case '/shadow/components.js': return { type: JS, body: SHADOW_JS };
    case '/shadow/card.css': return { type: CSS, body: `.card{border:6px solid ${p.accent};background:url(/img/tile.png);height:80px}` };
    case '/canvas/draw.js': return { type: JS, body: canvasJs(v, p) };
    case '/spa/app.css': return { type: CSS, body: `#view{margin-top:12px}.item{background:${p.box};color:#fff;margin:4px;padding:8px;width:${v === 1 ? 400 : 200}px}nav a{color:${p.accent}}` };
    case '/spa/app.js': return { type: JS, body: SPA_JS };
    case '/api/spa/home': return { type: JSON_T, body: JSON.stringify({ title: v === 1 ? 'Home (fetch)' : 'HOME v2', items: v === 1 ? ['one', 'two'] : ['x'] }) };
    case '/api/spa/details': return { type: JSON_T, body: JSON.stringify({ title: v === 1 ? 'Details (XHR)' : 'DETAILS v2', items: v === 1 ? ['alpha', 'beta', 'gamma', 'delta'] : ['z'] }) };
    case '/forms/forms.css': return { type: CSS, body: `form{display:grid;gap:10px;width:420px;padding:16px;background:${p.box}}label{color:#fff}textarea,select,input[type=text]{font-size:18px}` };
    case '/scroll/scroll.css': return { type: CSS, body: `.pane{height:300px;width:500px;overflow:auto;border:3px solid ${p.accent}}.row{height:60px;font-size:22px}.r0{background:${p.box}}.r1{background:url(/img/tile.png)}.r2{background:${p.bg}}.hpane{width:500px;height:120px;overflow-x:auto;margin-top:10px}.wide{width:3000px;height:100px;background:linear-gradient(90deg,${p.accent},${p.box},${p.accent},${p.box})}` };
    case '/hover/hover.css': return { type: CSS, body: `.btn{font-size:28px;padding:20px 40px;background:${p.box};color:#fff;border:0}.btn:hover{background:${p.accent};transform:scale(1.1)}.field{font-size:24px;padding:10px;border:3px solid #888;outline:none}.field:focus{border-color:${p.accent};background:#ffe}` };
    case '/sw/page.css': return { type: CSS, body: `.from-sw{background:${p.box};color:#fff;padding:12px;font-size:24px;width:500px}.sw-img{display:block;margin-top:8px}` };
    case '/sw/page.js': return { type: JS, body: SW_PAGE_JS };
    case '/sw.js': return { type: JS, body: SW_JS, headers: { 'Service-Worker-Allowed': '/' } };
    case '/sw/data.json': return { type: JSON_T, body: JSON.stringify({ message: v === 1 ? 'rendered from a service-worker response' : 'SW v2' }) };
    case '/img/sw.png': return img(300, 100, p.c, p.a);
    case '/favicon.ico': return { type: PNG_T, body: png(16, 16, v, p.a, p.b) };
  }
  void cross;
  return undefined;
}

const SHADOW_JS = `
const shared = new CSSStyleSheet();
shared.replaceSync('.label{font:22px sans-serif;padding:6px;color:#fff;background:#444}');
class FidCard extends HTMLElement {
  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [shared];
    root.innerHTML = '<link rel="stylesheet" href="/shadow/card.css"><style>:host{display:block;width:420px;margin:8px 0}</style><div class="card"><span class="label"></span></div>';
    root.querySelector('.label').textContent = 'shadow card: ' + this.getAttribute('label');
  }
}
customElements.define('fid-card', FidCard);
addEventListener('DOMContentLoaded', () => {
  const doc = new CSSStyleSheet();
  doc.replaceSync('.adopted{background:#d35400!important;border-radius:20px}');
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, doc];
  setTimeout(() => {
    const sheet = document.getElementById('cssom').sheet;
    sheet.insertRule('.cssom{background:#2c3e50!important;width:320px!important}', sheet.cssRules.length);
    shared.insertRule('.label{letter-spacing:3px}', shared.cssRules.length);
    addEventListener('load', () => { document.body.dataset.ready = 'true'; });
    if (document.readyState === 'complete') document.body.dataset.ready = 'true';
  }, 200);
});`;

function canvasJs(v: Version, p: Palette): string {
  return `
const c = document.getElementById('c');
const ctx = c.getContext('2d');
ctx.fillStyle = '${p.bg}'; ctx.fillRect(0, 0, 600, 300);
const g = ctx.createLinearGradient(0, 0, 600, 0); g.addColorStop(0, '${p.accent}'); g.addColorStop(1, '${p.box}');
ctx.fillStyle = g; ctx.fillRect(20, 20, ${v === 1 ? 560 : 200}, 120);
ctx.beginPath(); ctx.arc(${v === 1 ? 150 : 450}, 220, 60, 0, Math.PI * 2); ctx.fillStyle = '${p.fg}'; ctx.fill();
ctx.font = '32px sans-serif'; ctx.fillStyle = '${p.accent}'; ctx.fillText('${v === 1 ? 'chart v1' : 'CHART 2'}', 300, 240);
setTimeout(() => { ctx.fillStyle = '${p.box}'; ctx.fillRect(250, 260, 300, 30); document.body.dataset.ready = 'true'; }, 300);`;
}

const SPA_JS = `
function render(data) {
  const view = document.getElementById('view');
  view.innerHTML = '';
  const h = document.createElement('h2'); h.textContent = data.title; view.append(h);
  for (const t of data.items) { const d = document.createElement('div'); d.className = 'item'; d.textContent = t; view.append(d); }
}
function show(route) {
  document.body.dataset.ready = 'false';
  document.body.dataset.route = route;
  if (route === 'details') {
    const x = new XMLHttpRequest(); x.open('GET', '/api/spa/details');
    x.onload = () => { render(JSON.parse(x.responseText)); document.body.dataset.ready = 'true'; };
    x.send();
  } else {
    fetch('/api/spa/home').then((r) => r.json()).then((d) => { render(d); document.body.dataset.ready = 'true'; });
  }
}
document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-route]');
  if (!a) return;
  e.preventDefault();
  history.pushState({}, '', a.getAttribute('href'));
  show(a.dataset.route);
});
show(location.pathname.endsWith('/details') ? 'details' : 'home');`;

const SW_JS = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (url.pathname === '/sw/virtual.json') {
    e.respondWith(fetch('/sw/data.json').then((r) => r.json()).then((d) => new Response(JSON.stringify({ message: d.message + ' (via worker)' }), { headers: { 'content-type': 'application/json' } })));
  } else if (url.pathname === '/img/sw.png') {
    e.respondWith(fetch(e.request));
  }
});`;

const SW_PAGE_JS = `
(async () => {
  const out = document.getElementById('out');
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    const d = await (await fetch('/sw/virtual.json')).json();
    const div = document.createElement('div'); div.className = 'from-sw'; div.textContent = d.message; out.append(div);
    const img = new Image(300, 100); img.className = 'sw-img'; img.src = '/img/sw.png'; out.append(img);
    await img.decode();
  } catch (e) {
    out.textContent = 'service worker failed: ' + e;
  }
  document.body.dataset.ready = 'true';
})();`;

export async function startFidelitySite(): Promise<FidelitySite> {
  await prepareWebComponents();
  let version: Version = 1;
  let deleted = false;
  const log: string[] = [];
  let crossUrl = '';
  let publicCross: string | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    log.push(`${req.headers['user-agent'] === CONTROL_AGENT ? 'control ' : ''}${req.headers.host ?? ''}${req.url ?? ''}`);
    const p = PALETTES[version];
    const pageReply = pages(version, p, publicCross ?? crossUrl)[path];
    let reply = pageReply ? pageReply() : webComponentPage(path)
      ?? (deleted ? undefined : asset(path, version, p, crossUrl) ?? canvasAsset(path, version, p) ?? webComponentAsset(path, version, p));
    if (path === '/csp-report') reply = { status: 204, type: 'text/plain', body: '' };
    if (!reply) {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' }).end('not found');
      return;
    }
    // Caching is allowed (as on real sites); the proxy sees what crosses the wire.
    res.writeHead(reply.status ?? 200, {
      'Content-Type': reply.type,
      'Cache-Control': reply.type === HTML || reply.type === JSON_T ? 'no-store' : 'max-age=60',
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  };

  const listen = async (): Promise<Server> => {
    const server = createServer(handle);
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const main = await listen();
  const third = await listen();
  const url = `http://127.0.0.1:${(main.address() as AddressInfo).port}`;
  crossUrl = `http://127.0.0.1:${(third.address() as AddressInfo).port}`;

  return {
    url,
    crossUrl,
    setVersion: (v) => {
      version = v;
      deleted = false;
    },
    deleteAssets: () => {
      deleted = true;
    },
    setPublicCrossUrl: (u) => {
      publicCross = u;
    },
    requestCount: () => log.length,
    requestsSince: (from) => log.slice(from).filter((r) => !r.startsWith('control ')),
    close: async () => {
      for (const s of [main, third]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
