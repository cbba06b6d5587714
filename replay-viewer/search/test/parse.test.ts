import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DURATION_FIELDS, KEYWORD_FIELDS, NUMBER_FIELDS, TEXT_FIELDS } from '../query/ast';
import type { QueryNode } from '../query/ast';
import { MAX_DEPTH, MAX_QUERY_LENGTH, MAX_TERMS, parseQuery, QueryError } from '../query/parse';
import { fuzzQueries, NOW, parse, parseError, shape } from './query-helpers';

const DAY = 86_400_000;
const word = (value: string, start: number, extra: Partial<QueryNode> = {}): QueryNode =>
  ({ kind: 'text', field: null, value, phrase: false, prefix: false, start, end: start + value.length, ...extra } as QueryNode);

test('free words are text terms joined by an implicit AND, with exact spans', () => {
  assert.deepEqual(parse('iban  transfer'), { kind: 'and', items: [word('iban', 0), word('transfer', 6)], start: 0, end: 14 });
  assert.deepEqual(parse(' Überweisung '), word('Überweisung', 1));
  assert.deepEqual(parse('10:30'), word('10:30', 0), 'a colon after digits is no field');
  assert.deepEqual(parse('a-b'), word('a-b', 0), 'a hyphen inside a word is part of it');
});

test('phrases: quotes, escapes, prefix after the closing quote', () => {
  assert.deepEqual(parse('text:"5.1 % offer"'), { kind: 'text', field: 'text', value: '5.1 % offer', phrase: true, prefix: false, start: 0, end: 18 });
  assert.deepEqual(parse('"say \\"hi\\" \\\\ now"'), word('say "hi" \\ now', 0, { phrase: true, end: 19 }));
  assert.deepEqual(parse('"card *"'), word('card *', 0, { phrase: true, end: 8 }), 'a star inside quotes is literal');
  assert.deepEqual(parse('"5.1 % of"*'), word('5.1 % of', 0, { phrase: true, prefix: true, end: 11 }));
  assert.deepEqual(shape(parse('a"b c"')), shape(parse('a "b c"')), 'a quote ends a bare word');
});

test('prefixes: a trailing * on a text field or free word', () => {
  assert.deepEqual(parse('url:/payments/*'), { kind: 'text', field: 'url', value: '/payments/', phrase: false, prefix: true, start: 0, end: 15 });
  assert.deepEqual(parse('host:api.*'), { kind: 'text', field: 'host', value: 'api.', phrase: false, prefix: true, start: 0, end: 10 });
  assert.deepEqual(parse('Pay*'), word('Pay', 0, { prefix: true, end: 4 }));
  assert.deepEqual(parse('path:/a:b/c'), { kind: 'text', field: 'path', value: '/a:b/c', phrase: false, prefix: false, start: 0, end: 11 });
});

test('every text field, field names in any case, values kept as typed', () => {
  for (const field of TEXT_FIELDS) {
    assert.deepEqual(parse(`${field.toUpperCase()}:Iban`), { kind: 'text', field, value: 'Iban', phrase: false, prefix: false, start: 0, end: field.length + 5 });
    assert.deepEqual(shape(parse(`${field}:"two words"*`)), { kind: 'text', field, value: 'two words', phrase: true, prefix: true });
  }
  assert.equal(TEXT_FIELDS.length, 14);
});

test('every keyword field: lower-cased, except the ids customer, session and terminal', () => {
  const exact = new Set(['customer', 'session', 'terminal']);
  for (const field of KEYWORD_FIELDS) {
    if (field === 'version') continue; // hex ids only: below
    const q = `${field[0].toUpperCase()}${field.slice(1)}:AbC-9`;
    assert.deepEqual(parse(q), { kind: 'keyword', field, value: exact.has(field) ? 'AbC-9' : 'abc-9', start: 0, end: q.length });
  }
  assert.deepEqual(shape(parse('browser:"Mobile Safari"')), { kind: 'keyword', field: 'browser', value: 'mobile safari' });
  assert.equal(KEYWORD_FIELDS.length, 10);
});

