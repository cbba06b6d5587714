/** Page hits: url, title and the text the customer saw, from handcrafted snapshots and mutations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSessionExtractor } from '../extract/index';
import { add, batch, full, meta, mouseMove, mutation, strip, Tree } from './extract-fixtures';

describe('url and title', () => {
  it('come from Meta events, the snapshot and the batch, without query string, once per change', () => {
    const t = new Tree();
    const { root } = t.page('Accounts', t.el('p', {}, 'Hello'));
    const x = createSessionExtractor();
    const hits = x.batch(batch([meta(100, 'https://bank.example/home?token=secret#top'), full(101, root)], { title: 'Accounts', url: 'https://bank.example/home?token=secret' }));
    assert.deepEqual(hits, [
      { kind: 'url', at: 100, pageId: 'p1', text: 'https://bank.example/home', host: 'bank.example', path: '/home' },
      { kind: 'title', at: 101, pageId: 'p1', text: 'Accounts' },
      { kind: 'text', at: 101, pageId: 'p1', text: 'Hello' },
    ]);
    assert.ok(!JSON.stringify(hits).includes('secret'));
    // The same URL and title again: nothing; a new URL by Meta: a url hit.
    assert.deepEqual(x.batch(batch([meta(200, 'https://bank.example/home')], { seq: 1, title: 'Accounts' })), []);
    assert.deepEqual(x.batch(batch([meta(300, 'https://bank.example/pay?iban=X')], { seq: 2, url: 'https://bank.example/pay?iban=X' })), [
      { kind: 'url', at: 300, pageId: 'p1', text: 'https://bank.example/pay', host: 'bank.example', path: '/pay' },
    ]);
  });

  it('follows <title> mutations, but not an SVG <title> nor a frame document title', () => {
    const t = new Tree();
    const titleText = t.text('Step 1');
    const title = t.el('title', {}, titleText);
    const svgTitle = { ...t.el('title', {}, 'icon tooltip'), isSVG: true };
    const frameTitle = { ...t.el('title', {}, 'Frame title'), rootId: 99 };
    const body = t.el('body', {}, t.el('svg', {}, svgTitle));
    const root = t.doc(t.el('html', {}, t.el('head', {}, title), body));
    const x = createSessionExtractor();
    assert.deepEqual(strip(x.batch(batch([full(10, root)]))).filter((h) => h.kind === 'title'), [{ kind: 'title', at: 10, text: 'Step 1' }]);
    const hits = x.batch(batch([
      mutation(20, { texts: [{ id: titleText.id, value: 'Step 2' }] }),
      mutation(30, { adds: [add(body.id, frameTitle)] }),
    ], { seq: 1 }));
    assert.deepEqual(strip(hits), [{ kind: 'title', at: 20, text: 'Step 2' }]);
  });
});

describe('title replaced', () => {
  it('follows a <title> element a framework swapped for a new one', () => {
    const t = new Tree();
    const { root, head } = t.page('Old');
    const x = createSessionExtractor();
    x.batch(batch([full(1, root)]));
    const oldTitle = head.childNodes![0]!;
    const hits = x.batch(batch([mutation(5, { removes: [{ parentId: head.id, id: oldTitle.id }], adds: [add(head.id, new Tree(700).el('title', {}, 'New'))] })], { seq: 1 }));
    assert.deepEqual(strip(hits), [{ kind: 'title', at: 5, text: 'New' }]);
  });
});

describe('text', () => {
  it('groups text per block element, in document order, and leaves out script, style, head and blocked parts', () => {
    const t = new Tree();
    const { root } = t.page('T',
      t.el('h1', {}, 'Your ', t.el('b', {}, 'accounts')),
      t.el('div', {}, 'Current account', t.el('p', {}, 'Balance ', t.el('span', {}, '1,250.00'), ' EUR'), 'more'),
      t.el('script', {}, 'SCRIPT_PLACEHOLDER'),
      t.el('style', {}, t.text('p{color:red}', { isStyle: true })),
      t.el('noscript', {}, 'Enable JavaScript'),
      t.el('template', {}, t.el('p', {}, 'hidden template')),
      t.el('div', { class: 'verbatim-block', rr_width: '100px', rr_height: '20px' }),
      t.el('textarea', {}, 'draft text'),
      t.el('select', { name: 'acct' }, t.el('option', { value: 'a' }, 'Option A')),
      t.el('ul', {}, t.el('li', {}, 'One'), t.el('li', {}, 'Two', t.el('br'), 'lines')),
      '   ',
    );
    const hits = createSessionExtractor().batch(batch([full(5, root)]));
    assert.deepEqual(hits.filter((h) => h.kind === 'text').map((h) => h.text), [
      'Your accounts', 'Current account more', 'Balance 1,250.00 EUR', 'One', 'Two lines',
    ]);
    assert.ok(hits.filter((h) => h.kind === 'text').every((h) => h.at === 5 && h.pageId === 'p1'));
  });

  it('gives text that appears later (added nodes, text changes) once per page, masked text as recorded', () => {
    const t = new Tree();
    const status = t.el('div', { id: 'status' });
    const counter = t.text('3 new messages');
    const { root } = t.page('T', status, t.el('p', {}, counter));
    const x = createSessionExtractor();
    assert.deepEqual(x.batch(batch([full(1, root)])).map((h) => h.text), ['https://bank.example/home', 'T', '3 new messages']);
    const t2 = new Tree(1000);
    const para = t2.el('p', {}, 'Transfer sent');
    const hits = x.batch(batch([
      mutation(10, { adds: [add(status.id, para)] }),
      mutation(11, { texts: [{ id: counter.id, value: '4 new messages' }] }),
      // The page re-renders the same text: not repeated.
      mutation(12, { removes: [{ parentId: status.id, id: para.id }], adds: [add(status.id, new Tree(2000).el('p', {}, 'Transfer  sent'))] }),
      mutation(13, { texts: [{ id: counter.id, value: '3 new messages' }] }),
      // Masked text: all mask characters says nothing; masked within a passage stays masked.
      mutation(14, { adds: [add(status.id, new Tree(3000).el('p', {}, '**** ****'))] }),
      mutation(15, { adds: [add(status.id, new Tree(4000).el('p', {}, 'Card ending ****'))] }),
    ], { seq: 1 }));
    assert.deepEqual(strip(hits), [
      { kind: 'text', at: 10, text: 'Transfer sent' },
      { kind: 'text', at: 11, text: '4 new messages' },
      { kind: 'text', at: 15, text: 'Card ending ****' },
    ]);
  });

  it('places added nodes before their next sibling, and adds whose parent comes later in the list', () => {
    const t = new Tree();
    const tail = t.text(' world');
    const p = t.el('p', {}, tail);
    const { root } = t.page('T', p);
    const x = createSessionExtractor();
    x.batch(batch([full(1, root)]));
    const t2 = new Tree(500);
    const b = t2.el('b', {});
    const hello = t2.text('Hello');
    const div = t2.el('div', {});
    const inner = t2.text('late parent');
    const hits = x.batch(batch([mutation(2, {
      adds: [add(b.id, hello), add(p.id, b, tail.id), add(div.id, inner), add(p.id, div)],
    })], { seq: 1 }));
    assert.deepEqual(hits.map((h) => h.text), ['Hello world', 'late parent']);
  });

  it('reads a table row as one passage, cells a space apart', () => {
    const t = new Tree();
    const row = (...cells: string[]) => t.el('tr', {}, ...cells.map((c) => t.el('td', {}, t.el('span', {}, c))));
    const { root } = t.page('T', t.el('table', {}, t.el('thead', {}, t.el('tr', {}, t.el('th', {}, 'Date'), t.el('th', {}, 'Amount'))),
      t.el('tbody', {}, row('12 Dec', 'Coffee', '-3.50'), row('13 Dec', 'Salary', '+2,000.00'))));
    const hits = createSessionExtractor().batch(batch([full(1, root)]));
    assert.deepEqual(hits.filter((h) => h.kind === 'text').map((h) => h.text), ['Date Amount', '12 Dec Coffee -3.50', '13 Dec Salary +2,000.00']);
  });

  it('cuts a passage at 2,000 characters', () => {
    const t = new Tree();
    const { root } = t.page('T', t.el('p', {}, 'word '.repeat(1000)));
    const [text] = createSessionExtractor().batch(batch([full(1, root)])).filter((h) => h.kind === 'text');
    assert.equal(text!.text.length, 2000);
  });

  it('keeps page state apart per page id', () => {
    const t = new Tree();
    const a = t.page('A', t.el('p', {}, 'Same words'));
    const x = createSessionExtractor();
    x.batch(batch([full(1, a.root)], { page: 'p1' }));
    const b = new Tree().page('B', new Tree(50).el('p', {}, 'Same words'));
    // Same node ids, another page: its own map, and the passage is new there.
    const hits = x.batch(batch([full(2, b.root)], { page: 'p2', url: 'https://bank.example/other' }));
    assert.deepEqual(hits.map((h) => [h.kind, h.pageId, h.text]), [
      ['url', 'p2', 'https://bank.example/other'], ['title', 'p2', 'B'], ['text', 'p2', 'Same words'],
    ]);
  });
});

describe('single-page navigation', () => {
  it('shows as a new batch URL, dated at the end of the batch that carried it', () => {
    const t = new Tree();
    const x = createSessionExtractor();
    x.batch(batch([meta(10, 'https://bank.example/app#/home'), full(11, t.page('App').root)], { url: 'https://bank.example/app#/home' }));
    const hits = x.batch(batch([mouseMove(20), mouseMove(40)], { seq: 1, url: 'https://bank.example/app/payments?id=7', title: 'Payments' }));
    assert.deepEqual(strip(hits), [
      { kind: 'url', at: 40, text: 'https://bank.example/app/payments', host: 'bank.example', path: '/app/payments' },
      { kind: 'title', at: 40, text: 'Payments' },
    ]);
  });
});
