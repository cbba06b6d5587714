/**
 * Self-test of the sample bank: content, encodings, revalidation, session,
 * the version switch (every resource changes), and in Chromium that the
 * home page renders repeatably and looks clearly different in version 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright';
import { diffPng } from '../../test/helpers/pixels';
import { CONTENT_SECURITY_POLICY, READY_SELECTOR, STATIC_PATHS, startSampleBank, type SampleBank } from './server';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Plain node:http GET so the test sees the bytes on the wire (fetch would decode gzip). */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function login(bank: SampleBank): Promise<string> {
  const res = await fetch(`${bank.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ customerId: '12345678', password: 'correct horse' }),
    redirect: 'manual',
  });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/accounts');
  const cookie = res.headers.getSetCookie()[0];
  assert.ok(cookie, 'login sets a cookie');
  assert.match(cookie, /HttpOnly/);
  return cookie.split(';')[0]!;
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('sample bank', () => {
  let bank: SampleBank;

  before(async () => {
    bank = await startSampleBank();
  });
  after(async () => {
    await bank.close();
  });

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    assert.match(bank.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(bank.origin, bank.url);
  });

  it('serves every page and asset with type, charset, length and the CSP on HTML', async () => {
    for (const path of [...STATIC_PATHS, '/login']) {
      if (path === '/fonts/bank-text.ttf' && !bank.fontFiles[1]) continue;
      const res = await fetch(bank.url + path);
      assert.equal(res.status, 200, path);
      const type = res.headers.get('content-type') ?? '';
      if (/^(text\/|application\/json|image\/svg)/.test(type)) assert.match(type, /charset=utf-8/, path);
      const raw = await rawGet(bank.url + path);
      assert.equal(Number(raw.headers['content-length']), raw.body.length, path);
      if (type.startsWith('text/html')) {
        assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
        const html = await res.text();
        assert.doesNotMatch(html, /<script>|<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/i, `${path} has no inline script or style`);
      }
    }
    assert.equal((await fetch(`${bank.url}/css/site.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal((await fetch(`${bank.url}/img/hero.png`)).headers.get('content-type'), 'image/png');
    assert.equal((await fetch(`${bank.url}/nope`)).status, 404);
    assert.equal((await fetch(`${bank.url}/css/site.css`, { method: 'POST', body: 'x' })).status, 405);
  });

  it('links the stylesheets, font and images by relative URLs', async () => {
    const site = await (await fetch(`${bank.url}/css/site.css`)).text();
    const theme = await (await fetch(`${bank.url}/css/theme.css`)).text();
    assert.match(site, /@import url\("theme\.css"\)/);
    assert.match(theme, /@font-face[^}]*url\("\.\.\/fonts\/bank-text\.ttf"\)/);
    assert.match(theme, /url\("\.\.\/img\/bg\.png"\)/);
    const home = await (await fetch(bank.url)).text();
    for (const ref of ['/css/site.css', '/js/home.js', '/img/product.png', '<iframe', 'src="/widgets/rates.html"', 'href="/login"']) {
      assert.ok(home.includes(ref), `home page references ${ref}`);
    }
  });

  it('gzips text when the client accepts it and never images', async () => {
    for (const path of ['/', '/css/site.css', '/js/home.js', '/api/offers', '/widgets/rates.html']) {
      const plainRes = await rawGet(bank.url + path);
      const gz = await rawGet(bank.url + path, { 'Accept-Encoding': 'gzip, deflate' });
      assert.equal(plainRes.headers['content-encoding'], undefined, path);
      assert.equal(gz.headers['content-encoding'], 'gzip', path);
      assert.equal(gz.headers['vary'], 'Accept-Encoding', path);
      assert.equal(Number(gz.headers['content-length']), gz.body.length, path);
      assert.ok(gunzipSync(gz.body).equals(plainRes.body), `${path} gzip decodes to the identity body`);
    }
    const refused = await rawGet(`${bank.url}/css/site.css`, { 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers['content-encoding'], undefined);
    for (const path of ['/img/hero.png', '/img/icons.svg', '/fonts/bank-text.ttf']) {
      if (path.startsWith('/fonts') && !bank.fontFiles[1]) continue;
      const res = await rawGet(bank.url + path, { 'Accept-Encoding': 'gzip' });
      assert.equal(res.headers['content-encoding'], undefined, path);
    }
  });

  it('answers revalidation with 304 and stops once the version changes', async () => {
    for (const path of ['/img/hero.png', '/css/theme.css', '/']) {
      const first = await rawGet(bank.url + path, { 'Accept-Encoding': 'gzip' });
      const etag = String(first.headers['etag']);
      assert.match(etag, /^W\/".+"$/, path);
      assert.equal(first.headers['cache-control'], 'max-age=0, must-revalidate', path);
      assert.ok(first.headers['last-modified'], path);

      const byTag = await rawGet(bank.url + path, { 'If-None-Match': etag, 'Accept-Encoding': 'gzip' });
      assert.equal(byTag.status, 304, path);
      assert.equal(byTag.body.length, 0, path);
      assert.equal(byTag.headers['etag'], etag, path);
      // The weak tag also matches the identity representation.
      assert.equal((await rawGet(bank.url + path, { 'If-None-Match': `"x", ${etag}` })).status, 304, path);
      const byDate = await rawGet(bank.url + path, { 'If-Modified-Since': String(first.headers['last-modified']) });
      assert.equal(byDate.status, 304, path);
      // If-None-Match wins over If-Modified-Since.
      const stale = await rawGet(bank.url + path, { 'If-None-Match': 'W/"other"', 'If-Modified-Since': String(first.headers['last-modified']) });
      assert.equal(stale.status, 200, path);

      bank.setVersion(2);
      try {
        const changed = await rawGet(bank.url + path, { 'If-None-Match': etag, 'If-Modified-Since': String(first.headers['last-modified']) });
        assert.equal(changed.status, 200, path);
        assert.notEqual(changed.headers['etag'], etag, path);
      } finally {
        bank.setVersion(1);
      }
    }
  });

  it('requires the login cookie for accounts and accepts a transfer', async () => {
    const noSession = await fetch(`${bank.url}/accounts`, { redirect: 'manual' });
    assert.equal(noSession.status, 302);
    assert.equal(noSession.headers.get('location'), '/login');
    assert.equal((await fetch(`${bank.url}/api/accounts`)).status, 401);

    const empty = await fetch(`${bank.url}/login`, { method: 'POST', body: new URLSearchParams({ customerId: '', password: '' }), redirect: 'manual' });
    assert.equal(empty.status, 302);
    assert.equal(empty.headers.get('location'), '/login?error=1');
    assert.match(await (await fetch(`${bank.url}/login?error=1`)).text(), /role="alert"/);

    const cookie = await login(bank);
    const page = await fetch(`${bank.url}/accounts`, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'private, no-store');
    const html = await page.text();
    for (const ref of ['<use href="/img/icons.svg#card">', '<textarea', '<select', 'id="accounts"', 'src="/js/accounts.js"']) {
      assert.ok(html.includes(ref), `accounts page has ${ref}`);
    }
    const accounts = (await (await fetch(`${bank.url}/api/accounts`, { headers: { cookie } })).json()) as unknown[];
    assert.ok(Array.isArray(accounts) && accounts.length >= 3);

    const transfer = await fetch(`${bank.url}/transfer`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ payee: 'landlord', amount: '10.00', reference: 'Rent' }),
      redirect: 'manual',
    });
    assert.equal(transfer.status, 303);
    assert.equal(transfer.headers.get('location'), '/accounts?transfer=ok');
  });

  it('version 2 changes the bytes of every resource', async () => {
    const cookie = await login(bank);
    const paths = [...STATIC_PATHS, '/login', '/accounts', '/api/accounts'].filter(
      (p) => p !== '/fonts/bank-text.ttf' || (bank.fontFiles[1] && bank.fontFiles[2]),
    );
    const grab = async (): Promise<Map<string, Buffer>> => {
      const out = new Map<string, Buffer>();
      for (const p of paths) {
        const res = await fetch(bank.url + p, { headers: { cookie } });
        assert.equal(res.status, 200, p);
        out.set(p, Buffer.from(await res.arrayBuffer()));
      }
      return out;
    };
    const v1 = await grab();
    bank.setVersion(2);
    assert.equal(bank.version(), 2);
    const v2 = await grab();
    bank.setVersion(1);
    const v1again = await grab();
    for (const p of paths) {
      assert.ok(!v1.get(p)!.equals(v2.get(p)!), `${p} differs in version 2`);
      assert.ok(v1.get(p)!.equals(v1again.get(p)!), `${p} is deterministic`);
    }
    assert.notEqual(bank.fontFiles[1], bank.fontFiles[2], 'the versions use different font files');
  });

  it('counts and lists every request received', async () => {
    const before = bank.requestCount();
    await fetch(`${bank.url}/terms`);
    await fetch(`${bank.url}/does-not-exist?q=1`);
    await fetch(`${bank.url}/login`, { method: 'POST', body: 'customerId=1&password=2', redirect: 'manual' });
    assert.equal(bank.requestCount(), before + 3);
    const last = bank.requests().slice(-3);
    assert.deepEqual(
      last.map(({ method, path, status }) => ({ method, path, status })),
      [
        { method: 'GET', path: '/terms', status: 200 },
        { method: 'GET', path: '/does-not-exist?q=1', status: 404 },
        { method: 'POST', path: '/login', status: 302 },
      ],
    );
  });

  describe('in Chromium', () => {
    let browser: Browser;

    before(async () => {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    });
    after(async () => {
      await browser.close();
    });

    /** Loads a page and waits until data, font and iframe are rendered. */
    async function settle(page: Page, path: string): Promise<void> {
      await page.goto(bank.url + path, { waitUntil: 'load' });
      await page.waitForSelector(READY_SELECTOR);
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
    }

    async function homeShot(version: 1 | 2): Promise<{ png: Buffer; problems: string[]; fontLoaded: boolean }> {
      bank.setVersion(version);
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('requestfailed', (r) => problems.push(`failed ${r.url()}`));
      try {
        await settle(page, '/');
        await page.frameLocator('iframe.rates-frame').locator('table').waitFor();
        assert.ok((await page.locator('#offers li').count()) >= 3, 'offers rendered');
        const fontLoaded = await page.evaluate(() => document.fonts.check('16px "Verbatim Bank Text"'));
        const png = await page.screenshot();
        return { png, problems, fontLoaded };
      } finally {
        await context.close();
        bank.setVersion(1);
      }
    }

    it('renders the home page repeatably, and clearly differently in version 2', async (t) => {
      const a = await homeShot(1);
      const b = await homeShot(1);
      const v2 = await homeShot(2);
      await writeFile('/tmp/sample-bank-home.png', a.png);
      await writeFile('/tmp/sample-bank-home-v2.png', v2.png);

      assert.deepEqual(a.problems, [], 'no console errors, CSP violations or failed requests');
      assert.deepEqual(v2.problems, []);
      if (bank.fontFiles[1]) assert.ok(a.fontLoaded && v2.fontLoaded, 'web font loaded');

      const same = diffPng(a.png, b.png, { threshold: 0 });
      assert.equal(same.diffPixels, 0, 'two version-1 renders are pixel-identical');
      const changed = diffPng(a.png, v2.png);
      await writeFile('/tmp/sample-bank-home-diff.png', changed.diffPng);
      t.diagnostic(`home v1 vs v2: ${changed.diffPixels}/${changed.totalPixels} pixels differ (${(changed.ratio * 100).toFixed(1)}%)`);
      assert.ok(changed.ratio > 0.05, `version 2 differs by ${(changed.ratio * 100).toFixed(1)}% (> 5%)`);
    });

    it('makes the browser revalidate cached assets and get 304s', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        await settle(page, '/');
        const mark = bank.requestCount();
        await settle(page, '/');
        const second = bank.requests().slice(mark);
        const notModified = second.filter((r) => r.status === 304).map((r) => r.path);
        assert.ok(notModified.includes('/css/site.css'), `304s on the second visit: ${notModified.join(', ')}`);
        assert.ok(notModified.some((p) => p.startsWith('/img/')), 'images revalidated too');
      } finally {
        await context.close();
      }
    });

    it('logs in, renders accounts with the icon sprite, and scrolls the terms', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const page = await context.newPage();
        await settle(page, '/login');
        await page.fill('#customer-id', '12345678');
        await page.fill('#password', 'correct horse');
        await Promise.all([page.waitForURL(`${bank.url}/accounts`), page.click('button[type=submit]')]);
        await page.waitForSelector(READY_SELECTOR);
        assert.equal(await page.locator('#accounts tbody tr').count(), 3);
        await page.selectOption('#payee', 'utility');
        await page.fill('#reference', 'Quarterly bill');
        await page.screenshot({ path: '/tmp/sample-bank-accounts.png', fullPage: true });

        await settle(page, '/terms');
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        assert.ok(height > 3 * 900, `terms page is long enough to scroll (${height}px)`);
      } finally {
        await context.close();
      }
    });
  });
});