test('version: a site version id or its first 4 to 12 hex digits, lower-cased', () => {
  assert.deepEqual(shape(parse('Version:3FA2c9')), { kind: 'keyword', field: 'version', value: '3fa2c9' });
  for (const bad of ['version:abc', 'version:3fa2c9d1e0f7a', 'version:xyz1', 'version:3fa2-']) {
    assert.throws(() => parse(bad), (err: unknown) => err instanceof QueryError && /version: takes a site version id/.test(err.message), bad);
  }
});

test('numbers: status and pages with every comparison; status classes', () => {
  const ops = [['', '='], ['=', '='], ['>', '>'], ['>=', '>='], ['<', '<'], ['<=', '<=']] as const;
  for (const field of NUMBER_FIELDS) {
    for (const [written, op] of ops) {
      const n = field === 'score' ? 40 : 404;
      const q = `${field}:${written}${n}`;
      assert.deepEqual(parse(q), { kind: 'number', field, op, value: n, start: 0, end: q.length }, q);
    }
  }
  assert.deepEqual(parse('score:>60'), { kind: 'number', field: 'score', op: '>', value: 60, start: 0, end: 9 });
  assert.deepEqual(parse('pages:>10'), { kind: 'number', field: 'pages', op: '>', value: 10, start: 0, end: 9 });
  assert.deepEqual(parse('pages:0'), { kind: 'number', field: 'pages', op: '=', value: 0, start: 0, end: 7 });
  const range = (from: number, to: number, start: number, end: number) => ({
    kind: 'and',
    items: [
      { kind: 'number', field: 'status', op: '>=', value: from, start, end },
      { kind: 'number', field: 'status', op: '<', value: to, start, end },
    ],
    start, end,
  });
  assert.deepEqual(parse('status:5xx'), range(500, 600, 0, 10));
  assert.deepEqual(parse('a STATUS:4XX'), { kind: 'and', items: [word('a', 0), range(400, 500, 2, 12)], start: 0, end: 12 });
  assert.deepEqual(parse('status:40x'), range(400, 410, 0, 10));
});

test('durations: every field, every unit, normalised to ms', () => {
  const cases: [string, number][] = [['500ms', 500], ['90s', 90_000], ['5m', 300_000], ['1h30m', 5_400_000], ['2h', 7_200_000],
    ['1.5s', 1500], ['2H', 7_200_000], ['1h1m1s1ms', 3_661_001], ['0ms', 0]];
  for (const field of DURATION_FIELDS) {
    for (const [written, ms] of cases) {
      assert.deepEqual(shape(parse(`${field}:>=${written}`)), { kind: 'number', field, op: '>=', value: ms }, `${field}:${written}`);
    }
  }
  assert.deepEqual(shape(parse('took:250ms')), { kind: 'number', field: 'took', op: '=', value: 250 });
});

