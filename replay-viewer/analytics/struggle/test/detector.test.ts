/** The detector's life cycle: signals() while pages are open, finish() ends the session, late input is ignored. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createStruggleDetector } from '../index';
import { batchOf, click, full, hidden, input, meta, names, still, T0, Tree, uncaught } from './fixtures';

function form() {
  const t = new Tree();
  const name = t.el('input', { id: 'name', type: 'text' });
  const go = t.el('button', { id: 'go' }, 'Go');
  const { root } = t.page('Form', t.el('form', {}, name, go));
  return { name, go, start: [meta(T0, 'https://bank.example/form'), full(T0 + 1, root)] };
}

it('judges abandonment only for pages left until finish(), then for every page; later input is ignored', () => {
  const f = form();
  const d = createStruggleDetector();
  d.batch(batchOf([...f.start, input(T0 + 1_000, f.name.id!, 'Ada'), still(T0 + 3_000)]));
  assert.deepEqual(d.signals(), [], 'the page is still open');
  const done = d.finish();
  assert.deepEqual(names(done), ['abandon']);
  assert.equal(done[0]!.at, T0 + 3_000);
  d.batch(batchOf([click(T0 + 4_000, f.go.id!), hidden(T0 + 4_100)], { seq: 1 }));
  assert.deepEqual(d.finish(), done);
  assert.deepEqual(d.signals(), done);
});

it('a page error blames a click of its own page only', () => {
  const f = form();
  const other = batchOf([meta(T0 + 500, 'https://bank.example/other'), uncaught(T0 + 1_200), still(T0 + 5_000)], { page: 'p2', url: 'https://bank.example/other' });
  const d = createStruggleDetector();
  d.batch(batchOf([...f.start, input(T0 + 900, f.name.id!, 'Ada'), click(T0 + 1_000, f.go.id!), still(T0 + 5_000)]));
  d.batch(other);
  assert.deepEqual(names(d.finish()), ['dead']);
});
