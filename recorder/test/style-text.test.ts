import assert from 'node:assert/strict';
import { test } from 'node:test';
import { absolutifyUrls, hasEmptyLonghand, splitRules } from '../style-text';

test('splits stylesheet text into top-level rules, respecting strings, comments and nesting', () => {
  const css = `/* head */ @import url("a.css"); .a { content: "}{;"; border: var(--w) solid }
    @media (min-width: 1px) { .b { color: red } .c { margin: 0 } } .d{x:'\\''}`;
  assert.deepEqual(splitRules(css), [
    '@import url("a.css");',
    '.a { content: "}{;"; border: var(--w) solid }',
    '@media (min-width: 1px) { .b { color: red } .c { margin: 0 } }',
    ".d{x:'\\''}",
  ]);
  assert.deepEqual(splitRules(''), []);
  assert.deepEqual(splitRules('.unclosed { color: red'), ['.unclosed { color: red']);
});

test('recognises the empty longhands Chromium writes for a partly overridden var() shorthand', () => {
  assert.ok(hasEmptyLonghand('.row { border-top-color: ; border-top-width: 8px; }'));
  assert.ok(hasEmptyLonghand('.x { -webkit-mask-image: ; }'));
  assert.ok(!hasEmptyLonghand('.row { border: var(--w) solid var(--c); }'));
  // An empty custom property is legitimate.
  assert.ok(!hasEmptyLonghand(':root { --empty: ; --x: 1px; }'));
});

test('makes relative url()s absolute and leaves data:, fragment and absolute ones alone', () => {
  assert.equal(
    absolutifyUrls('a{background:url(img/x.png)} b{background:url("/y.png")} c{mask:url(#m)} d{background:url(data:image/png;base64,AA==)} e{background:url(https://cdn.example/z.png)}', 'https://bank.example/app/page'),
    'a{background:url(https://bank.example/app/img/x.png)} b{background:url("https://bank.example/y.png")} c{mask:url(#m)} d{background:url(data:image/png;base64,AA==)} e{background:url(https://cdn.example/z.png)}',
  );
});