test('times: ISO dates and times (UTC unless zoned), relative to now', () => {
  const t = (q: string) => shape(parse(q));
  assert.deepEqual(t('after:2026-11-05'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 5) });
  assert.deepEqual(t('before:2026-12-01T12:00'), { kind: 'time', field: 'before', to: Date.UTC(2026, 11, 1, 12) });
  assert.deepEqual(t('after:2026-11-05T14:30'), t('after:2026-11-05T14:30Z'), 'no zone is UTC');
  assert.deepEqual(t('after:2026-11-05t14:30:15.25z'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 5, 14, 30, 15, 250) });
  assert.deepEqual(t('after:2026-11-05T14:30+02:00'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 5, 12, 30) });
  assert.deepEqual(t('after:2026-11-05T14:30-01:30'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 5, 16, 0) });
  assert.deepEqual(t('after:"2026-11-05 14:30"'), t('after:2026-11-05T14:30'));
  assert.deepEqual(t('after:2024-02-29'), { kind: 'time', field: 'after', from: Date.UTC(2024, 1, 29) });
  assert.deepEqual(t('on:2026-11-05'), { kind: 'time', field: 'on', from: Date.UTC(2026, 10, 5), to: Date.UTC(2026, 10, 6) });

  assert.deepEqual(t('after:-7d'), { kind: 'time', field: 'after', from: NOW - 7 * DAY });
  assert.deepEqual(t('after:-24h'), { kind: 'time', field: 'after', from: NOW - DAY });
  assert.deepEqual(t('after:-30m'), { kind: 'time', field: 'after', from: NOW - 1_800_000 });
  assert.deepEqual(t('after:-2w'), { kind: 'time', field: 'after', from: NOW - 14 * DAY });
  assert.deepEqual(t('before:now'), { kind: 'time', field: 'before', to: NOW });
  assert.deepEqual(t('after:Today'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 5) });
  assert.deepEqual(t('after:yesterday'), { kind: 'time', field: 'after', from: Date.UTC(2026, 10, 4) });
  assert.deepEqual(t('on:today'), { kind: 'time', field: 'on', from: Date.UTC(2026, 10, 5), to: Date.UTC(2026, 10, 6) });
  assert.deepEqual(t('on:yesterday'), { kind: 'time', field: 'on', from: Date.UTC(2026, 10, 4), to: Date.UTC(2026, 10, 5) });
  assert.deepEqual(t('on:-7d'), { kind: 'time', field: 'on', from: Date.UTC(2026, 9, 29), to: Date.UTC(2026, 9, 30) });

  const later = Date.UTC(2027, 0, 1, 0, 5);
  assert.deepEqual(shape(parseQuery('after:yesterday', { now: later })), { kind: 'time', field: 'after', from: Date.UTC(2026, 11, 31) });
  const before = Date.now();
  const fromDefault = parseQuery('after:-1h');
  assert.ok(fromDefault.kind === 'time' && fromDefault.from! >= before - 3_600_000 && fromDefault.from! <= Date.now() - 3_600_000, 'now defaults to Date.now()');
});

test('keywords in any case, NOT and -, parentheses', () => {
  const a = word('a', 0);
  assert.deepEqual(shape(parse('a and b')), shape(parse('a b')));
  assert.deepEqual(shape(parse('a Or b')), shape(parse('a OR b')));
  assert.deepEqual(shape(parse('not a')), shape(parse('-a')));
  assert.deepEqual(parse('-a'), { kind: 'not', item: word('a', 1), start: 0, end: 2 });
  assert.deepEqual(parse('NOT  a'), { kind: 'not', item: word('a', 5), start: 0, end: 6 });
  assert.deepEqual(parse('--a'), { kind: 'not', item: { kind: 'not', item: word('a', 2), start: 1, end: 3 }, start: 0, end: 3 });
  assert.deepEqual(parse('(a)'), word('a', 1), 'a parenthesised term keeps its own span');
  assert.deepEqual(parse('(a b) c'), {
    kind: 'and', items: [{ kind: 'and', items: [word('a', 1), word('b', 3)], start: 0, end: 5 }, word('c', 6)], start: 0, end: 7,
  });
  assert.deepEqual(parse('-(a OR b)'), { kind: 'not', item: { kind: 'or', items: [word('a', 2), word('b', 7)], start: 1, end: 9 }, start: 0, end: 9 });
  assert.deepEqual(parse('-"x y"'), { kind: 'not', item: word('x y', 1, { phrase: true, end: 6 }), start: 0, end: 6 });
  assert.deepEqual(parse('a'), a);
});

