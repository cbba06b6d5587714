/**
 * Masking before disk, end to end: real Chromium → proxy (with a policy file) →
 * LevelDB. A card number is typed into a plain text field, another is served in
 * a (gzipped) page, a third in a JSON response, a fourth and a security code are
 * posted in a form. Afterwards every record in the data dir is read back (raw
 * LevelDB values, inflated values, every file's raw bytes) and none may appear.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Level } from 'level';
import type { Browser } from 'playwright';
import { loadPolicy, parseIdentityRules, startProxy, type RunningProxy } from '../../proxy/index';
import { openStore } from '../../store/index';
import type { VerbatimStore } from '../../store/store';
import { launchChromium } from '../../scripts/chromium';

/** The sites here live on loopback, which the forward proxy reaches only when told to. */
const LOOPBACK = ['127.0.0.1'];

const root = path.resolve(import.meta.dirname, '../..');
const TYPED = '4111 1111 1111 1111';
const IN_PAGE = '5555 5555 5555 4444';
const IN_JSON = '4012888888881881';
const POSTED = '3782-822463-10005';
const CVV = '4829';
const IBAN = 'DE89 3704 0044 0532 0130 00';
const JSON_IBAN = 'GB82WEST12345698765432';
const MEMBER = 'MB-7731-XQ';

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Cards</title></head><body>
<h1>Your cards</h1>
<p id="card">Card on file: ${IN_PAGE}</p>
<p>Pay to ${IBAN}</p>
<p id="account">loading</p>
<p class="member">Member ${MEMBER}</p>
<label>Note <input id="note" type="text" name="note"></label>
<form method="post" action="/pay">
  <input name="cardholder" value="Ann Example">
  <input type="hidden" name="customer" value="CUST-77">
  <input name="pan" id="pan" type="text">
  <input name="cvv" id="cvv" type="text">
  <input name="password" id="pw" type="password">
  <button id="send">Pay</button>
