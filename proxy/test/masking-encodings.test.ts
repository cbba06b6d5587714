/**
 * The masker against every encoding of several card brands and IBAN countries:
 * strings (URLs, text), bodies of every charset, type and content encoding, binary
 * payloads, JSON keys and numbers, typed text, page context, WebSocket messages.
 * What comes out is searched with an independent decoder (test/helpers/secrets.ts).
 */
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { DIGIT_ZEROS } from '../masking/char-classes';
import { DEFAULT_POLICY, Masker, maskText, maskTyped } from '../masking/index';
import { allEncoded, findSecrets, IBANS, PANS } from '../../test/helpers/secrets';

const masker = new Masker(DEFAULT_POLICY);
const FILLER = Array.from({ length: 30 }, (_, i) => `<li class="r${i}">Line ${i} &amp; fee 1.50&nbsp;EUR, ref ${(i * 7919) % 100000}, 2026-01-${10 + (i % 18)} %20 \\u00e9</li>`).join('');
const d = DEFAULT_POLICY.detectors;
const ALL = allEncoded();
const VALUES = [...Object.values(PANS), ...Object.values(IBANS)];

function leaks(out: string, value: string): boolean {
  return findSecrets(out, [value]).length > 0;
}

describe('every encoding of every value', () => {
  it('the finder sees every encoding (so a clean result means something)', () => {
    const missed = ALL.filter((e) => !leaks(`x ${e.text} y`, e.value)).map((e) => `${e.value} ${e.encoding}`);
    assert.deepEqual(missed, []);
  });

  it('in text, URLs, query strings and header values', () => {
    const hits: string[] = [];
    for (const e of ALL) {
      for (const [where, s] of [
        ['text', `Pay ${e.text} now`],
        ['url', `https://bank.test/pay?to=${e.text}&amount=10#ref=${e.text}`],
        ['header', `attachment; filename="${e.text}.pdf"`],
        // Long texts go through the pre-checks (hints.ts) first: surround the value with ordinary content.
        ['long text', `${FILLER}<p>Pay ${e.text} now</p>${FILLER}`],
        ['long json', `{"a":"${FILLER.replace(/"/g, "'")}","b":"${e.text}","c":[1,2,3]}`],
      ] as const) {
        const out = where === 'header' ? masker.header('content-disposition', s) : masker.url(s);
        if (leaks(out, e.value)) hits.push(`${e.value} ${e.encoding} in ${where}: ${out}`);
      }
    }
    assert.deepEqual(hits, []);
  });

  it('leaves what is not a card or IBAN alone', () => {
    for (const s of ['order 4111111111111112', 'ts 1763912345737', 'pi 3.141592653589793', '9007199254740991',
      'GB82WEST12345698765433', 'date 2026-01-15 12:00', 'IP 192.168.100.200', 'v1.2.3.4', 'e=mc2 ab12cd34ef56',
      'price 1 234 567,89 EUR', 'ID NO 1234', 'x'.repeat(3000),
      // Base64 (an embedded font or WASM module): an alphanumeric BBAN matches one position in 97 inside it.
      'uY3Rpb24AQXN5bmNGdW5jdGlvblJlc29sdmUAQXN5bmNGdW5jdGlvblJlamVj', Buffer.from(Array.from({ length: 4000 }, (_, i) => i * 7919 % 256)).toString('base64')]) {
      assert.equal(masker.text(s), s);
    }
  });

  it('in bodies: every charset, content encoding and type, with or without a Content-Type', async () => {
    const hits: string[] = [];
    const sample = ALL.filter((_, i) => i % 3 === 0);
    for (const e of sample) {
      const json = JSON.stringify({ note: `pay ${e.text}`, [e.text]: 1 });
      const bodies: [string, Buffer, string, string][] = [
        ['html utf-8 gzip', gzipSync(`<p>Card ${e.text}</p>`), 'text/html; charset=utf-8', 'gzip'],
        ['json br', brotliCompressSync(json), 'application/json', 'br'],
        ['json deflate', deflateSync(json), 'application/json', 'deflate'],
        ['json utf-16le BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), 'application/json', ''],
        ['json utf-16le no BOM', Buffer.from(json, 'utf16le'), 'application/json', ''],
        ['json utf-16be', Buffer.from(json, 'utf16le').swap16(), 'application/json; charset=utf-16be', ''],
        ['json, no content type', Buffer.from(json), '', ''],
        ['text as octet-stream', Buffer.from(`pay ${e.text}`), 'application/octet-stream', ''],
        ['binary', Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(`pay ${e.text}`), Buffer.from([0, 0x80])]), 'application/x-protobuf', ''],
        ['binary utf-16', Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(`pay ${e.text} `, 'utf16le'), Buffer.from([0x81, 0])]), 'image/png', ''],
        ['form', Buffer.from(`to=${encodeURIComponent(e.text)}&x=${e.text}`), 'application/x-www-form-urlencoded', ''],
      ];
      // A latin1 body can only hold what latin1 can write.
      if (/^[\x00-\xff]*$/.test(e.text)) bodies.push(['latin1 text', Buffer.from(`Karte ${e.text} ü`, 'latin1'), 'text/plain; charset=iso-8859-1', '']);
      for (const [name, bytes, type, enc] of bodies) {
        const r = await masker.body({ bytes, contentType: type, contentEncoding: enc });
        if (r.kind !== 'masked') { hits.push(`${e.value} ${e.encoding} in ${name}: ${r.kind}`); continue; }
        const even = r.bytes.length % 2 ? Buffer.concat([r.bytes, Buffer.alloc(1)]) : Buffer.from(r.bytes);
        const views = [r.bytes.toString('utf8'), r.bytes.toString('latin1'), r.bytes.toString('utf16le'), even.swap16().toString('utf16le')];
        if (views.some((v) => leaks(v, e.value))) hits.push(`${e.value} ${e.encoding} in ${name}: leaked`);
      }
    }
    assert.deepEqual(hits, []);
  });

  it('JSON: keys, big numbers and sensitive fields; formatting kept', async () => {
    const text = `{ "cards": { "${PANS.visa}": true }, "n": ${PANS.unionpay19}, "m": ${PANS.mastercard}.5, "password": "hunter2", "nested": {"cvv": 123}, "ok": 12 }`;
    const r = await masker.body({ bytes: Buffer.from(text), contentType: 'application/json' });
    assert.equal(r.kind, 'masked');
    const out = r.kind === 'masked' ? r.bytes.toString() : '';
    assert.deepEqual(findSecrets(out, VALUES), []);
    const parsed = JSON.parse(out);
    assert.equal(parsed.password, '•••••••');
    assert.equal(parsed.nested.cvv, '•••');
    assert.equal(parsed.ok, 12);
    assert.equal(typeof parsed.n, 'string');
    assert.ok(out.startsWith('{ "cards": { "••••'), 'formatting and order kept');
  });

  it('base64 that decodes to text holding a value is masked whole (JWT payloads, JSON values, URL parameters)', async () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'ann', pan: PANS.visa, iban: IBANS.de.toLowerCase() })).toString('base64url');
    const jwt = `eyJhbGciOiJIUzI1NiJ9.${payload}.c2lnbmF0dXJl`;
    assert.deepEqual(findSecrets(Buffer.from(payload, 'base64url').toString(), VALUES).length, 2, 'the payload holds both');
    const url = masker.url(`https://bank.test/cb?state=${encodeURIComponent(Buffer.from(`card ${PANS.amex}`).toString('base64'))}&token=${jwt}`);
    assert.ok(!url.includes(payload) && url.includes('eyJhbGciOiJIUzI1NiJ9.'), url);
    const r = await masker.body({ bytes: Buffer.from(JSON.stringify({ token: jwt, blob: Buffer.from(`pay ${IBANS.gb}`).toString('base64') })), contentType: 'application/json' });
    assert.equal(r.kind, 'masked');
    const out = r.kind === 'masked' ? JSON.parse(r.bytes.toString()) : {};
    for (const v of [out.token, out.blob]) for (const part of String(v).split('.')) assert.deepEqual(findSecrets(Buffer.from(part, 'base64').toString('latin1') + part, VALUES), []);
    // An inlined image (binary once decoded) is not touched.
    const img = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 256)).toString('base64');
    assert.equal(masker.text(`url(data:image/png;base64,${img})`), `url(data:image/png;base64,${img})`);
  });

  it('typed text: a card being typed never shows more than six digits', () => {
    const hits: string[] = [];
    for (const pan of Object.values(PANS)) {
      for (let k = 1; k <= pan.length; k++) {
        const out = maskTyped(pan.slice(0, k), d);
        const shown = out.replace(/[^0-9]/g, '');
        if (shown.length > 6) hits.push(`${pan.slice(0, k)} → ${out}`);
      }
    }
    assert.deepEqual(hits, []);
    assert.equal(maskTyped('DE89 3704', d), 'DE•• ••••');
    assert.equal(maskTyped('see you at 10', d), 'see you at 10');
    assert.equal(maskTyped('amount 1.500.000,00 on 2026/01/15', d), 'amount 1.500.000,00 on 2026/01/15');
    assert.equal(maskTyped('4111 1111', d), '•••• ••••');
  });

  it('a value cut off at the end of a capture is masked like typed text', () => {
    assert.equal(maskText('x'.repeat(400) + ' card 4111 1111 1111 11', d, { openEnd: true }).slice(-22), 'card •••• •••• •••• ••');
    assert.equal(maskText('x'.repeat(400) + ' card 4111 1111 1111 11', d).slice(-22), 'card 4111 1111 1111 11');
  });

  it('page context: every field, the UTM ones and keys included', () => {
    const ctx = masker.pageContext({
      url: `https://bank.test/?q=${PANS.visa}`, referrer: `https://ads.test/?iban=${IBANS.de.toLowerCase()}`,
      source: { kind: 'campaign', utmSource: PANS.amex, utmMedium: `a+${IBANS.gb}`, utmCampaign: '4111+1111+1111+1111', utmTerm: 'x', utmContent: encodeURIComponent(PANS.discover) },
      languages: ['en', PANS.jcb], userAgent: `Mozilla ${PANS.mastercard}`,
    } as never);
    assert.deepEqual(findSecrets(JSON.stringify(ctx), VALUES), []);
  });

  it('field rule: sensitive names in URLs, cookies and headers', () => {
    assert.equal(masker.url('/pay?cvv=123&pin=9876&amount=10'), '/pay?cvv=•••&pin=••••&amount=10');
    assert.equal(masker.header('set-cookie', 'otp=4242; Path=/'), 'otp=••••; Path=/');
    assert.equal(masker.header('authorization', 'Basic dXNlcjpwYXNz'), '••••• ••••••••••••');
  });

  it('WebSocket messages: text (JSON as JSON) and binary', () => {
    assert.deepEqual(findSecrets(masker.webSocketText(JSON.stringify({ pan: `${PANS.visa.slice(0, 4)} ${PANS.visa.slice(4)}`, password: 'x1' })), VALUES), []);
    const bin = masker.webSocketBinary(Buffer.concat([Buffer.from([0x82, 0, 1]), Buffer.from(IBANS.fr.toLowerCase()), Buffer.from([0])]));
    assert.ok(bin.masked);
    assert.deepEqual(findSecrets(bin.data.toString('latin1'), VALUES), []);
  });

  it('rrweb events: keys, typed contenteditable text, lossy numbers', () => {
    const events = [
      { type: 2, timestamp: 1, data: { node: { type: 0, id: 1, childNodes: [
        { type: 2, id: 2, tagName: 'div', attributes: { contenteditable: 'true' }, childNodes: [{ type: 3, id: 3, textContent: '' }] },
      ] } } },
      ...[...'411111111111111'].map((_, i) => ({ type: 3, timestamp: 2 + i, data: { source: 0, texts: [{ id: 3, value: PANS.visa.slice(0, i + 1) }], attributes: [], removes: [], adds: [] } })),
      { type: 3, timestamp: 30, data: { source: 0, texts: [], attributes: [], removes: [], adds: [{ parentId: 2, node: { type: 3, id: 9, textContent: '5555 5555 5555 444' } }] } },
      { type: 5, timestamp: 40, data: { tag: 'x', payload: { [PANS.amex]: 1, big: Number(PANS.unionpay19) } } },
    ];
    const raw = JSON.stringify({ events });
    const out = JSON.stringify(new Masker(DEFAULT_POLICY).events('s', 'p', events as never, raw));
    assert.deepEqual(findSecrets(out, VALUES, true), []);
  });

  it('knows every decimal digit of the running Unicode version', () => {
    const known = new Set<number>();
    for (const z of DIGIT_ZEROS) for (let v = 0; v < 10; v++) known.add(z + v);
    const missing: string[] = [];
    for (let cp = 0; cp <= 0x1ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (/\p{Nd}/u.test(String.fromCodePoint(cp)) && !known.has(cp)) missing.push(cp.toString(16));
    }
    assert.deepEqual(missing, []);
  });
});
