import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteCss } from '../replay/rewrite-css';
import { toArchiveUrl } from '../replay/archive-url';

const BASE = 'https://bank.example/static/css/site.css';
const archive = (css: string, base = BASE): string => rewriteCss(css, (u) => toArchiveUrl(u, base, 'sess1', 1700000000000));
const A = (abs: string): string => `/archive/sess1/1700000000000/${abs}`;

test('url() unquoted, single- and double-quoted, resolved against the stylesheet URL', () => {
  const css = `body{background:url(../img/bg.png)} .a{background-image:url('/img/a.png')} .b{cursor:url( "https://cdn.example/c.cur" ), auto}`;
  assert.equal(
    archive(css),
    `body{background:url("${A('https://bank.example/static/img/bg.png')}")} .a{background-image:url("${A('https://bank.example/img/a.png')}")} .b{cursor:url("${A('https://cdn.example/c.cur')}"), auto}`,
  );
});

test('@font-face src list keeps format() and local()', () => {
  const css = `@font-face{font-family:"Bank Sans";src:local("Bank Sans"),url(fonts/bank.woff2?v=3#iefix) format("woff2"),url("fonts/bank.woff") format("woff")}`;
  assert.equal(
    archive(css),
    `@font-face{font-family:"Bank Sans";src:local("Bank Sans"),url("${A('https://bank.example/static/css/fonts/bank.woff2?v=3')}#iefix") format("woff2"),url("${A('https://bank.example/static/css/fonts/bank.woff')}") format("woff")}`,
  );
});

test('@import with a string, with url(), with media and layer', () => {
  const css = `@import "reset.css";\n@import url(theme.css) screen;\n@import 'print.css' print;\n@import url("x.css") layer(base) supports(display:grid);`;
  assert.equal(
    archive(css),
    `@import "${A('https://bank.example/static/css/reset.css')}";\n@import url("${A('https://bank.example/static/css/theme.css')}") screen;\n@import "${A('https://bank.example/static/css/print.css')}" print;\n@import url("${A('https://bank.example/static/css/x.css')}") layer(base) supports(display:grid);`,
  );
});

test('image-set() bare strings and url(), leaving type() and resolutions alone', () => {
  const css = `.hero{background-image:-webkit-image-set("hero.png" 1x, url(hero@2x.png) 2x);background-image:image-set("hero.avif" type("image/avif") 1x, 'hero.jpg' 1x)}`;
  assert.equal(
    archive(css),
    `.hero{background-image:-webkit-image-set("${A('https://bank.example/static/css/hero.png')}" 1x, url("${A('https://bank.example/static/css/hero@2x.png')}") 2x);background-image:image-set("${A('https://bank.example/static/css/hero.avif')}" type("image/avif") 1x, "${A('https://bank.example/static/css/hero.jpg')}" 1x)}`,
  );
});

test('leaves data:, fragments, comments, strings and @namespace alone', () => {
  const css = [
    `@namespace svg url(http://www.w3.org/2000/svg);`,
    `/* background: url(commented.png) */`,
    `.a{content:"url(not-a-url.png)";filter:url(#blur);mask:url( #m )}`,
    `.b{background:url(data:image/png;base64,iVBORw0KGgo=)}`,
    `.c{background:url("data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg'></svg>")}`,
    `.d{background:myurl(x.png)} .e{background:url()}`,
    `.f{background:url(blob:https://bank.example/1234)}`,
  ].join('\n');
  assert.equal(archive(css), css);
});

test('only url is a function boundary: URL(...) case-insensitive, escapes decoded', () => {
  assert.equal(archive(`.a{background:URL(a\\ b.png)}`), `.a{background:url("${A('https://bank.example/static/css/a%20b.png')}")}`);
  assert.equal(archive(`.a{background:url("q\\"uote.png")}`), `.a{background:url("${A('https://bank.example/static/css/q%22uote.png')}")}`);
  assert.equal(archive(`.a{background:url(\\2f img.png)}`), `.a{background:url("${A('https://bank.example/img.png')}")}`);
});

test('bad url tokens and unterminated input are left as they are', () => {
  for (const css of [`.a{background:url(a"b.png)}`, `.a{background:url(abc`, `.a{background:url("abc" x)}`, `.a{content:"unterminated`]) {
    assert.equal(archive(css), css);
  }
});

test('protocol-relative and already-archived URLs', () => {
  assert.equal(archive(`.a{background:url(//cdn.example/x.png)}`), `.a{background:url("${A('https://cdn.example/x.png')}")}`);
  const done = `.a{background:url("${A('https://cdn.example/x.png')}")}`;
  assert.equal(archive(done), done);
});

test('relative URL without a base is left alone', () => {
  const css = `.a{background:url(x.png)}`;
  assert.equal(rewriteCss(css, (u) => toArchiveUrl(u, undefined, 's', 1)), css);
});

test('style attribute text (declarations only)', () => {
  assert.equal(
    archive(`background-image: url("/img/card.png"); color: red`, 'https://bank.example/accounts'),
    `background-image: url("${A('https://bank.example/img/card.png')}"); color: red`,
  );
});