test('precedence: NOT > THEN > AND > OR', () => {
  const s = (q: string) => shape(parse(q));
  const w = (value: string) => ({ kind: 'text', field: null, value, phrase: false, prefix: false });
  const and = (...items: unknown[]) => ({ kind: 'and', items });
  const or = (...items: unknown[]) => ({ kind: 'or', items });
  const then = (...steps: unknown[]) => ({ kind: 'then', steps });
  const not = (item: unknown) => ({ kind: 'not', item });
  assert.deepEqual(s('a b OR c'), or(and(w('a'), w('b')), w('c')));
  assert.deepEqual(s('a OR b c'), or(w('a'), and(w('b'), w('c'))));
  assert.deepEqual(s('a OR b AND c OR d'), or(w('a'), and(w('b'), w('c')), w('d')));
  assert.deepEqual(s('a b THEN c'), and(w('a'), then(w('b'), w('c'))));
  assert.deepEqual(s('a THEN b OR c'), or(then(w('a'), w('b')), w('c')));
  assert.deepEqual(s('-a THEN b'), then(not(w('a')), w('b')));
  assert.deepEqual(s('NOT a b'), and(not(w('a')), w('b')));
  assert.deepEqual(s('a THEN -b'), then(w('a'), not(w('b'))));
  assert.deepEqual(s('(a OR b) THEN c'), then(or(w('a'), w('b')), w('c')));
  assert.deepEqual(s('a AND (b OR c)'), and(w('a'), or(w('b'), w('c'))));
  assert.deepEqual(s('NOT (a THEN b)'), not(then(w('a'), w('b'))));
});

test('sequences: A then B then C is one n-step sequence', () => {
  assert.deepEqual(parse('login then typed:iban THEN status:>=500'), {
    kind: 'then',
    steps: [
      word('login', 0),
      { kind: 'text', field: 'typed', value: 'iban', phrase: false, prefix: false, start: 11, end: 21 },
      { kind: 'number', field: 'status', op: '>=', value: 500, start: 27, end: 39 },
    ],
    start: 0,
    end: 39,
  });
  assert.deepEqual(shape(parse('(a THEN b) THEN c')), { kind: 'then', steps: [shape(parse('a THEN b')), shape(parse('c'))] }, 'explicit grouping is kept');
});

