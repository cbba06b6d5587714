/** Typed and clicked hits from handcrafted rrweb Input and MouseInteraction events. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionExtractor, looksGenerated, type SessionExtractor } from '../extract/index';
import { batch, click, custom, full, input, mutation, strip, Tree, type SNode } from './extract-fixtures';

function withPage(...body: (SNode | string)[]): SessionExtractor {
  const x = createSessionExtractor();
  x.batch(batch([full(1, new Tree(10_000).page('T', ...body).root)]));
  return x;
}

const only = (x: SessionExtractor, events: unknown[], kind: string, seq = 1) => strip(x.batch(batch(events, { seq }))).filter((h) => h.kind === kind);

describe('typed', () => {
  it('collapses a burst to its final value, named by the field', () => {
    const t = new Tree();
    const amount = t.el('input', { id: 'amount', name: 'amount' });
    const x = withPage(t.el('label', { for: 'amount' }, 'Amount'), amount);
    assert.deepEqual(only(x, [input(100, amount.id, '1'), input(500, amount.id, '12'), input(900, amount.id, '125')], 'typed'), [
      { kind: 'typed', at: 900, text: '125', field: 'amount' },
    ]);
  });

  it('names a field by name, id (not a generated one), aria-label, label text, placeholder', () => {
    const t = new Tree();
    const byName = t.el('input', { name: 'iban', id: 'f1', 'aria-label': 'IBAN' });
    const byId = t.el('input', { id: 'reference' });
    const byAria = t.el('input', { id: ':r3:', 'aria-label': 'Beneficiary' });
    const wrapped = t.el('input', { id: 'ember1234' });
    const byPlaceholder = t.el('input', { placeholder: 'Search' });
    const anonymous = t.el('input', {});
    const x = withPage(byName, byId, byAria, t.el('label', {}, 'Due date ', wrapped), byPlaceholder, anonymous);
    const hits = only(x, [
      input(1, byName.id, 'a'), input(2, byId.id, 'b'), input(3, byAria.id, 'c'), input(4, wrapped.id, 'd'),
      input(5, byPlaceholder.id, 'e'), input(6, anonymous.id, 'f'),
    ], 'typed');
    assert.deepEqual(hits.map((h) => [h.text, h.field]), [
      ['a', 'iban'], ['b', 'reference'], ['c', 'Beneficiary'], ['d', 'Due date'], ['e', 'Search'], ['f', undefined],
    ]);
  });

  it('keeps masked values masked: passwords, masked fields, a masked select never turned into its option', () => {
    const t = new Tree();
    const pw = t.el('input', { type: 'password', name: 'password' });
    const masked = t.el('input', { name: 'ref', class: 'verbatim-mask' });
    const select = t.el('select', { name: 'acct' }, t.el('option', { value: '***' }, 'Savings 1234'));
    const x = withPage(pw, masked, select);
    const hits = only(x, [input(1, pw.id, '*'.repeat(9)), input(2, masked.id, '\u2022\u2022\u2022'), input(3, select.id, '***')], 'typed');
    assert.deepEqual(hits, [
      { kind: 'typed', at: 1, text: '*********', field: 'password' },
      { kind: 'typed', at: 2, text: '\u2022\u2022\u2022', field: 'ref' },
      { kind: 'typed', at: 3, text: '***', field: 'acct' },
    ]);
  });

  it('gives the chosen label of checkboxes, radios and selects', () => {
    const t = new Tree();
    const terms = t.el('input', { type: 'checkbox', id: 'terms', name: 'terms' });
    const r1 = t.el('input', { type: 'radio', name: 'speed', value: 'std', id: 'std' });
    const r2 = t.el('input', { type: 'radio', name: 'speed', value: 'instant', id: 'instant' });
    const select = t.el('select', { name: 'account' }, t.el('option', { value: 'c' }, 'Current'), t.el('option', { value: 's' }, 'Savings'));
    const x = withPage(
      terms, t.el('label', { for: 'terms' }, 'I accept the terms'),
      t.el('label', {}, r1, 'Standard'), t.el('label', {}, r2, 'Instant'), select,
    );
    const hits = only(x, [
      input(1, terms.id, 'on', true),
      input(2, r2.id, 'instant', true), input(2, r1.id, 'std', false),
      input(3, select.id, 's'),
      input(4, terms.id, 'on', false),
    ], 'typed');
    assert.deepEqual(hits.map((h) => [h.at, h.text, h.field]), [
      [1, 'I accept the terms', 'terms'], [2, 'Instant', 'speed'], [3, 'Savings', 'account'], [4, 'I accept the terms (unchecked)', 'terms'],
    ]);
  });

  it('ends a burst at another field, a click, a long pause, the page going away and the end of a batch', () => {
    const t = new Tree();
    const a = t.el('input', { name: 'a' });
    const b = t.el('input', { name: 'b' });
    const x = withPage(a, b);
    const hits = only(x, [
      input(1_000, a.id, 'x1'), input(1_400, b.id, 'y1'), input(1_800, a.id, 'x2'), click(1_900, b.id), input(2_000, a.id, 'x3'),
      input(20_000, a.id, 'x4'), custom(20_100, 'verbatim:page-hidden', {}), input(20_200, a.id, 'x5'),
    ], 'typed');
    assert.deepEqual(hits.map((h) => h.text), ['x1', 'y1', 'x2', 'x3', 'x4', 'x5']);
    assert.deepEqual(only(x, [input(30_000, a.id, 'x6')], 'typed', 2).map((h) => h.text), ['x6']);
  });

  it('keeps a value typed in a field it cannot resolve, unnamed; empty values are no hit', () => {
    const t = new Tree();
    const a = t.el('input', { name: 'a' });
    const x = withPage(a);
    assert.deepEqual(only(x, [input(5, 99_999, 'orphan'), input(6, a.id, '')], 'typed'), [{ kind: 'typed', at: 5, text: 'orphan' }]);
  });

  it('does not count script-set values as activity but still indexes them', () => {
    const t = new Tree();
    const a = t.el('input', { name: 'a' });
    const x = withPage(a);
    assert.equal(only(x, [input(5, a.id, 'set by script', undefined, false)], 'typed').length, 1);
    assert.equal(x.facts({ id: 's1', channel: 'proxy', startedAt: 0, endedAt: 10, pages: [], eventCount: 0 }).activeMs, 0);
  });
});

describe('clicked', () => {
  it('resolves to the nearest meaningful element, with its text and a stable selector', () => {
    const t = new Tree();
    const icon = t.el('span', { class: 'icon' }, 'Pay');
    const pay = t.el('button', { id: 'pay' }, icon, ' now');
    const linkText = t.text('Statements');
    const link = t.el('a', { id: 'nav-0f3a9c7e21', 'data-testid': 'statements-link' }, linkText);
    const iconOnly = t.el('div', { role: 'button', 'aria-label': 'Close dialog' }, t.el('svg', {}));
    const imgLink = t.el('a', {}, t.el('img', { alt: 'Home' }));
    const submit = t.el('input', { type: 'submit', value: 'Send' });
    const field = t.el('input', { name: 'iban', value: 'DE00 secret' });
    const card = t.el('div', {}, 'Savings account');
    const big = t.el('div', {}, 'x'.repeat(500));
    const li2 = t.el('li', {}, t.el('a', {}, 'Second'));
    const nav = t.el('nav', {}, t.el('ul', {}, t.el('li', {}, t.el('a', {}, 'First')), li2));
    const x = withPage(t.el('main', {}, pay, link, iconOnly, imgLink, submit, field, card, big), nav);
    const hits = only(x, [
      click(1, icon.id), click(2, linkText.id), click(3, iconOnly.id), click(4, imgLink.id), click(5, submit.id),
      click(6, field.id), click(7, card.id), click(8, big.id), click(9, 12_345_678), click(10, li2.childNodes![0]!.id),
    ], 'clicked');
    assert.deepEqual(hits.map((h) => [h.at, h.text, h.field]), [
      [1, 'Pay now', '#pay'],
      [2, 'Statements', '[data-testid="statements-link"]'],
      [3, 'Close dialog', 'div[aria-label="Close dialog"]'],
      [4, 'Home', 'main > a:nth-of-type(2)'],
      [5, 'Send', 'main > input:nth-of-type(1)'],
      [6, 'iban', 'input[name="iban"]'],
      [7, 'Savings account', 'main > div:nth-of-type(2)'],
      [10, 'Second', 'nav > ul > li:nth-of-type(2) > a'],
    ]);
  });

  it('tells generated ids from stable ones', () => {
    for (const id of [':r1:', 'ember1234', 'react-select-2-input-88213', 'a1b2c3d4e5', 'x-0f3a9c7e21']) assert.ok(looksGenerated(id), id);
    for (const id of ['pay', 'submit-button', 'step2', 'h1-title']) assert.ok(!looksGenerated(id), id);
  });
});

describe('typed, when the page changes under the field', () => {
  it('keeps the field name when the form is removed before the burst ends', () => {
    const t = new Tree();
    const amount = t.el('input', { name: 'amount' });
    const form = t.el('form', {}, amount);
    const x = createSessionExtractor();
    const { root, body } = t.page('T', form);
    x.batch(batch([full(1, root)]));
    const hits = x.batch(batch([input(2, amount.id, '50'), mutation(3, { removes: [{ parentId: body.id, id: form.id }] })], { seq: 1 }));
    assert.deepEqual(strip(hits), [{ kind: 'typed', at: 2, text: '50', field: 'amount' }]);
  });
});
