/** rage, dead and error clicks: each rule's positive case and the look-alikes that must not fire. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, batchOf, capture, click, dblclick, detect, full, hidden, meta, mutation, names, only, still, T0, Tree, uncaught } from './fixtures';

function page() {
  const t = new Tree();
  const dead = t.el('button', { id: 'continue' }, 'Continue');
  const menu = t.el('button', { id: 'menu' }, 'Menu');
  const link = t.el('a', { id: 'help', href: '/help' }, 'Help');
  const iban = t.el('input', { id: 'iban', name: 'iban', type: 'text' });
  const plus = t.el('button', { 'aria-label': 'Increase amount' }, '+');
  const send = t.el('button', { id: 'send' }, 'Send');
  const para = t.el('p', {}, 'Some long paragraph of text that is not a control and is far longer than a short label would be, surely over two hundred characters when it is repeated enough times: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt.');
  const { root, body } = t.page('Transfer', dead, menu, link, iban, plus, send, para);
  return { t, root, body, dead, menu, link, iban, plus, send, para, start: [meta(T0, 'https://bank.example/transfer'), full(T0 + 1, root)] };
}

describe('rage clicks', () => {
  it('fires on 4 fast clicks on a button that does nothing, with dead, at the first click', () => {
    const p = page();
    const s = detect([batchOf([...p.start, ...[0, 150, 300, 450].map((d) => click(T0 + 1_000 + d, p.dead.id!, 100 + d / 50, 100)), still(T0 + 4_000)])]);
    assert.deepEqual(names(s), ['dead', 'rage']);
    const rage = only(s, 'rage')[0]!;
    assert.equal(rage.at, T0 + 1_000);
    assert.deepEqual(rage.element, { selector: '#continue', label: 'Continue' });
    assert.deepEqual(rage.detail, { clicks: 4, spanMs: 450 });
    assert.equal(rage.url, 'https://bank.example/transfer');
    assert.deepEqual(only(s, 'dead')[0]!.detail, { clicks: 4 });
  });

  it('does not fire on a fast double-click on a working button (click, click, dblclick, then the page changes)', () => {
    const p = page();
    const s = detect([batchOf([
      ...p.start, click(T0 + 1_000, p.menu.id!), click(T0 + 1_120, p.menu.id!), dblclick(T0 + 1_121, p.menu.id!),
      mutation(T0 + 1_150, { adds: [add(p.body.id!, p.t.el('ul', { role: 'menu' }, 'Open'))] }), still(T0 + 4_000),
    ])]);
    assert.deepEqual(s, []);
  });

  it('fires on 3 fast clicks on a dead button although the browser reported a dblclick among them (a real burst always has one)', () => {
    const p = page();
    const s = detect([batchOf([
      ...p.start, click(T0 + 1_000, p.dead.id!), click(T0 + 1_100, p.dead.id!), dblclick(T0 + 1_101, p.dead.id!), click(T0 + 1_400, p.dead.id!), still(T0 + 4_000),
    ])]);
    assert.deepEqual(names(s), ['dead', 'rage']);
    assert.deepEqual(only(s, 'rage')[0]!.detail, { clicks: 3, spanMs: 400 });
  });

  it('fires on a real mouse burst of 5 clicks with one dblclick among them (5 clicks)', () => {
    const p = page();
    const s = detect([batchOf([
      ...p.start, click(T0 + 1_000, p.dead.id!), click(T0 + 1_100, p.dead.id!), dblclick(T0 + 1_101, p.dead.id!),
      click(T0 + 1_200, p.dead.id!), click(T0 + 1_300, p.dead.id!), click(T0 + 1_400, p.dead.id!), still(T0 + 4_000),
    ])]);
    assert.deepEqual(only(s, 'rage').map((r) => r.detail), [{ clicks: 5, spanMs: 400 }]);
  });

  it('does not fire on a double-click and one more click on a working toggle (the page answered each click)', () => {
    const p = page();
    const toggled = (at: number) => mutation(at + 20, { texts: [{ id: p.menu.id! - 1, value: `Menu ${at}` }] });
    const s = detect([batchOf([
      ...p.start, click(T0 + 1_000, p.menu.id!), toggled(T0 + 1_000), click(T0 + 1_100, p.menu.id!), dblclick(T0 + 1_101, p.menu.id!), toggled(T0 + 1_100),
      click(T0 + 1_400, p.menu.id!), toggled(T0 + 1_400), still(T0 + 4_000),
    ])]);
    assert.deepEqual(s, []);
  });

  it('does not fire on a triple click that selects a paragraph (on plain content a double-click is one click)', () => {
    const p = page();
    const s = detect([batchOf([
      ...p.start, click(T0 + 1_000, p.para.id!), click(T0 + 1_100, p.para.id!), dblclick(T0 + 1_101, p.para.id!), click(T0 + 1_250, p.para.id!), still(T0 + 4_000),
    ])]);
    assert.deepEqual(only(s, 'rage'), []);
  });

  it('does not fire on a text field, a stepper, or clicks the page answers each time', () => {
    const p = page();
    const burst = (id: number) => [0, 100, 200, 300].map((d) => click(T0 + 1_000 + d, id));
    assert.deepEqual(only(detect([batchOf([...p.start, ...burst(p.iban.id!), still(T0 + 4_000)])]), 'rage'), []);
    assert.deepEqual(only(detect([batchOf([...p.start, ...burst(p.plus.id!), still(T0 + 4_000)])]), 'rage'), []);
    const counter = [0, 100, 200, 300].flatMap((d) => [
      click(T0 + 1_000 + d, p.send.id!), mutation(T0 + 1_000 + d + 20, { texts: [{ id: p.send.id! - 1, value: `Sent ${d}` }] }),
    ]);
    assert.deepEqual(detect([batchOf([...p.start, ...counter, still(T0 + 4_000)])]), []);
  });

  it('does not fire when the clicks are far apart in space or time', () => {
    const p = page();
    const spread = [0, 100, 200].map((d, i) => click(T0 + 1_000 + d, p.para.id!, 100 + i * 40, 100));
    assert.deepEqual(only(detect([batchOf([...p.start, ...spread, still(T0 + 4_000)])]), 'rage'), []);
    const slow = [0, 600, 1_200].map((d) => click(T0 + 1_000 + d, p.para.id!));
    assert.deepEqual(only(detect([batchOf([...p.start, ...slow, still(T0 + 4_000)])]), 'rage'), []);
    const fast = [0, 100, 200].map((d) => click(T0 + 1_000 + d, p.para.id!));
    assert.equal(only(detect([batchOf([...p.start, ...fast, still(T0 + 4_000)])]), 'rage').length, 1, 'content clicked 3 times fast is rage (not dead: not a control)');
  });
});

describe('dead clicks', () => {
  it('does not fire when the click opens a menu (DOM change), navigates, opens a tab, scrolls or sends a request', () => {
    const p = page();
    const menu = [click(T0 + 1_000, p.menu.id!), mutation(T0 + 1_300, { attributes: [{ id: p.menu.id!, attributes: { 'aria-expanded': 'true' } }] }), still(T0 + 4_000)];
    assert.deepEqual(detect([batchOf([...p.start, ...menu])]), []);
    const nav = [click(T0 + 1_000, p.link.id!), hidden(T0 + 1_200)];
    assert.deepEqual(detect([batchOf([...p.start, ...nav]), batchOf([meta(T0 + 1_500, 'https://bank.example/help'), still(T0 + 4_000)], { page: 'p2', url: 'https://bank.example/help' })]), []);
    const tab = [click(T0 + 1_000, p.link.id!), still(T0 + 4_000)];
    assert.deepEqual(detect([batchOf([...p.start, ...tab]), batchOf([still(T0 + 1_400)], { page: 'p2', url: 'https://bank.example/help' })]), []);
    const request = [click(T0 + 1_000, p.send.id!), still(T0 + 4_000)];
    assert.deepEqual(detect([batchOf([...p.start, ...request])], [capture(T0 + 1_050, 'https://bank.example/api/x', 200)]), []);
  });

  it('fires when the answer comes too late, names the element and the moment', () => {
    const p = page();
    const late = [click(T0 + 1_000, p.send.id!), mutation(T0 + 2_300, { attributes: [{ id: p.send.id!, attributes: { title: 'x' } }] }), still(T0 + 4_000)];
    const s = detect([batchOf([...p.start, ...late])]);
    assert.deepEqual(s.map((x) => [x.name, x.at, x.element?.selector]), [['dead', T0 + 1_000, '#send']]);
    assert.equal(detect([batchOf([...p.start, ...late])], [], { deadWindowMs: 1_300 }).length, 1, 'the window is open at its end');
    assert.deepEqual(detect([batchOf([...p.start, ...late])], [], { deadWindowMs: 1_301 }), [], 'a longer window sees the answer');
  });

  it('fires when the page answers only after the customer clicked something else (that answer is the other click\'s)', () => {
    const p = page();
    const moved = [
      click(T0 + 1_000, p.dead.id!), click(T0 + 1_300, p.menu.id!),
      mutation(T0 + 1_310, { attributes: [{ id: p.menu.id!, attributes: { 'aria-expanded': 'true' } }] }), still(T0 + 4_000),
    ];
    assert.deepEqual(detect([batchOf([...p.start, ...moved])]).map((x) => [x.name, x.element?.selector]), [['dead', '#continue']]);
    const answeredFirst = [
      click(T0 + 1_000, p.menu.id!), mutation(T0 + 1_010, { attributes: [{ id: p.menu.id!, attributes: { 'aria-expanded': 'true' } }] }),
      click(T0 + 1_080, p.send.id!), mutation(T0 + 1_090, { attributes: [{ id: p.send.id!, attributes: { title: 'x' } }] }), still(T0 + 4_000),
    ];
    assert.deepEqual(detect([batchOf([...p.start, ...answeredFirst])]), [], 'two quick clicks on two working buttons');
  });

  it('is not judged when the recording ends inside the window, nor on text fields or plain content', () => {
    const p = page();
    assert.deepEqual(detect([batchOf([...p.start, click(T0 + 1_000, p.send.id!), still(T0 + 1_500)])]), []);
    assert.deepEqual(detect([batchOf([...p.start, click(T0 + 1_000, p.iban.id!), still(T0 + 4_000)])]), []);
    assert.deepEqual(detect([batchOf([...p.start, click(T0 + 1_000, p.para.id!), still(T0 + 4_000)])]), []);
  });
});

describe('error clicks', () => {
  it('fires on an uncaught error 300 ms after a click, on that click', () => {
    const p = page();
    const s = detect([batchOf([...p.start, click(T0 + 1_000, p.send.id!), mutation(T0 + 1_100, { texts: [{ id: p.send.id! - 1, value: 'Sending' }] }), uncaught(T0 + 1_300), still(T0 + 4_000)])]);
    assert.deepEqual(s.map((x) => [x.name, x.at, x.element?.selector, x.detail?.cause]), [['error', T0 + 1_000, '#send', 'uncaught error']]);
  });

  it('fires with failed on a 500 the click started; a failure after the window is failed only', () => {
    const p = page();
    const events = [...p.start, click(T0 + 1_000, p.send.id!), still(T0 + 6_000)];
    const s = detect([batchOf(events)], [capture(T0 + 1_020, 'https://bank.example/api/transfer?iban=DE89', 500, { method: 'POST' })]);
    assert.deepEqual(names(s), ['error', 'failed']);
    assert.deepEqual(only(s, 'error')[0]!.detail, { cause: 'status 500 POST bank.example', afterMs: 20 });
    assert.deepEqual(only(s, 'failed')[0], {
      name: 'failed', at: T0 + 1_020, pageId: 'p1', url: 'https://bank.example/api/transfer',
      detail: { host: 'bank.example', method: 'POST', thirdParty: false, status: 500, failure: 'status 500' },
    });
    const later = detect([batchOf(events)], [capture(T0 + 2_600, 'https://bank.example/api/poll', 503)]);
    assert.deepEqual(names(later), ['dead', 'failed'], 'the click had no answer; the 503 came 1.6 s later');
  });
});