test('every error names the problem and points at the offending character', () => {
  const cases: [string, number, RegExp][] = [
    ['', 0, /empty/],
    ['   ', 0, /empty/],
    ['stauts:500', 0, /^unknown field "stauts": did you mean status\?$/],
    ['a STATSU:500', 2, /did you mean status\?/],
    ['urll:/x', 0, /did you mean url\?/],
    ['foo:bar', 0, /unknown field "foo"; fields are text, typed.*quote it/],
    ['http://bank.example', 0, /unknown field "http"/],
    ['status:', 7, /"status:" needs a value.*status:500/],
    ['status: 500', 7, /needs a value/],
    ['(url:)', 5, /"url:" needs a value/],
    ['status:>', 8, /needs a value/],
    ['status:(500 OR 404)', 7, /cannot take a group.*\(status:a OR status:b\)/],
    ['(a b', 0, /unbalanced "\("/],
    ['a (b (c)', 2, /unbalanced "\("/],
    ['(', 0, /unbalanced "\("/],
    ['a b)', 3, /unbalanced "\)"/],
    [')', 0, /unbalanced "\)"/],
    ['a () b', 2, /empty parentheses/],
    ['"abc', 0, /unbalanced quote/],
    ['text:"abc', 5, /unbalanced quote/],
    ['a "b\\"', 2, /unbalanced quote/],
    ['"b\\', 0, /unbalanced quote/],
    ['AND a', 0, /"AND" needs a term before it/],
    ['a AND', 2, /"AND" needs a term after it/],
    ['a or', 2, /"or" needs a term after it/],
    ['a THEN', 2, /"THEN" needs a term after it/],
    ['then a', 0, /"then" needs a term before it/],
    ['a NOT', 2, /"NOT" needs a term after it/],
    ['NOT', 0, /"NOT" needs a term after it/],
    ['a AND OR b', 6, /expected a term after "AND", found "OR"/],
    ['a NOT OR b', 6, /expected a term after "NOT", found "OR"/],
    ['(OR a)', 1, /"OR" needs a term before it/],
    ['(a AND)', 3, /"AND" needs a term after it/],
    ['a -', 2, /"-" must be followed directly/],
    ['- a', 0, /"-" must be followed directly/],
    ['(a -)', 3, /"-" must be followed directly/],
    ['status:abc', 7, /expected an HTTP status/],
    ['status:50', 7, /100 to 999/],
    ['status:5000', 7, /100 to 999/],
    ['status:5x', 7, /class such as 5xx/],
    ['status:0xx', 7, /class such as 5xx/],
    ['status:50a', 9, /expected an HTTP status/],
    ['status:>5xx', 7, /takes no comparison/],
    ['pages:ten', 6, /whole number/],
    ['pages:1.5', 7, /whole number/],
    ['pages:1234567890', 6, /too large/],
    ['score:101', 6, /whole number from 0 to 100/],
    ['score:high', 6, /whole number/],
    ['duration:90', 11, /needs a unit: use ms, s, m or h/],
    ['took:5y', 6, /unknown duration unit "y"/],
    ['took:30m1h', 8, /largest first/],
    ['took:1s1s', 7, /largest first/],
    ['took:>fast', 6, /expected a duration/],
    ['active:1h30', 11, /expected a unit after 30/],
    ['took:1.s', 6, /unknown duration unit|expected a unit/],
    ['after:2026-13-01', 11, /month 13 is out of range/],
    ['after:2026-02-30', 14, /day 30 is out of range/],
    ['after:2025-02-29', 14, /day 29 is out of range/],
    ['after:2026-11-05T25:00', 17, /hour 25/],
    ['after:2026-11-05T14:60', 20, /minute 60/],
    ['after:2026-11-5', 14, /expected a date such as 2026-11-05/],
    ['after:2026-11-05X', 16, /expected a date/],
    ['after:2026-11-05T14', 19, /expected a date/],
    ['after:05/11/2026', 6, /expected a date/],
    ['after:-7', 8, /needs a unit: use m, h, d or w/],
    ['after:-7y', 8, /unknown unit "y"/],
    ['after:-x', 7, /back from now/],
    ['before:1969-12-31', 7, /out of range \(1970 to 9999\)/],
    ['after:-99999999d', 6, /out of range/],
    ['on:2026-11-05T10:00', 3, /"on:" takes a day/],
    ['after:>2026-11-05', 6, /takes no comparison/],
    ['url:*', 4, /at least one character before it/],
    ['*', 0, /at least one character before it/],
    ['a*b', 1, /only works at the end of a word/],
    ['pay**', 3, /only works at the end of a word/],
    ['channel:web*', 11, /prefix search.*not on channel:/],
    ['status:5*', 8, /prefix search/],
    ['channel:>web', 8, /takes no comparison; comparisons work on status, pages/],
    ['text:=x', 5, /takes no comparison/],
    ['text:""', 5, /needs a value, not an empty string/],
    ['a "  "', 2, /empty phrase/],
  ];
  for (const [q, position, message] of cases) {
    const err = parseError(q);
    assert.equal(err.position, position, `${JSON.stringify(q)}: ${err.message}`);
    assert.match(err.message, message, JSON.stringify(q));
    assert.equal(err.code, 'QUERY_INVALID');
    assert.deepEqual(err.info(), { code: 'QUERY_INVALID', message: err.message, position });
    assert.ok(err instanceof Error && err.name === 'QueryError');
  }
});

