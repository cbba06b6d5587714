/**
 * The search bar's edits of the query text (ui/query-terms.ts): removing a chip's term by its span, adding a facet
 * filter, and the words a snippet highlights. Pure functions: no browser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipsOf, parseQuery } from '../search/query/index';
import { addFilter, highlightWords, removeSpan } from '../ui/query-terms';

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
});

describe('removing a chip of the parser (chipsOf spans)', () => {
  it('leaves a query that parses, with that chip gone', () => {
    const queries = [
      'status:>=500 host:api.bank.example',
      'text:"5.1 %" then url:/savings/open',
      'status:5xx -text:"5.1 %" OR NOT (error:timeout typed:iban)',
      'login then -(error:timeout or took:>2s) then clicked:"#pay"',
      'NOT channel:kiosk AND (after:2026-11-01 before:2026-12-01)',
    ];
    for (const q of queries) {
      const chips = chipsOf(parseQuery(q));
      chips.forEach((chip, i) => {
        const edited = removeSpan(q, chip.start, chip.end);
        const rest = chips.filter((_, j) => j !== i).map((c) => `${c.negated ? '-' : ''}${c.label}`);
        if (!rest.length) return assert.equal(edited, '', q);
        const left = chipsOf(parseQuery(edited)).map((c) => `${c.negated ? '-' : ''}${c.label}`);
        assert.deepEqual(left, rest, `${q} without ${chip.label} → ${edited}`);
      });
    }
  });
});

describe('adding a facet filter', () => {
  it('ANDs field:value to the query, quoted when needed, once', () => {
    assert.equal(addFilter('savings', 'channel', 'kiosk'), 'savings channel:kiosk');
    assert.equal(addFilter('', 'country', 'CH'), 'country:CH');
    assert.equal(addFilter('savings channel:kiosk', 'channel', 'kiosk'), 'savings channel:kiosk');
    assert.equal(addFilter('savings browser:chrome', 'browser', 'Chrome'), 'savings browser:chrome');
    assert.equal(addFilter('savings -channel:kiosk', 'channel', 'kiosk'), 'savings -channel:kiosk channel:kiosk');
    assert.equal(addFilter('a OR b', 'channel', 'kiosk'), '(a OR b) channel:kiosk', 'the whole query is narrowed');
  });

  it('quotes what would not read back as the same value', () => {
    for (const value of ['Chrome Mobile', 'or', 'Mac "OS" \\ X', 'a(b)', 'x:y', 'kiosk*']) {
      const q = addFilter('savings', 'browser', value);
      const [, term] = (parseQuery(q) as { items: unknown[] }).items;
      // browser: is matched case-insensitively, so the parser lower-cases it.
      assert.deepEqual(term, { kind: 'keyword', field: 'browser', value: value.toLowerCase(), start: 8, end: q.length }, q);
    }
  });
});

describe('highlighted words', () => {
  it('takes free words and text-field values, not negated or non-text terms', () => {
    assert.deepEqual(highlightWords('text:"5.1 %" savings -error:timeout status:>=500 url:/pay* then channel:kiosk'), ['5.1 %', 'savings', '/pay']);
  });
});
