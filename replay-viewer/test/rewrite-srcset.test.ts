import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteSrcset } from '../replay/rewrite-srcset';

const map = (u: string): string | undefined => (u.startsWith('data:') ? undefined : `[${u}]`);

test('candidates with width and density descriptors keep their spacing', () => {
  assert.equal(rewriteSrcset('a.png 480w,  b.png 800w', map), '[a.png] 480w,  [b.png] 800w');
  assert.equal(rewriteSrcset(' a.png', map), ' [a.png]');
  // As in the HTML parser: commas inside a URL belong to it, trailing ones end the candidate.
  assert.equal(rewriteSrcset('a.png,b.png 2x', map), '[a.png,b.png] 2x');
  assert.equal(rewriteSrcset('a.png, b.png 2x', map), '[a.png], [b.png] 2x');
  assert.equal(rewriteSrcset('a.png,, b.png 2x', map), '[a.png],, [b.png] 2x');
  assert.equal(rewriteSrcset('a.png 1x , b.png 2x', map), '[a.png] 1x , [b.png] 2x');
});

test('data: URLs with commas survive', () => {
  assert.equal(rewriteSrcset('data:image/png;base64,AAAA 1x, b.png 2x', map), 'data:image/png;base64,AAAA 1x, [b.png] 2x');
});

test('empty and comma-only values', () => {
  assert.equal(rewriteSrcset('', map), '');
  assert.equal(rewriteSrcset(' , ', map), ' , ');
});
