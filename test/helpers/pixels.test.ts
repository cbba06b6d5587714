import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { diffPng } from './pixels';

function solid(width: number, height: number, rgb: [number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let i = 0; i < img.data.length; i += 4) img.data.set([...rgb, 255], i);
  return PNG.sync.write(img);
}

describe('diffPng', () => {
  it('finds no difference between identical images', () => {
    const r = diffPng(solid(10, 8, [0, 0, 255]), solid(10, 8, [0, 0, 255]));
    assert.deepEqual([r.diffPixels, r.totalPixels, r.ratio, r.width, r.height], [0, 80, 0, 10, 8]);
    assert.equal(PNG.sync.read(r.diffPng).width, 10);
  });

  it('counts every differing pixel', () => {
    const r = diffPng(solid(10, 10, [0, 0, 0]), solid(10, 10, [255, 255, 255]));
    assert.equal(r.diffPixels, 100);
    assert.equal(r.ratio, 1);
  });

  it('compares the overlap of different sizes and counts the rest as different', () => {
    // 10×10 vs 20×5: overlap 10×5 identical; union canvas 20×10 = 200; 150 outside the overlap.
    const r = diffPng(solid(10, 10, [9, 9, 9]), solid(20, 5, [9, 9, 9]));
    assert.deepEqual([r.width, r.height, r.totalPixels, r.diffPixels], [20, 10, 200, 150]);
    const out = PNG.sync.read(r.diffPng);
    assert.deepEqual([out.width, out.height], [20, 10]);
    assert.deepEqual([...out.data.subarray((9 * 20 + 19) * 4, (9 * 20 + 19) * 4 + 4)], [255, 0, 0, 255]);
  });

  it('honours the threshold', () => {
    const a = solid(4, 4, [100, 100, 100]);
    const b = solid(4, 4, [104, 100, 100]);
    assert.equal(diffPng(a, b).diffPixels, 0);
    assert.equal(diffPng(a, b, { threshold: 0 }).diffPixels, 16);
  });
});
