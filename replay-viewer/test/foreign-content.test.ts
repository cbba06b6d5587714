/**
 * The foreign-content detector's rules on hand-built rrweb events (replay/foreign-content/, docs/FOREIGN-CONTENT.md),
 * and `foreign:` search hits from the change feed. The browser-level proof with a real extension is
 * test/foreign-content/foreign-content.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EventBatch, RecordedEvent } from '../../store/records';
import { detectForeignContent, EvidenceCorpus, type SiteEvidence } from '../replay/foreign-content/index';
import { parseQuery } from '../search/query/index';
import { bench, type Bench } from '../search/test/index-fixtures';

const PAGE = 'https://bank.example/pay';
const T0 = Date.UTC(2026, 11, 6, 9);

let nextId = 1;
type Node = Record<string, unknown>;
const text = (t: string): Node => ({ type: 3, id: nextId++, textContent: t });
const el = (tagName: string, attributes: Record<string, string> = {}, ...childNodes: Node[]): Node => ({ type: 2, id: nextId++, tagName, attributes, childNodes });
const doc = (...body: Node[]): Node => ({ type: 0, id: nextId++, childNodes: [el('html', {}, el('head'), el('body', {}, ...body))] });
const snapshot = (at: number, node: Node): RecordedEvent => ({ type: 2, timestamp: T0 + at, data: { node, initialOffset: { top: 0, left: 0 } } });
const mutation = (at: number, data: Record<string, unknown>): RecordedEvent => ({ type: 3, timestamp: T0 + at, data: { source: 0, texts: [], attributes: [], removes: [], adds: [], ...data } });
const batch = (events: RecordedEvent[], sessionId = 's1'): EventBatch => ({ sessionId, page: { id: 'p1', url: PAGE }, seq: 0, events, receivedAt: T0 });

function evidence(bodies: string[], siteOrigins = ['https://bank.example'], captured: string[] = []): SiteEvidence {
  const corpus = new EvidenceCorpus();
  for (const b of bodies) corpus.add(b, 'html');
  return { corpus, siteOrigins: new Set(siteOrigins), captured: (u) => captured.includes(u), documentSeen: (u) => u === PAGE };
}

const HTML = '<h1>Make a payment</h1><p class="payee">Payee: Jane Smith, IBAN DE•• •••• •••• •••• •••• ••</p><form action="/pay"><button>Pay now</button></form>';
const JS = 'row.textContent = "Welcome back, " + me.firstName; el.textContent = `Last paid ${p.when}`';
const JSON_BODY = '{"firstName":"Amelia","payees":[{"name":"Oakwood Lettings"}]}';

describe('foreign-content rules', () => {
  it('explains server HTML, code-joined labels and data, and numbers; flags an injected form once, at its root', () => {
    const body = el('body');
    const heading = text('Make a payment');
    const root = doc(el('h1', {}, heading));
    const bodyId = (((root.childNodes as Node[])[0]!.childNodes as Node[])[1] as Node).id as number;
    const site = el('p', {}, text('Welcome back, Amelia'));
    const data = el('p', {}, text('Last paid 01/12/2026 — Oakwood Lettings'));
    const fake = el('form', { class: 'x' }, el('h3', {}, text('Security check: confirm your card')), el('input', { placeholder: 'Long card number' }), el('button', {}, text('Verify card now')));
    void body;
    const report = detectForeignContent([batch([
      snapshot(0, root),
      mutation(100, { adds: [{ parentId: bodyId, nextId: null, node: site }, { parentId: bodyId, nextId: null, node: data }] }),
      mutation(200, { adds: [{ parentId: bodyId, nextId: null, node: fake }] }),
    ])], evidence([HTML, JS, JSON_BODY]));
    assert.deepEqual(report.flags.map((f) => [f.reason, f.nodeId, f.at - T0]), [['unexplained-content', fake.id, 200]]);
    assert.match(report.flags[0]!.text, /^Security check: confirm your card Verify card now$/);
    assert.match(report.flags[0]!.path, /^html > body > form\.x$/);
    assert.ok(report.flags[0]!.words?.includes('security check'));
    assert.equal(report.pagesChecked, 1);
  });

  it('flags extension sources, foreign form targets, never-captured scripts and swapped text; not the site\'s own', () => {
    const payee = text('Payee: Jane Smith, IBAN DE•• •••• •••• •••• •••• ••');
    const form = el('form', { action: '/pay' }, el('button', {}, text('Pay now')));
    const root = doc(el('p', { class: 'payee' }, payee), form,
      el('script', { src: 'https://bank.example/app.js' }),
      el('script', { src: 'https://bank.example/never.js' }),
      el('iframe', { src: 'chrome-extension://abcdefghijklmnop/frame.html' }));
    const report = detectForeignContent([batch([
      snapshot(0, root),
      mutation(50, { texts: [{ id: payee.id, value: 'Payee: Jane Smith, IBAN GB•• •••• •••• •••• •••• ••' }] }),
      mutation(60, { attributes: [{ id: form.id, attributes: { action: 'https://collect.attacker.invalid/c' } }] }),
    ])], evidence([HTML], ['https://bank.example'], ['https://bank.example/app.js']));
    const got = report.flags.map((f) => `${f.reason} ${f.at - T0} ${f.source}`);
    assert.deepEqual(got, [
      'foreign-resource 0 never passed the proxy: https://bank.example/never.js',
      'extension-resource 0 chrome-extension://abcdefghijklmnop/frame.html',
      'text-replaced 50 no captured response holds: "iban gb•• •••• •••• •••• •••• ••"',
      'foreign-form-action 60 sends to https://collect.attacker.invalid',
    ]);
    assert.equal(report.counts['extension-resource'], 1);
  });

  it('flags an empty overlay nothing of the site names, not one its stylesheet names; digits alone are never judged', () => {
    const bodyRoot = doc(el('p', {}, text('Balance')));
    const bodyId = (((bodyRoot.childNodes as Node[])[0]!.childNodes as Node[])[1] as Node).id as number;
    const amount = text('1,234.56');
    const shield = el('div', { style: 'position:fixed;inset:0;z-index:99999' });
    const siteModal = el('div', { class: 'modal-backdrop', style: 'position: fixed; inset: 0' });
    const report = detectForeignContent([batch([
      snapshot(0, bodyRoot),
      mutation(10, { adds: [{ parentId: bodyId, nextId: null, node: el('span', {}, amount) }] }),
      mutation(20, { texts: [{ id: amount.id, value: '9,999.99' }] }),
      mutation(30, { adds: [{ parentId: bodyId, nextId: null, node: siteModal }, { parentId: bodyId, nextId: null, node: shield }] }),
    ])], evidence(['<p>Balance</p>', '.modal-backdrop{background:#0008}']));
    assert.deepEqual(report.flags.map((f) => [f.reason, f.nodeId]), [['foreign-overlay', shield.id]]);
  });

  it('does not judge a page whose document the proxy never saw, apart from extension sources', () => {
    const report = detectForeignContent([{ ...batch([snapshot(0, doc(el('p', {}, text('Anything at all here')), el('script', { src: 'moz-extension://x/y.js' })))]), page: { id: 'p2', url: 'https://bank.example/other' } }],
      evidence([]));
    assert.deepEqual(report.flags.map((f) => f.reason), ['extension-resource']);
    assert.equal(report.pagesUnchecked, 1);
  });
});

describe('foreign: search terms', () => {
  let b: Bench;
  before(async () => {
    b = await bench('foreign');
    for (const [id, src] of [['s-ext', 'chrome-extension://abcdefghijklmnop/frame.html'], ['s-clean', 'https://bank.example/frame.html']] as const) {
      await b.store.createSession({ id, channel: 'proxy', startedAt: T0 });
      await b.store.appendEvents(batch([snapshot(5, doc(el('p', {}, text('Make a payment')), el('iframe', { src })))], id));
    }
  });
  after(() => b.close());

  it('finds the session whose page loaded an extension frame, at that moment, and not the other', async () => {
    const s = await b.open();
    await s.follower.catchUp();
    for (const q of ['foreign:any', 'foreign:extension-resource']) {
      const found = await s.index.search(parseQuery(q), { limit: 10 });
      assert.deepEqual(found.results.map((r) => r.session.id), ['s-ext'], q);
      assert.equal(found.results[0]!.firstMatch?.at, T0 + 5);
    }
    assert.equal((await s.index.matches('s-clean', parseQuery('foreign:any'))).length, 0);
  });
});
