/**
 * The index reads a page once: the detector observes search's extractor's walk (observe()) instead of walking a node
 * map of its own (batch()). Both ways must judge the same signals, and the index's hits must not change.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createSessionExtractor, NodeMap } from '../../../search/extract/index';
import { STRUGGLE_ATTRIBUTES } from '../elements';
import { createStruggleDetector } from '../index';
import { batchOf, click, full, hidden, input, meta, mutation, names, still, T0, Tree } from './fixtures';

function journey() {
  const t = new Tree();
  const name = t.el('input', { id: 'name', type: 'text' });
  const go = t.el('button', { id: 'go' }, 'Go');
  const dead = t.el('button', { id: 'noop' }, 'Nothing');
  const { root } = t.page('Form', t.el('form', {}, name, go), dead);
  return [
    batchOf([meta(T0, 'https://bank.example/form'), full(T0 + 1, root), input(T0 + 500, name.id!, 'Ada'), click(T0 + 1_000, go.id!),
      mutation(T0 + 1_100, { attributes: [{ id: name.id!, attributes: { 'aria-invalid': 'true' } }] })], { seq: 0 }),
    batchOf([click(T0 + 3_000, dead.id!), still(T0 + 6_000), hidden(T0 + 6_100)], { seq: 1 }),
  ];
}

it('judges the same signals on the extractor\'s walk as on its own, and the extractor gives the same hits', () => {
  const own = createStruggleDetector();
  const riding = createStruggleDetector();
  const plain = createSessionExtractor();
  const shared = createSessionExtractor({ observe: (id) => riding.observe(id), extraAttributes: STRUGGLE_ATTRIBUTES });
  for (const b of [...journey(), journey()[0]!]) { // the last is a repeat: read once both ways
    own.batch(b);
    assert.deepEqual(shared.batch(b), plain.batch(b));
    assert.deepEqual(riding.signals(), own.signals());
  }
  const signals = own.finish();
  assert.deepEqual(names(signals), ['validation', 'dead']); // Go was pressed: the form is not abandoned
  assert.deepEqual(riding.finish(), signals);
});

it('signals() gives the same array until a record arrives', () => {
  const d = createStruggleDetector();
  const [first, second] = journey();
  d.batch(first!);
  const a = d.signals();
  assert.equal(d.signals(), a);
  d.batch(second!);
  assert.notEqual(d.signals(), a);
});

it('reads through aside() spend a budget of their own, not the batch\'s', () => {
  const map = new NodeMap();
  const t = new Tree();
  const { root } = t.page('P', t.el('p', {}, 'x'));
  map.resetWork();
  map.addTree(root, 0);
  const top = map.get((root as { id: number }).id)!;
  const walked = () => [...map.descendants(top)].length;
  const n = walked();
  assert.equal(n, map.size - 1, 'every node under the document');
  assert.equal(map.aside(walked), n);
  // Spend the aside budget to the end: the batch's own walks still get theirs, whole.
  let rounds = 0;
  map.aside(() => {
    while (!map.exhausted && rounds < 2_000_000) {
      walked();
      rounds++;
    }
  });
  assert.ok(rounds > 1_000, `the aside budget lasted ${rounds} walks`);
  assert.equal(map.exhausted, false);
  assert.equal(walked(), n);
  assert.equal(map.aside(walked), 0, 'the aside budget stays spent for this batch');
  map.resetWork();
  assert.equal(map.aside(walked), n);
});
