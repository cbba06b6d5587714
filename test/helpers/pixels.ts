/**
 * Pixel comparison of two PNG screenshots for tests. Images of different
 * sizes are compared on their overlapping area; every pixel of the union
 * canvas outside that overlap counts as different (a size change is a change).
 */
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export interface PixelDiff {
  diffPixels: number;
  /** Pixels of the union canvas: max width × max height. */
  totalPixels: number;
  /** diffPixels / totalPixels, 0 when both images are empty. */
  ratio: number;
  width: number;
  height: number;
  /** Visual diff: pixelmatch's rendering on the overlap, solid red outside it. */
  diffPng: Buffer;
}

/** Copies the top-left w×h region of an image into a tightly packed RGBA buffer. */
function crop(img: PNG, w: number, h: number): Uint8Array {
  if (img.width === w && img.height === h) return img.data;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = y * img.width * 4;
    out.set(img.data.subarray(from, from + w * 4), y * w * 4);
  }
  return out;
}

/**
 * @param opts.threshold pixelmatch's per-pixel colour threshold, 0..1 (default 0.1).
 */
export function diffPng(a: Buffer, b: Buffer, opts: { threshold?: number } = {}): PixelDiff {
  const imgA = PNG.sync.read(a);
  const imgB = PNG.sync.read(b);
  const width = Math.max(imgA.width, imgB.width);
  const height = Math.max(imgA.height, imgB.height);
  const ow = Math.min(imgA.width, imgB.width);
  const oh = Math.min(imgA.height, imgB.height);

  const overlapDiff = new Uint8Array(ow * oh * 4);
  const overlapMismatch =
    ow > 0 && oh > 0 ? pixelmatch(crop(imgA, ow, oh), crop(imgB, ow, oh), overlapDiff, ow, oh, { threshold: opts.threshold ?? 0.1 }) : 0;

  const out = new PNG({ width, height });
  for (let i = 0; i < out.data.length; i += 4) {
    out.data[i] = 255;
    out.data[i + 1] = 0;
    out.data[i + 2] = 0;
    out.data[i + 3] = 255;
  }
  for (let y = 0; y < oh; y++) {
    out.data.set(overlapDiff.subarray(y * ow * 4, (y + 1) * ow * 4), y * width * 4);
  }

  const totalPixels = width * height;
  const diffPixels = overlapMismatch + (totalPixels - ow * oh);
  return {
    diffPixels,
    totalPixels,
    ratio: totalPixels === 0 ? 0 : diffPixels / totalPixels,
    width,
    height,
    diffPng: PNG.sync.write(out),
  };
}
