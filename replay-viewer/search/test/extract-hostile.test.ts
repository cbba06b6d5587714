/**
 * Recorded content is hostile input: anyone can upload events for their own session. Deep, huge, forged and
 * malformed events must neither throw nor grow memory without bound, and cost bounded time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventBatch } from '../../../store/records';
import { createSessionExtractor, limits } from '../extract/index';
import { add, batch, click, custom, full, input, mutation, Tree, type SNode } from './extract-fixtures';

/** Runs `fn` within `maxMs` of CPU time (not wall clock: a busy machine must not fail a bound on runaway work). */
function timed<T>(fn: () => T, maxMs: number): T {
  const start = process.cpuUsage();
  const out = fn();
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < maxMs, `took ${ms.toFixed(0)} ms of CPU (bound ${maxMs})`);
  return out;
}

describe('hostile recordings', () => {
  it('a tree 200,000 levels deep: no stack overflow, bounded work', () => {
    let node: SNode = { type: 3, id: 1, textContent: 'deep text' };
    for (let id = 2; id < 200_000; id++) node = { type: 2, id, tagName: 'div', attributes: {}, childNodes: [node] };
    const root: SNode = { type: 0, id: 200_000, childNodes: [node] };
    const x = createSessionExtractor();
    const hits = timed(() => x.batch(batch([full(1, root), click(2, 1), input(3, 5, 'v')])), 5_000);
    // The text sits deeper than MAX_NODES_PER_PAGE: never reached, never an error; the click cannot resolve.
    assert.deepEqual(hits.map((h) => h.kind), ['url', 'typed']);
  });

  it('huge strings are cut: text, titles, attributes, URLs', () => {
    const big = 'A'.repeat(5_000_000);
    const t = new Tree();
    const field = t.el('input', { name: big, placeholder: big });
    const root = t.doc(t.el('html', {}, t.el('head', {}, t.el('title', {}, big)), t.el('body', {}, t.el('p', {}, big), field)));
    const x = createSessionExtractor();
    const hits = timed(() => x.batch({ ...batch([full(1, root), input(2, field.id, big)]), page: { id: 'p1', url: `https://bank.example/${big}` } }), 5_000);
    assert.deepEqual(hits.map((h) => h.kind), ['url', 'title', 'text', 'typed']);
    assert.ok(hits[0]!.path!.length <= limits.MAX_PATH);
    assert.equal(hits[1]!.text.length, limits.MAX_TITLE_TEXT);
    assert.equal(hits[2]!.text.length, limits.MAX_HIT_TEXT);
    assert.equal(hits[3]!.text.length, limits.MAX_HIT_TEXT);
    assert.ok(hits[3]!.field!.length <= limits.MAX_LABEL_TEXT);
  });

  it('a batch with too much text stops at the per-batch caps', () => {
    const t = new Tree();
    const paragraphs = Array.from({ length: 5_000 }, (_, i) => t.el('p', {}, `${i} `.padEnd(300, 'w')));
    const hits = createSessionExtractor().batch(batch([full(1, t.page('T', ...paragraphs).root)]));
    assert.ok(hits.length <= limits.MAX_HITS_PER_BATCH);
    assert.ok(hits.reduce((n, h) => n + h.text.length, 0) <= limits.MAX_TEXT_PER_BATCH);
    assert.equal(hits.length, 2 + Math.floor((limits.MAX_TEXT_PER_BATCH - 'https://bank.example/home'.length - 1) / 300));
  });

  it('keeps at most MAX_NODES_PER_PAGE nodes; later ids stay unresolved', () => {
    const t = new Tree();
    const many = Array.from({ length: limits.MAX_NODES_PER_PAGE }, () => t.el('span', {}));
    const late = t.el('button', { id: 'late' }, 'Late');
    const x = createSessionExtractor();
    const hits = x.batch(batch([full(1, t.page('T', ...many, late).root), click(2, late.id)]));
    assert.equal(hits.filter((h) => h.kind === 'clicked').length, 0);
  });

  it('forged ids: duplicates, a node added under itself, cycles through removes, unknown parents', () => {
    const t = new Tree();
    const p = t.el('p', {}, 'Kept');
    const { root, body } = t.page('T', p);
    const x = createSessionExtractor();
    x.batch(batch([full(1, root)]));
    const hits = x.batch(batch([
      mutation(2, { adds: [add(p.id, { type: 2, id: p.id, tagName: 'b', attributes: {}, childNodes: [] })] }),
      mutation(3, { adds: [add(body.id, { type: 2, id: 777, tagName: 'div', attributes: {}, childNodes: [{ type: 3, id: 777, textContent: 'dup' }, { type: 3, id: 778, textContent: 'ok' }] })] }),
      mutation(4, { adds: [add(424_242, new Tree(900).el('p', {}, 'orphan'))], removes: [{ parentId: 1, id: -5 }, { id: 'x' }] }),
      mutation(5, { texts: [{ id: p.id, value: 'not a text node' }, { id: 9e99, value: 'x' }], attributes: [{ id: p.id, attributes: 'junk' }] }),
      click(6, p.id),
    ], { seq: 1 }));
    assert.deepEqual(hits.map((h) => [h.kind, h.text]), [['text', 'ok'], ['clicked', 'Kept']]);
  });

  it('malformed events and batches are skipped', () => {
    const x = createSessionExtractor();
    const junk: unknown[] = [
      null, 1, 'event', [], {}, { type: 2 }, { type: 2, timestamp: 'now', data: {} }, { type: 2, timestamp: 1, data: { node: 'x' } },
      { type: 3, timestamp: 1, data: null }, { type: 3, timestamp: 1, data: { source: 0, adds: 'x', texts: [null, 1], removes: {} } },
      { type: 3, timestamp: 1, data: { source: 5, id: '3', text: 5 } }, { type: 3, timestamp: 1, data: { source: 2, type: 2, id: null } },
      { type: 4, timestamp: 1, data: { href: 'javascript:alert(1)' } }, { type: 4, timestamp: Infinity, data: { href: 'https://x.example/' } },
      { type: 5, timestamp: 1, data: { tag: 'verbatim:console-error', payload: null } }, { type: 99, timestamp: 1, data: {} },
    ];
    // The batch's moment is its first event with a finite timestamp.
    assert.deepEqual(x.batch(batch(junk)), [
      { kind: 'url', at: 1, pageId: 'p1', text: 'https://bank.example/home', host: 'bank.example', path: '/home' },
    ]);
    for (const b of [null, 'x', {}, { page: null }, { page: { id: 5 } }, { page: { id: 'p' }, events: 'x' }]) {
      assert.deepEqual(x.batch(b as unknown as EventBatch), []);
    }
  });

  it('a batch delivered twice gives its hits once', () => {
    const x = createSessionExtractor();
    const t = new Tree();
    const b = batch([full(1, t.page('T', t.el('button', { id: 'go' }, 'Go')).root), click(2, 6)], { seq: 3 });
    assert.equal(x.batch(b).length, 4);
    assert.deepEqual(x.batch(b), []);
  });

  it('keeps node maps for a few pages only', () => {
    const x = createSessionExtractor();
    const t = new Tree();
    const go = t.el('button', { id: 'go' }, 'Go');
    const root = t.page('T', go).root;
    for (let i = 0; i <= limits.MAX_PAGES_KEPT; i++) x.batch(batch([full(1, root)], { page: `p${i}` }));
    // p0 was dropped: its node ids no longer resolve; the newest still do.
    assert.deepEqual(x.batch(batch([click(5, go.id)], { page: 'p0', seq: 1 })).filter((h) => h.kind === 'clicked'), []);
    assert.equal(x.batch(batch([click(5, go.id)], { page: `p${limits.MAX_PAGES_KEPT}`, seq: 1 })).filter((h) => h.kind === 'clicked').length, 1);
  });

  it('events forged to make each one walk a big tree cost bounded time (the per-batch work budget)', () => {
    const t = new Tree();
    const counter = t.text('0');
    const blocks = Array.from({ length: 10_000 }, () => t.el('div', {}));
    const { root, body } = t.page('T', counter, ...blocks);
    const x = createSessionExtractor();
    x.batch(batch([full(1, root)]));
    // Each text change makes the body's passage walk its 10,000 children; each add searches 10,000 siblings.
    const changes = Array.from({ length: 20_000 }, (_, i) => mutation(2 + i, { texts: [{ id: counter.id, value: String(i) }] }));
    const adds = mutation(30_000, { adds: Array.from({ length: 20_000 }, (_, i) => add(body.id, new Tree(100_000 + i * 2).text(`t${i}`), blocks[0]!.id)) });
    const hits = timed(() => x.batch(batch([...changes, adds], { seq: 1 })), 3_000);
    assert.ok(hits.length < 20_000, `${hits.length} hits`);
    // The next batch has its own budget again.
    const after = x.batch(batch([mutation(40_000, { adds: [add(blocks[1]!.id, new Tree(900_000).text('Fresh passage'))] })], { seq: 2 }));
    assert.deepEqual(after.map((h) => h.text), ['Fresh passage']);
  });

  it('an early error\'s own moment is used only when plausible', () => {
    const hits = createSessionExtractor().batch(batch([
      custom(1_000_000, 'verbatim:console-error', { message: 'early', time: 999_000 }),
      custom(1_000_000, 'verbatim:console-error', { message: 'future', time: 5_000_000 }),
      custom(1_000_000, 'verbatim:console-error', { message: 'ancient', time: 1 }),
    ])).filter((h) => h.kind === 'error');
    assert.deepEqual(hits.map((h) => [h.text, h.at]), [['early', 999_000], ['future', 1_000_000], ['ancient', 1_000_000]]);
  });
});
