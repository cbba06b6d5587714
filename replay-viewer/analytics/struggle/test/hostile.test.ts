/** Hostile input: garbage never throws, floods stay bounded in signals, memory and time. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CapturedResource, EventBatch } from '../../../../store/records';
import { createStruggleDetector } from '../index';
import { MAX_SIGNALS, MAX_SIGNALS_PER_NAME } from '../limits';
import { batchOf, capture, click, full, meta, moves, scroll, T0, Tree } from './fixtures';

it('garbage events, batches and captures do not throw and give no signal', () => {
  const d = createStruggleDetector();
  const junk: unknown[] = [
    null, 1, 'x', [], {}, { type: 3 }, { type: 3, timestamp: 'now', data: { source: 2, type: 2, id: 1 } },
    { type: 3, timestamp: T0, data: { source: 2, type: 2, id: -1, x: 'a' } }, { type: 3, timestamp: Number.NaN, data: {} },
    { type: 3, timestamp: T0, data: { source: 0, adds: [{ parentId: 99, node: { id: 1, type: 2, tagName: 'button' } }], removes: 'x', texts: [null], attributes: [{ id: 'x' }] } },
    { type: 3, timestamp: T0, data: { source: 1, positions: 'x' } }, { type: 3, timestamp: T0, data: { source: 1, positions: [null, { x: 'a' }] } },
    { type: 3, timestamp: T0, data: { source: 3, id: 1.5, y: Infinity } }, { type: 3, timestamp: T0, data: { source: 5, id: {}, text: 5 } },
    { type: 2, timestamp: T0, data: { node: { id: 1, type: 0, childNodes: [{ id: 1, type: 2, tagName: 'html', childNodes: 'x' }] } } },
    { type: 4, timestamp: T0, data: { href: 'javascript:alert(1)', height: -5 } }, { type: 5, timestamp: T0, data: { tag: 'verbatim:uncaught-error', payload: 7 } },
  ];
  d.batch(batchOf(junk));
  for (const b of [null, 1, {}, { page: 'x' }, { page: { id: 5 } }, { page: { id: '' }, events: junk }, { page: { id: 'p' }, events: 'x' }]) d.batch(b as unknown as EventBatch);
  for (const c of [null, {}, { url: 5 }, { url: 'not a url', startedAt: 1 }, { url: 'https://x.example/', startedAt: 'x' }, { url: 'https://x.example/', startedAt: T0, status: 'x', timing: null, headers: 'x' }]) {
    d.capture(c as unknown as CapturedResource);
  }
  assert.deepEqual(d.signals(), []);
  assert.deepEqual(d.finish(), [], 'a capture whose status is not a number is skipped');
});

it('floods of clicks, moves, scrolls, pages and captures stay bounded', () => {
  const t = new Tree();
  const button = t.el('button', { id: 'b' }, 'Go');
  const { root } = t.page('Flood', button);
  const d = createStruggleDetector();
  const started = process.hrtime.bigint();
  // 120,000 events in one batch (over the 50,000 read per batch): clicks every 10 ms on a dead button.
  const events = [meta(T0, 'https://bank.example/flood'), full(T0 + 1, root), ...Array.from({ length: 120_000 }, (_, i) => click(T0 + 10 + i * 10, button.id!))];
  d.batch(batchOf(events));
  // One MouseMove event with a million positions, and 20,000 scrolls bouncing.
  d.batch(batchOf([moves(T0 + 2_000_000, Array.from({ length: 1_000_000 }, (_, i) => [i % 2 ? 0 : 500, i - 1_000_000] as [number, number]))], { seq: 1 }));
  d.batch(batchOf(Array.from({ length: 20_000 }, (_, i) => scroll(T0 + 2_100_000 + i * 10, 1, i % 2 ? 0 : 5_000)), { seq: 2 }));
  // 1,000 pages and 50,000 failing captures.
  for (let p = 0; p < 1_000; p++) d.batch(batchOf([meta(T0 + p, `https://bank.example/p${p}`)], { page: `page${p}` }));
  for (let c = 0; c < 50_000; c++) d.capture(capture(T0 + c, `https://bank.example/api/${c}`, 500));
  const signals = d.finish();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.ok(signals.length <= MAX_SIGNALS, `${signals.length} signals`);
  const perName = new Map<string, number>();
  for (const s of signals) perName.set(s.name, (perName.get(s.name) ?? 0) + 1);
  for (const [name, n] of perName) assert.ok(n <= MAX_SIGNALS_PER_NAME, `${name}: ${n}`);
  assert.equal(perName.get('failed'), MAX_SIGNALS_PER_NAME);
  assert.ok((perName.get('rage') ?? 0) > 0 && (perName.get('thrash') ?? 0) > 0 && (perName.get('scroll') ?? 0) > 0, JSON.stringify([...perName]));
  assert.ok(seconds < 10, `took ${seconds.toFixed(2)} s`);
  console.log(`hostile flood: ${signals.length} signals in ${seconds.toFixed(2)} s`, JSON.stringify([...perName]));
});
