/** Dead and rage clicks on web components and canvases: what they change inside their shadow roots or only draw, and what they only note. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { add, batchOf, click, detect, full, meta, mutation, names, only, still, T0, Tree, type SNode } from './fixtures';

const shadow = (node: SNode): SNode => ({ ...node, isShadow: true });

function page() {
  const t = new Tree();
  const inner = t.el('button', { type: 'button', class: 'button' }, t.el('slot', {}));
  const cancel = t.el('sl-button', {}, 'Cancel', shadow(inner));
  const showInner = t.el('button', { id: 'show' }, 'Show accounts');
  const listRoot = t.el('div', {});
  const list = t.el('fid-accounts', {}, shadow(showInner), shadow(listRoot));
  const { root } = t.page('Transfer', cancel, list);
  return { t, cancel, inner, list, showInner, listRoot, start: [meta(T0, 'https://bank.example/wc'), full(T0 + 1, root)] };
}

it('a Shoelace button that does nothing is dead although it marks itself data-user-valid on the click', () => {
  const p = page();
  const s = detect([batchOf([
    ...p.start, click(T0 + 1_000, p.inner.id),
    mutation(T0 + 1_000, { attributes: [{ id: p.cancel.id, attributes: { 'data-user-valid': '' } }] }), still(T0 + 4_000),
  ])]);
  assert.deepEqual(names(s), ['dead']);
  assert.deepEqual(only(s, 'dead')[0]!.element, { selector: 'sl-button >> button', label: 'Cancel' });
});

it('a component that answers inside its shadow root only (a lit list rendered) is not dead', () => {
  const p = page();
  const s = detect([batchOf([
    ...p.start, click(T0 + 1_000, p.showInner.id),
    mutation(T0 + 1_020, { adds: [add(p.listRoot.id, p.t.el('fid-account', {}, 'Savings'))] }), still(T0 + 4_000),
  ])]);
  assert.deepEqual(s, []);
});

it('other attributes on the host, or data-* on another element, still answer the click', () => {
  for (const on of ['aria-expanded on the host', 'data-open elsewhere'] as const) {
    const q = page();
    const attributes = on === 'aria-expanded on the host' ? [{ id: q.cancel.id, attributes: { 'aria-expanded': 'true' } }] : [{ id: q.list.id, attributes: { 'data-open': '' } }];
    const s = detect([batchOf([...q.start, click(T0 + 1_000, q.inner.id), mutation(T0 + 1_010, { attributes }), still(T0 + 4_000)])]);
    assert.deepEqual(s, [], on);
  }
});

it('a click that changes a single-page app\'s route in the same millisecond was made on the page before', async () => {
  const { PageWatch } = await import('../page-watch');
  const { loadThresholds } = await import('../thresholds');
  const t = new Tree();
  const link = t.el('a', { id: 'to-details', href: '/spa/details' }, 'Details');
  const watch = new PageWatch('p1', loadThresholds(), () => undefined);
  watch.read(batchOf([meta(T0, 'https://bank.example/spa'), full(T0 + 1, t.page('SPA', link).root), click(T0 + 1_000, link.id),
    { type: 5, timestamp: T0 + 1_000, data: { tag: 'verbatim:route', payload: { href: 'https://bank.example/spa/details' } } }, still(T0 + 2_000)],
  { url: 'https://bank.example/spa/details' }));
  assert.equal(watch.urlAt(T0 + 1_000), 'https://bank.example/spa');
  assert.equal(watch.urlAt(T0 + 1_001), 'https://bank.example/spa/details');
});

it('a button whose only answer is a canvas redraw (Chart.js) or a style rule is not dead', () => {
  for (const source of [9, 8, 13, 15]) {
    const t = new Tree();
    const update = t.el('button', { id: 'next-year', type: 'button' }, 'Next year');
    const canvas = t.el('canvas', { id: 'chart' });
    const s = detect([batchOf([meta(T0, 'https://bank.example/chart'), full(T0 + 1, t.page('Chart', canvas, update).root), click(T0 + 1_000, update.id),
      { type: 3, timestamp: T0 + 1_030, data: { source, id: canvas.id, type: 0, commands: [{ property: 'fillRect', args: [0, 0, 10, 10] }] } }, still(T0 + 4_000)])]);
    assert.deepEqual(s, [], `source ${source}`);
  }
});
