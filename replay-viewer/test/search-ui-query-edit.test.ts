/**
 * The search bar's edits of the query text (ui/query-terms.ts): removing a chip's term by its span, adding a facet
 * filter, and the words a snippet highlights. Pure functions: no browser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addFilter, highlightWords, removeSpan, scanTerms } from '../ui/query-terms';

/** Removes the last occurrence of `term` (its own span, as a chip gives it). */
const without = (q: string, term: string): string => {
  const start = q.lastIndexOf(term);
  assert.ok(start >= 0, `${term} in ${q}`);
  return removeSpan(q, start, start + term.length);
};

describe('removing a term', () => {
  it('cuts the term and the keyword that joined it', () => {
    assert.equal(without('status:>=500 host:api.bank.example', 'host:api.bank.example'), 'status:>=500');
    assert.equal(without('text:"5.1 %" then url:/savings/open', 'url:/savings/open'), 'text:"5.1 %"');
    assert.equal(without('text:"5.1 %" then url:/savings/open', 'text:"5.1 %"'), 'url:/savings/open');
    assert.equal(without('a OR b OR c', 'b'), 'a OR c');
    assert.equal(without('a and (b or c)', 'c'), 'a and (b)');
    assert.equal(without('x (a) y', 'a'), 'x y');
  });

  it('cuts the - or NOT that negated it, though the span is the term\'s own', () => {
    assert.equal(without('status:>=500 -text:"5.1 %"', 'text:"5.1 %"'), 'status:>=500');
    assert.equal(without('login and NOT error:timeout', 'error:timeout'), 'login');
    assert.equal(without('login -(error:timeout)', 'error:timeout'), 'login');
    assert.equal(without('(a) then -(b)', 'b'), '(a)');
  });

  it('keeps what only looks like a negation', () => {
    assert.equal(without('e-mail savings', 'savings'), 'e-mail');
    assert.equal(without('text:"do not" savings', 'savings'), 'text:"do not"');
    assert.equal(without('text:"a  ( b" x', 'x'), 'text:"a  ( b"', 'a phrase is left as written');
  });

  it('agrees with the scan\'s own spans', () => {
    const q = 'status:>=500 NOT host:api.bank.example then -text:"5.1 %"';
    const terms = scanTerms(q);
    assert.deepEqual(terms.map((t) => [t.text, t.negated, q.slice(t.start, t.end)]), [
      ['status:>=500', false, 'status:>=500'],
      ['host:api.bank.example', true, 'NOT host:api.bank.example'],
      ['text:"5.1 %"', true, '-text:"5.1 %"'],
    ]);
    assert.deepEqual(terms.map((t) => removeSpan(q, t.start, t.end)),
      ['NOT host:api.bank.example then -text:"5.1 %"', 'status:>=500 -text:"5.1 %"', 'status:>=500 NOT host:api.bank.example']);
  });
});

describe('adding a facet filter', () => {
  it('appends field:value, quoted when needed, once', () => {
    assert.equal(addFilter('savings', 'channel', 'kiosk'), 'savings channel:kiosk');
    assert.equal(addFilter('', 'country', 'CH'), 'country:CH');
    assert.equal(addFilter('savings', 'browser', 'Chrome Mobile'), 'savings browser:"Chrome Mobile"');
    assert.equal(addFilter('savings', 'os', 'or'), 'savings os:"or"', 'a keyword as a value is quoted');
    assert.equal(addFilter('savings channel:kiosk', 'channel', 'kiosk'), 'savings channel:kiosk');
    assert.equal(addFilter('savings -channel:kiosk', 'channel', 'kiosk'), 'savings -channel:kiosk channel:kiosk');
  });
});

describe('highlighted words', () => {
  it('takes free words and text-field values, not negated or non-text terms', () => {
    assert.deepEqual(highlightWords('text:"5.1 %" savings -error:timeout status:>=500 url:/pay* then channel:kiosk'), ['5.1 %', 'savings', '/pay']);
  });
});
