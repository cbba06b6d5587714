/** The masking detectors, policy parsing and the server-side rrweb event masker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventMasker, ibanValid, luhnValid, maskBody, maskByType, maskText, parsePolicy } from '../masking/index';
import { DEFAULT_POLICY } from '../masking/policy';
import { gzipSync } from 'node:zlib';

const d = DEFAULT_POLICY.detectors;

describe('detectors', () => {
  it('Luhn and mod-97', () => {
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(!luhnValid('4111111111111112'));
    assert.ok(ibanValid('DE89370400440532013000'));
    assert.ok(!ibanValid('DE89370400440532013001'));
  });
  it('masks card numbers with and without separators, only when Luhn-valid', () => {
    assert.equal(maskText('card 4111 1111 1111 1111.', d), 'card •••• •••• •••• ••••.');
    assert.equal(maskText('4111-1111-1111-1111', d), '••••-••••-••••-••••');
    assert.equal(maskText('x4012888888881881y', d), 'x••••••••••••••••y');
    assert.equal(maskText('order 4111111111111112', d), 'order 4111111111111112');
    assert.equal(maskText('ts 1763912345737', d), 'ts 1763912345737');
  });
  it('masks IBANs keeping the country code', () => {
    assert.equal(maskText('to DE89 3704 0044 0532 0130 00 now', d), 'to DE•• •••• •••• •••• •••• •• now');
    assert.equal(maskText('GB82WEST12345698765432', d), 'GB••••••••••••••••••••');
    assert.equal(maskText('GB82WEST12345698765433', d), 'GB82WEST12345698765433');
  });
  it('applies configured regexes and JSON paths', () => {
    const p = parsePolicy({ patterns: [{ regex: '\\b\\d{3}-\\d{2}-\\d{4}\\b' }], jsonPaths: ['$.customer.tax', 'items[*].ref'] });
    assert.equal(maskText('ssn 123-45-6789', p.detectors), 'ssn •••••••••••');
    const out = JSON.parse(maskByType(p, 'application/json', JSON.stringify({ customer: { tax: 'AB12', name: 'Ann' }, items: [{ ref: 'R1' }], pan: 4111111111111111, cvc: 123 })));
    assert.deepEqual(out, { customer: { tax: '••••', name: 'Ann' }, items: [{ ref: '••' }], pan: '••••••••••••••••', cvc: '•••' });
  });
  it('masks security codes and passwords in form bodies', () => {
    assert.equal(maskByType(DEFAULT_POLICY, 'application/x-www-form-urlencoded', 'name=Ann&cvv=123&securityCode=9999&password=x+y&amount=10'),
      `name=Ann&cvv=${encodeURIComponent('•••')}&securityCode=${encodeURIComponent('••••')}&password=${encodeURIComponent('•') + '+' + encodeURIComponent('•')}&amount=10`.replace('+', '%20'));
  });
  it('rejects a bad policy', () => {
    assert.throws(() => parsePolicy({ patterns: [{ regex: '(' }] }), /CONFIG|regular/);
    assert.throws(() => parsePolicy({ mask: { selectors: 'x' } }), /selectors/);
  });
});

describe('captured bodies', () => {
  it('decodes, masks and marks; leaves clean bodies as they were', async () => {
    const gz = gzipSync('{"n":"5555555555554444"}');
    const r = await maskBody(DEFAULT_POLICY, gz, 'application/json', 'gzip', false);
    assert.equal(r.kind, 'masked');
    assert.equal(r.kind === 'masked' && r.bytes.toString(), '{"n":"••••••••••••••••"}');
    assert.equal((await maskBody(DEFAULT_POLICY, gzipSync('{"n":1}'), 'application/json', 'gzip', false)).kind, 'unchanged');
    assert.equal((await maskBody(DEFAULT_POLICY, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), 'image/png', '', false)).kind, 'unchanged');
    // A card number in a body of any type is found (binary bodies are read as bytes and masked in place).
    const png = await maskBody(DEFAULT_POLICY, Buffer.concat([Buffer.from([0x89, 0x50, 0, 1]), Buffer.from('4111111111111111'), Buffer.from([0, 0xff])]), 'image/png', '', false);
    assert.equal(png.kind === 'masked' && png.bytes.toString('latin1'), '\x89P\x00\x01****************\x00\xff');
    // A body that cannot be decoded is kept as it came (nothing readable in it), with the reason.
    const bad = await maskBody(DEFAULT_POLICY, Buffer.from('garbage'), 'text/html', 'gzip', false);
    assert.equal(bad.kind, 'unchanged');
    assert.match(bad.kind === 'unchanged' ? bad.undecodable ?? '' : '', /gzip/);
  });
});

describe('rrweb events', () => {
  const snapshot = {
    type: 2, timestamp: 1, data: { node: { type: 0, id: 1, childNodes: [
      { type: 2, id: 2, tagName: 'input', attributes: { type: 'password', value: 'pw' }, childNodes: [] },
      { type: 2, id: 3, tagName: 'input', attributes: { name: 'note' }, childNodes: [] },
      { type: 2, id: 4, tagName: 'div', attributes: { class: 'secret x' }, childNodes: [{ type: 3, id: 5, textContent: 'hidden' }] },
      { type: 2, id: 6, tagName: 'input', attributes: { name: 'cvv' }, childNodes: [] },
    ] } },
  };
  const input = (id: number, text: string) => ({ type: 3, timestamp: 2, data: { source: 5, id, text, isChecked: false } });

  it('masks sensitive fields, selectors, typed digits and detected values', () => {
    const m = new EventMasker(parsePolicy({ mask: { selectors: ['.secret'] } }));
    const out = m.maskEvents('s', 'p', [snapshot, input(2, 'hunter2'), input(3, 'hello'), input(3, '4111 111'), input(6, '123'), input(99, 'x'),
      { type: 3, timestamp: 3, data: { source: 0, texts: [{ id: 5, value: 'still' }], attributes: [], removes: [], adds: [
        { parentId: 4, node: { type: 3, id: 7, textContent: 'added' } },
        { parentId: 1, node: { type: 3, id: 8, textContent: 'IBAN DE89370400440532013000' } }] } }]) as any[];
    const nodes = out[0].data.node.childNodes;
    assert.equal(nodes[0].attributes.value, '••');
    assert.equal(nodes[2].childNodes[0].textContent, '••••••');
    assert.deepEqual(out.slice(1, 6).map((e) => e.data.text), ['•••••••', 'hello', '•••• •••', '•••', '•']);
    assert.equal(out[6].data.texts[0].value, '•••••');
    assert.equal(out[6].data.adds[0].node.textContent, '•••••');
    assert.equal(out[6].data.adds[1].node.textContent, 'IBAN DE••••••••••••••••••••');
    const custom = m.maskEvents('s', 'p', [{ type: 5, timestamp: 1763912345737, data: { tag: 'x', payload: { n: 4111111111111111, t: 1763912345737 } } }]) as any[];
    assert.deepEqual(custom[0].data.payload, { n: '••••••••••••••••', t: 1763912345737 });
    assert.equal(custom[0].timestamp, 1763912345737);
  });

  it("strips Verbatim's own script tags of their token and src, in snapshots, added nodes and attribute changes", () => {
    const m = new EventMasker(parsePolicy({}));
    const tag = { type: 2, id: 10, tagName: 'script', attributes: { src: '/__verbatim/recorder-abc.js', 'data-verbatim-token': 'tok.sig', async: '' }, childNodes: [] };
    const out = JSON.stringify(m.maskEvents('s', 'p2', [
      { type: 2, timestamp: 1, data: { node: { type: 0, id: 1, childNodes: [tag] } } },
      { type: 3, timestamp: 2, data: { source: 0, texts: [], removes: [], adds: [{ parentId: 1, node: { ...tag, id: 11 } }],
        attributes: [{ id: 12, attributes: { 'data-verbatim-token': 'tok.sig', class: 'kept' } }] } },
    ]));
    assert.ok(!out.includes('tok.sig') && !out.includes('/__verbatim/'), out);
    assert.ok(out.includes('"class":"kept"'), 'other attributes stay');
  });
});

describe('customer identity rules', async () => {
  const { findCustomerId, parseIdentityRules } = await import('../identity/rules');
  it('reads the id from a form field, cookie, response header or JSON field', async () => {
    const rules = parseIdentityRules({ rules: [
      { from: 'form', field: 'username', url: '/login' },
      { from: 'cookie', name: 'cust' },
      { from: 'header', name: 'X-Customer-Id' },
      { from: 'json', path: '$.customer.id', url: '/api/me' },
    ] });
    const base = { method: 'POST', status: 200, responseHeaders: [] as [string, string][] };
    const login = { bytes: Buffer.from('username=C-1&password=x'), contentType: 'application/x-www-form-urlencoded' };
    assert.deepEqual(await findCustomerId(rules, { ...base, status: 302, url: 'https://b/login', requestBody: login }), { id: 'C-1', source: 'form:username' });
    assert.equal((await findCustomerId(rules, { ...base, status: 302, url: 'https://b/other', requestBody: login })), undefined);
    assert.equal((await findCustomerId(rules, { ...base, url: 'https://b/x', responseHeaders: [['set-cookie', 'cust=C-3; Path=/']] }))?.id, 'C-3');
    assert.equal((await findCustomerId(rules, { ...base, url: 'https://b/x', responseHeaders: [['x-customer-id', 'C-4']] }))?.id, 'C-4');
    assert.equal((await findCustomerId(rules, { ...base, url: 'https://b/api/me', responseJson: async () => ({ customer: { id: 55 } }) }))?.id, '55');
  });

  it('trusts only what the site says: no client cookie, no failed login, no URL that merely contains the rule', async () => {
    const rules = parseIdentityRules({ rules: [{ from: 'form', field: 'username', url: '/login' }, { from: 'cookie', name: 'cust' }] });
    const login = { bytes: Buffer.from('username=VICTIM-1&password=wrong'), contentType: 'application/x-www-form-urlencoded' };
    const post = { method: 'POST', responseHeaders: [] as [string, string][], requestBody: login };
    // A login the site refused (401, or the form shown again with 200) links nobody.
    assert.equal(await findCustomerId(rules, { ...post, status: 401, url: 'https://b/login' }), undefined);
    assert.equal(await findCustomerId(rules, { ...post, status: 200, url: 'https://b/login' }), undefined);
    assert.equal(await findCustomerId(rules, { ...post, status: 500, url: 'https://b/login' }), undefined);
    // Accepted: a redirect, or a 2xx that sets a session cookie.
    assert.equal((await findCustomerId(rules, { ...post, status: 303, url: 'https://b/login' }))?.id, 'VICTIM-1');
    assert.equal((await findCustomerId(rules, { ...post, status: 200, url: 'https://b/login', responseHeaders: [['set-cookie', 'sid=1']] }))?.id, 'VICTIM-1');
    // The rule's URL is a path, not a substring.
    assert.equal(await findCustomerId(rules, { ...post, status: 302, url: 'https://b/evil?next=/login' }), undefined);
    assert.equal(await findCustomerId(rules, { ...post, status: 302, url: 'https://b/login-help' }), undefined);
    assert.equal((await findCustomerId(rules, { ...post, status: 302, url: 'https://b/login?lang=fr' }))?.id, 'VICTIM-1');
    // A cookie the browser sends proves nothing (the old rule read it); only the site's Set-Cookie counts.
    const cookieOnly = parseIdentityRules({ rules: [{ from: 'cookie', name: 'cust' }] });
    assert.equal(await findCustomerId(cookieOnly, { method: 'GET', status: 200, url: 'https://b/x', responseHeaders: [], requestCookie: 'cust=VICTIM-2' } as never), undefined);
    const prefix = parseIdentityRules({ rules: [{ from: 'header', name: 'x-c', url: 'https://b/api/*' }] });
    assert.equal((await findCustomerId(prefix, { method: 'GET', status: 200, url: 'https://b/api/me', responseHeaders: [['x-c', 'C-9']] }))?.id, 'C-9');
    assert.equal(await findCustomerId(prefix, { method: 'GET', status: 200, url: 'https://evil/api/me', responseHeaders: [['x-c', 'C-9']] }), undefined);
  });

  it('refuses malformed rules', () => {
    assert.throws(() => parseIdentityRules({ rules: [{ from: 'query' }] }), /from must be/);
  });
});
