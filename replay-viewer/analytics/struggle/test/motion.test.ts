/** thrash and scroll: the positive cases and the look-alikes (a trembling hand, slow reversals, a long read). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchOf, detect, full, meta, moves, only, scroll, T0, Tree } from './fixtures';

const start = () => {
  const t = new Tree();
  const { root } = t.page('Loans', t.el('p', {}, 'Rates'));
  return [meta(T0, 'https://bank.example/loans'), full(T0 + 1, root)];
};

/** Positions swinging between two x values every `stepMs`, `n` swings, starting at `at`. */
function swings(at: number, n: number, stepMs: number, amplitude: number): ReturnType<typeof moves>[] {
  const out = [];
  for (let i = 0; i <= n; i++) out.push(moves(at + i * stepMs, [[i % 2 ? 300 + amplitude : 300, 0]]));
  return out;
}

describe('thrashed cursor', () => {
  it('fires on 6 swings of 80 px, 100 ms apart, once, at the first change of direction', () => {
    const s = only(detect([batchOf([...start(), ...swings(T0 + 1_000, 7, 100, 80)])]), 'thrash');
    assert.deepEqual(s.map((x) => [x.at, x.detail]), [[T0 + 1_200, { changes: 5 }]]);
  });

  it('does not fire on a trembling hand (10 px swings), on slow reversals (400 ms apart) or on 4 changes', () => {
    assert.deepEqual(only(detect([batchOf([...start(), ...swings(T0 + 1_000, 12, 60, 10)])]), 'thrash'), []);
    assert.deepEqual(only(detect([batchOf([...start(), ...swings(T0 + 1_000, 12, 400, 80)])]), 'thrash'), []);
    assert.deepEqual(only(detect([batchOf([...start(), ...swings(T0 + 1_000, 5, 100, 80)])]), 'thrash'), [], '5 swings = 4 changes');
  });

  it('reads rrweb positions by their time offset within one MouseMove event', () => {
    const points: [number, number][] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i % 2 ? 400 : 300, -700 + i * 100]);
    assert.equal(only(detect([batchOf([...start(), moves(T0 + 2_000, points)])]), 'thrash')[0]!.at, T0 + 2_000 - 500);
  });
});

describe('excessive scrolling', () => {
  it('fires on 4 reversals of 600 px within 5 s, dated from the first move of the window', () => {
    const ys = [0, 600, 0, 600, 0, 600];
    const s = only(detect([batchOf([...start(), ...ys.map((y, i) => scroll(T0 + 1_000 + i * 500, 1, y))])]), 'scroll');
    assert.deepEqual(s.map((x) => [x.at, x.detail]), [[T0 + 1_500, { reversals: 4, distancePx: 3_000 }]]);
  });

  it('fires on more than 15 viewports (600 px, from the Meta event) within 5 s in one direction', () => {
    const s = only(detect([batchOf([...start(), ...Array.from({ length: 14 }, (_, i) => scroll(T0 + 1_000 + i * 300, 1, i * 1_000))])]), 'scroll');
    assert.deepEqual(s.map((x) => x.detail), [{ reversals: 0, distancePx: 10_000 }]);
  });

  it('does not fire on a long read (down 8 viewports over 10 s, one look back) nor on small wiggles', () => {
    const read = Array.from({ length: 20 }, (_, i) => scroll(T0 + 1_000 + i * 500, 1, i * 320));
    assert.deepEqual(only(detect([batchOf([...start(), ...read, scroll(T0 + 11_000, 1, 5_000)])]), 'scroll'), []);
    const wiggle = [0, 100, 0, 100, 0, 100, 0].map((y, i) => scroll(T0 + 1_000 + i * 200, 1, y));
    assert.deepEqual(only(detect([batchOf([...start(), ...wiggle])]), 'scroll'), []);
  });
});
