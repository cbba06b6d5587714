/** abandon, reentry, hesitation and validation: positive cases and the look-alikes (a sent form, a quick fill). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchOf, blur, capture, click, detect, focus, full, hidden, input, meta, mutation, names, only, still, T0, Tree, add } from './fixtures';

function form() {
  const t = new Tree();
  const name = t.el('input', { id: 'name', name: 'name', type: 'text' });
  const iban = t.el('input', { id: 'iban', name: 'iban', type: 'text' });
  const search = t.el('input', { id: 'q', type: 'search' });
  const send = t.el('button', { id: 'send', type: 'submit' }, 'Send');
  const err = t.el('p', { class: 'field-error' });
  const f = t.el('form', { id: 'transfer' }, name, iban, send, err);
  const { root, body } = t.page('Transfer', search, f);
  return { t, name, iban, search, send, err, body, start: [meta(T0, 'https://bank.example/transfer'), full(T0 + 1, root)] };
}

describe('form abandonment', () => {
  it('fires when fields are filled and the page is left without pressing a button, on the last field', () => {
    const f = form();
    const s = detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), input(T0 + 2_000, f.iban.id!, 'DE89'), hidden(T0 + 5_000)])]);
    assert.deepEqual(s, [{ name: 'abandon', at: T0 + 5_000, pageId: 'p1', url: 'https://bank.example/transfer', element: { selector: '#iban', label: 'iban' }, detail: { fields: 2 } }]);
  });

  it('fires at the session end when the page never closed; not before finish() while the page is open', () => {
    const f = form();
    assert.deepEqual(names(detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), still(T0 + 3_000)])])), ['abandon']);
  });

  it('does not fire when the form is sent (a button, or a write request), nor for a search box or an emptied field', () => {
    const f = form();
    assert.deepEqual(detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), click(T0 + 2_000, f.send.id!), hidden(T0 + 2_100)])]), []);
    assert.deepEqual(detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), hidden(T0 + 2_100)])], [capture(T0 + 2_000, 'https://bank.example/api/transfer', 200, { method: 'POST' })]), []);
    assert.deepEqual(detect([batchOf([...f.start, input(T0 + 1_000, f.search.id!, 'loans'), hidden(T0 + 2_100)])]), []);
    assert.deepEqual(detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), input(T0 + 1_500, f.name.id!, ''), hidden(T0 + 2_100)])]), []);
    assert.deepEqual(detect([batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada', undefined, false), hidden(T0 + 2_100)])]), [], 'a value the page set');
  });
});

describe('field re-entry and hesitation', () => {
  it('reentry: a field filled, left for another, then corrected', () => {
    const f = form();
    const s = detect([batchOf([
      ...f.start, focus(T0 + 900, f.name.id!), input(T0 + 1_000, f.name.id!, 'Ada'), blur(T0 + 1_100, f.name.id!), focus(T0 + 1_200, f.iban.id!),
      input(T0 + 1_500, f.iban.id!, 'DE89'), focus(T0 + 3_000, f.name.id!), input(T0 + 3_400, f.name.id!, 'Adam'), click(T0 + 4_000, f.send.id!), hidden(T0 + 4_100),
    ])]);
    assert.deepEqual(s.map((x) => [x.name, x.at, x.element?.selector, x.detail]), [['reentry', T0 + 3_400, '#name', { awayMs: 2_400 }]]);
  });

  it('no reentry for typing on in the same field, nor for a field visited again without a change', () => {
    const f = form();
    const s = detect([batchOf([
      ...f.start, input(T0 + 1_000, f.name.id!, 'Ad'), input(T0 + 1_300, f.name.id!, 'Ada'), blur(T0 + 1_400, f.name.id!),
      focus(T0 + 2_000, f.name.id!), blur(T0 + 2_500, f.name.id!), click(T0 + 3_000, f.send.id!), hidden(T0 + 3_100),
    ])]);
    assert.deepEqual(s, []);
  });

  it('hesitation: 12 s from focus to the first input; not 3 s, not 5 minutes (walked away)', () => {
    const f = form();
    const run = (pause: number) => detect([batchOf([...f.start, focus(T0 + 1_000, f.iban.id!), input(T0 + 1_000 + pause, f.iban.id!, 'DE89'), click(T0 + 2_000 + pause, f.send.id!), hidden(T0 + 2_100 + pause)])]);
    assert.deepEqual(run(12_000).map((x) => [x.name, x.at, x.element?.selector, x.detail]), [['hesitation', T0 + 1_000, '#iban', { pauseMs: 12_000 }]]);
    assert.deepEqual(run(3_000), []);
    assert.deepEqual(run(300_000), []);
    assert.equal(run(3_000).length, 0);
    const between = detect([batchOf([...f.start, input(T0 + 1_000, f.iban.id!, 'DE'), input(T0 + 10_500, f.iban.id!, 'DE89'), click(T0 + 11_000, f.send.id!), hidden(T0 + 11_100)])]);
    assert.deepEqual(names(between), ['hesitation'], 'a pause between two inputs of one field');
  });
});

describe('validation errors after submit', () => {
  it('fires on aria-invalid set on a field within 3 s of the submit, naming the field', () => {
    const f = form();
    const s = detect([batchOf([
      ...f.start, input(T0 + 1_000, f.iban.id!, 'DE00'), click(T0 + 2_000, f.send.id!),
      mutation(T0 + 2_100, { attributes: [{ id: f.iban.id!, attributes: { 'aria-invalid': 'true' } }] }), still(T0 + 6_000), hidden(T0 + 6_100),
    ])]);
    assert.deepEqual(only(s, 'validation').map((x) => [x.at, x.element, x.detail]), [[T0 + 2_100, { selector: '#iban', label: 'iban' }, { marker: 'aria-invalid', afterMs: 100 }]]);
  });

  it('fires on error text appearing in an error element or an alert; never keeps the message', () => {
    const f = form();
    const s = detect([batchOf([
      ...f.start, input(T0 + 1_000, f.iban.id!, 'DE00'), click(T0 + 2_000, f.send.id!),
      mutation(T0 + 2_300, { adds: [add(f.err.id!, f.t.text('IBAN DE00 is not valid'))] }), still(T0 + 6_000),
    ])]);
    const v = only(s, 'validation');
    assert.deepEqual(v.map((x) => [x.at, x.element, x.detail]), [[T0 + 2_300, { selector: '#transfer > p', label: '' }, { marker: 'error-text', afterMs: 300 }]]);
    assert.doesNotMatch(JSON.stringify(s), /DE00/);
    const alert = f.t.el('div', { role: 'alert' }, 'Please check the amount');
    assert.equal(only(detect([batchOf([...f.start, click(T0 + 2_000, f.send.id!), mutation(T0 + 2_500, { adds: [add(f.body.id!, alert)] }), still(T0 + 6_000)])]), 'validation')[0]!.detail!.marker, 'alert');
  });

  it('does not fire on a success message, on markers without a submit, or after the window', () => {
    const f = form();
    const ok = f.t.el('p', { class: 'notice' }, 'Transfer sent');
    assert.deepEqual(only(detect([batchOf([...f.start, click(T0 + 2_000, f.send.id!), mutation(T0 + 2_300, { adds: [add(f.body.id!, ok)] }), still(T0 + 6_000)])]), 'validation'), []);
    const mark = mutation(T0 + 2_100, { attributes: [{ id: f.iban.id!, attributes: { 'aria-invalid': 'true' } }] });
    assert.deepEqual(only(detect([batchOf([...f.start, mark, still(T0 + 6_000)])]), 'validation'), []);
    const late = mutation(T0 + 5_500, { attributes: [{ id: f.iban.id!, attributes: { 'aria-invalid': 'true' } }] });
    assert.deepEqual(only(detect([batchOf([...f.start, click(T0 + 2_000, f.send.id!), late, still(T0 + 6_000)])]), 'validation'), []);
  });
});