test('limits: length, nesting depth, term count', () => {
  const long = 'a'.repeat(MAX_QUERY_LENGTH + 1);
  assert.equal(parseError(long).position, MAX_QUERY_LENGTH);
  assert.match(parseError(long).message, /2001 characters long; the limit is 2,000/);
  assert.deepEqual(parse('a'.repeat(MAX_QUERY_LENGTH)), word('a'.repeat(MAX_QUERY_LENGTH), 0));

  const nested = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
  assert.deepEqual(shape(parse(nested(MAX_DEPTH))), shape(parse('a')));
  assert.equal(parseError(nested(MAX_DEPTH + 1)).position, MAX_DEPTH);
  assert.match(parseError(nested(MAX_DEPTH + 1)).message, /nests more than 16 levels/);
  assert.equal(parseError(`${'-'.repeat(MAX_DEPTH + 1)}a`).position, MAX_DEPTH);
  assert.equal(parse(`${'-'.repeat(MAX_DEPTH)}a`).kind, 'not');
  assert.equal(parseError('NOT ('.repeat(9) + 'a' + ')'.repeat(9)).position, 40, 'the 17th level is the ninth ( after eight NOT ( pairs');

  const terms = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`).join(' ');
  const ok = parse(terms(MAX_TERMS));
  assert.ok(ok.kind === 'and' && ok.items.length === 64);
  const sixtyFifth = terms(MAX_TERMS).length + 1;
  assert.equal(parseError(terms(MAX_TERMS + 1)).position, sixtyFifth);
  assert.match(parseError(terms(MAX_TERMS + 1)).message, /more than 64 terms/);
  assert.equal(MAX_TERMS, 64);
});

test('hostile input fails fast', () => {
  const hostile = [
    '('.repeat(2000), ')'.repeat(2000), '"'.repeat(2000), '"'.repeat(1999), '\\'.repeat(2000), '-'.repeat(2000),
    'NOT '.repeat(500), 'a:'.repeat(1000), 'status:'.repeat(285), `"${'\\"'.repeat(999)}`, '*'.repeat(2000),
    `${'x'.repeat(1995)}:abc`, 'a OR '.repeat(400), 'a THEN '.repeat(285), '😀'.repeat(1000), '\u00a0'.repeat(2000),
  ];
  const started = process.cpuUsage();
  let failed = 0;
  for (const q of hostile) {
    assert.equal(q.length <= 2000, true);
    try {
      parse(q);
    } catch (err) {
      assert.ok(err instanceof QueryError);
      assert.ok(err.position >= 0 && err.position <= q.length, JSON.stringify(q.slice(0, 20)));
      assert.ok(err.message.length < 400, 'messages quote the input only briefly');
      failed++;
    }
  }
  assert.equal(failed, hostile.length - 2, 'all but the word of backslashes and the word of emoji are refused');
  assert.ok(cpuMsSince(started) < 200, 'each in well under a millisecond or so');
});

test('fuzz: 20,000 query-ish strings parse or fail with a QueryError inside the text', () => {
  const queries = fuzzQueries(20_000, 13);
  const started = process.cpuUsage();
  let parsed = 0;
  const positions = new Set<number>();
  for (const q of queries) {
    try {
      const node = parseQuery(q, { now: NOW });
      parsed++;
      assert.ok(node.start >= 0 && node.end <= q.length && node.start < node.end, JSON.stringify(q));
    } catch (err) {
      if (!(err instanceof QueryError)) throw new Error(`${JSON.stringify(q)} threw ${String(err)}`);
      assert.ok(Number.isInteger(err.position) && err.position >= 0 && err.position <= q.length, `${JSON.stringify(q)} → ${err.position}`);
      assert.ok(err.message.length > 0);
      positions.add(err.position);
    }
  }
  const elapsed = cpuMsSince(started);
  assert.ok(elapsed < 5000, `took ${elapsed} ms of CPU`);
  assert.ok(parsed > 1000 && parsed < 19_000, `both outcomes are exercised (${parsed} parsed)`);
  assert.ok(positions.size > 20);
});

/**
 * CPU milliseconds this process used since `from`: a bound against a runaway parse (backtracking) that a busy machine
 * cannot trip, as wall-clock time can (the fuzz run took 7.7 s of wall clock for 0.6 s of work at load 20).
 */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}