</form>
<script>fetch('/api/account').then(r => r.json()).then(j => { document.getElementById('account').textContent = 'JSON card ' + j.card.number; });</script>
</body></html>`;

let dir: string;
let store: VerbatimStore;
let site: http.Server;
let siteUrl: string;
let proxy: RunningProxy;
let browser: Browser;
let posted = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verbatim-mask-'));
  site = http.createServer((req, res) => {
    if (req.url === '/api/account') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ card: { number: IN_JSON, expiry: '12/30' }, iban: JSON_IBAN, owner: 'Ann' }));
    } else if (req.url === '/pay' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        posted = body;
        // A 2xx that sets a cookie: the site accepted the post (identity rules trust nothing less).
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'paid=1; Path=/' });
        res.end('<!doctype html><html><head><title>Done</title></head><body><p id="done">Payment received</p></body></html>');
      });
    } else {
      const gz = gzipSync(PAGE);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    }
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const policyFile = path.join(dir, 'masking.json');
  await writeFile(policyFile, JSON.stringify({ mask: { selectors: ['.member'] }, fields: ['note-secret'] }));
  store = await openStore(path.join(dir, 'store'));
  proxy = await startProxy({
    allowedTargets: LOOPBACK,
    store, dataDir: dir, port: 0, masking: await loadPolicy(policyFile, true),
    identityRules: parseIdentityRules({ rules: [{ from: 'form', field: 'customer', url: '/pay' }] }),
    recorderScript: await readFile(path.join(root, 'dist', 'recorder', 'recorder.js')),
  });
});

after(async () => {
  await browser?.close();
  await proxy?.close();
  await store?.close().catch(() => {});
  await new Promise((r) => site?.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** Every form in which a value could reach the disk: digits alone, with spaces, with dashes. */
function variants(value: string): string[] {
  const digits = value.replace(/[^0-9A-Za-z]/g, '');
  return [...new Set([value, digits, value.replace(/-/g, ' '), value.replace(/ /g, '-')])];
}

async function* files(d: string): AsyncGenerator<string> {
  for (const e of await readdir(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

describe('masking before disk', () => {
  it('records a journey with card numbers, a security code and IBANs', async () => {
    browser = await launchChromium({ server: proxy.url, spkiFingerprint: proxy.ca.spkiFingerprint });
    const page = await (await browser.newContext()).newPage();
    await page.goto(siteUrl + '/');
    await page.waitForFunction(() => document.getElementById('account')?.textContent?.startsWith('JSON card'));
    await page.click('#note');
    await page.keyboard.type(TYPED, { delay: 15 });
    await page.fill('#pan', POSTED);
    await page.fill('#cvv', CVV);
    await page.fill('#pw', 'hunter2-secret');
    await page.waitForTimeout(300);
    await Promise.all([page.waitForNavigation(), page.click('#send')]);
    await page.waitForSelector('#done');
    await page.waitForTimeout(500);
    await page.close();
    await browser.close();
    assert.match(posted, /cvv=4829/, 'the site itself received the real values');
    await proxy.drain();
    // Uploads in flight on pagehide.
    await new Promise((r) => setTimeout(r, 500));
    const sessions = await store.listSessions();
    assert.ok(sessions.length >= 1);
    const events = (await Promise.all(sessions.map((s) => store.readEvents(s.id)))).flat();
    assert.ok(events.length > 0, 'events were recorded');
    const text = JSON.stringify(events);
    assert.ok(text.includes('Card on file: ••••'), 'page text shows the card as masked');
    // The typed card never left the page in clear: the recorder masked the field ('*'), the server checks again.
    assert.match(text, /"text":"\*{19}"/, 'the recorder masked the typed card in the page');
    // While typed, a card shows at most its first six digits (the BIN, which PCI DSS allows in clear): from the
    // seventh the recorder masks the whole value. The input throttle (400 ms) mostly hides even those, but on a loaded
    // machine a throttle window can close on "4111" (seen 2 in 6 runs), so the rule asserted is the recorder's.
    assert.ok(!text.includes('4111 111'), 'no typed digits beyond the first six');
    const captures = (await Promise.all(sessions.map((s) => store.listCaptures(s.id)))).flat();
    const json = captures.find((c) => c.url.endsWith('/api/account'));
    assert.equal(json?.body?.masked, true, 'the JSON response was masked before storage');
    const pay = captures.find((c) => c.url.endsWith('/pay'));
    assert.ok(pay?.requestBody, 'the form post was captured');
    const body = Buffer.from((await store.getBlob(pay.requestBody.digest, pay.sessionId))!).toString('utf8');
    assert.match(body, /cardholder=Ann/);
    assert.doesNotMatch(body, /4829|hunter2/);
    // Customer identity: the login-form rule linked the session to its customer.
    assert.equal(await store.customerOf(pay.sessionId!), 'CUST-77');
    assert.deepEqual(await store.sessionsOfCustomer('CUST-77'), [pay.sessionId]);
  });

  it('finds none of them anywhere in the data dir', async (t) => {
    await proxy.close();
    await store.close();
    const secrets = [TYPED, IN_PAGE, IN_JSON, POSTED, IBAN, JSON_IBAN, 'hunter2-secret', MEMBER].flatMap(variants);
    // The security code is short: look for it as a value, not as any 4 digits.
    const cvvForms = [`cvv=${CVV}`, `"${CVV}"`, `>${CVV}<`, `"value":"${CVV}"`, `"text":"${CVV}"`];
    const hits: string[] = [];
    const check = (where: string, bytes: Buffer) => {
      for (const enc of ['utf8', 'latin1'] as const) {
        const s = bytes.toString(enc);
        for (const secret of [...secrets, ...cvvForms]) if (s.includes(secret)) hits.push(`${secret} in ${where}`);
      }
    };
    const db = new Level<Buffer, Buffer>(path.join(dir, 'store'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    let records = 0;
    for await (const [key, value] of db.iterator()) {
      records++;
      const where = `record ${key.toString('latin1').slice(0, 60)}`;
      check(where, key);
      check(where, value);
      for (const payload of [value, value.subarray(1)]) {
        try { check(`${where} (inflated)`, inflateRawSync(payload)); } catch { /* not deflate-raw */ }
      }
    }
    await db.close();
    let fileCount = 0;
    for await (const file of files(dir)) {
      fileCount++;
      check(`file ${path.relative(dir, file)}`, await readFile(file));
    }
    assert.ok(records > 10 && fileCount > 3, `read ${records} records, ${fileCount} files`);
    assert.deepEqual(hits, []);
    t.diagnostic(`searched ${records} LevelDB records (raw and inflated) and ${fileCount} files for ${secrets.length + cvvForms.length} forms of the secrets: none found`);
  });
});
