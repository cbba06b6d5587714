import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArchiveTarget, toArchiveUrl } from '../replay/archive-url';
import { stripCacheBusters } from '../replay/fuzzy-capture';

test('toArchiveUrl keeps the query in the path, the fragment at the end', () => {
  assert.equal(toArchiveUrl('../img/a.png?x=1#f', 'https://b.example/css/s.css', 's1', 12.7), '/archive/s1/12/https://b.example/img/a.png?x=1#f');
  assert.equal(toArchiveUrl('#top', 'https://b.example/', 's1', 1), undefined);
  assert.equal(toArchiveUrl('mailto:x@y', 'https://b.example/', 's1', 1), undefined);
  assert.equal(toArchiveUrl('ftp://b.example/f', undefined, 's1', 1), undefined);
  assert.equal(toArchiveUrl('  ', 'https://b.example/', 's1', 1), undefined);
  assert.equal(toArchiveUrl('/archive/s1/5/https://b.example/a.png', 'https://b.example/', 's1', 1), undefined, 'already archived');
  assert.equal(toArchiveUrl('/archive/2019/report.css', 'https://b.example/', 's1', 1), '/archive/s1/1/https://b.example/archive/2019/report.css', "a site's own /archive path");
});

test('parseArchiveTarget round-trips and rejects malformed targets', () => {
  assert.deepEqual(parseArchiveTarget('/archive/s1/1700000000000/https://b.example/a.css?v=1&x=%20'), {
    sessionId: 's1', ts: 1700000000000, url: 'https://b.example/a.css?v=1&x=%20',
  });
  assert.deepEqual(parseArchiveTarget('/archive/s1/5/https:/b.example/a'), { sessionId: 's1', ts: 5, url: 'https://b.example/a' });
  for (const bad of ['/archive/s1/abc/https://b.example/', '/archive/s%201/1/https://b.example/', '/archive/s1/1/ftp://x/', '/archive/s1/1/', '/archive/s1/1/https://']) {
    assert.equal(parseArchiveTarget(bad), undefined, bad);
  }
});

test('stripCacheBusters drops busting parameters only', () => {
  assert.equal(stripCacheBusters('https://b.example/a.js?_=1712000000123'), 'https://b.example/a.js');
  assert.equal(stripCacheBusters('https://b.example/a.css?v=3&theme=dark&utm_source=x'), 'https://b.example/a.css?theme=dark');
  assert.equal(stripCacheBusters('https://b.example/a.png?1712000000&id=7&r=0.8234567123'), 'https://b.example/a.png?id=7');
  assert.equal(stripCacheBusters('https://b.example/a.png?id=7#x'), 'https://b.example/a.png?id=7');
  assert.equal(stripCacheBusters('not a url'), undefined);
});
