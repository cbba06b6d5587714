import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chipsOf, formatQuery } from '../query/describe';
import { QueryError } from '../query/parse';
import { fuzzQueries, parse, shape } from './query-helpers';

test('chipsOf: one chip per term, in source order, with its span and whether a NOT applies', () => {
  const q = 'status:>=500 typed:"iban" after:2026-11-05 -channel:Web (a OR -"x y") took:>1h30m status:5xx url:/pay* '
    + 'on:yesterday before:2026-11-05T14:30 NOT -pages:<=3 session:AbC then customer:C-1 active:500ms';
  const chips = chipsOf(parse(q));
  assert.deepEqual(chips.map((c) => [c.label, q.slice(c.start, c.end), c.negated]), [
    ['status ≥ 500', 'status:>=500', false],
    ['typed "iban"', 'typed:"iban"', false],
    ['after 5 Nov 2026', 'after:2026-11-05', false],
    ['channel web', 'channel:Web', true],
    ['"a"', 'a', false],
    ['"x y"', '"x y"', true],
    ['took > 1h 30m', 'took:>1h30m', false],
    ['status 5xx', 'status:5xx', false],
    ['url "/pay…"', 'url:/pay*', false],
    ['on 4 Nov 2026', 'on:yesterday', false],
    ['before 5 Nov 2026 14:30 UTC', 'before:2026-11-05T14:30', false],
    ['pages ≤ 3', 'pages:<=3', false],
    ['session AbC', 'session:AbC', false],
    ['customer C-1', 'customer:C-1', false],
    ['active = 500ms', 'active:500ms', false],
  ]);
  assert.deepEqual(chipsOf(parse('-(status:40x OR -status:>=500)')).map((c) => [c.label, c.negated]), [['status 40x', true], ['status ≥ 500', false]]);
  assert.deepEqual(chipsOf(parse('(status:>=500 status:<600)')).map((c) => c.label), ['status ≥ 500', 'status < 600'], 'written out, two chips');
  assert.deepEqual(chipsOf(parse('after:2026-11-05T14:30:15.5')).map((c) => c.label), ['after 5 Nov 2026 14:30:15.500 UTC']);
  assert.deepEqual(chipsOf(parse('x')), [{ label: '"x"', start: 0, end: 1, negated: false }]);
});

test('formatQuery prints the canonical form', () => {
  const cases: [string, string][] = [
    ['a b OR c', 'a b OR c'],
    ['a and (b or c)', 'a (b OR c)'],
    ['(a OR b) c', '(a OR b) c'],
    ['(a b) c', '(a b) c'],
    ['((a))', 'a'],
    ['login then error status:5xx', 'login THEN error status:5xx'],
    ['NOT (a then b)', '-(a THEN b)'],
    ['not a THEN b', '-a THEN b'],
    ['(a then b) then c', '(a THEN b) THEN c'],
    ['(a OR b) THEN (c d)', '(a OR b) THEN (c d)'],
    ['NOT NOT a', '--a'],
    ['-status:5xx', '-status:5xx'],
    ['(status:>=500 status:<600)', 'status:>=500 status:<600'],
    ['url:/payments/*', 'url:/payments/*'],
    ['"x y"* Pay*', '"x y"* Pay*'],
    ['TEXT:"say \\"hi\\" \\\\"', 'text:"say \\"hi\\" \\\\"'],
    ['"a*"', '"a*"'],
    ['STATUS:>=500 status:=404 Status:4xx', 'status:>=500 status:404 status:4xx'],
    ['took:90s duration:>1.5h active:<=1500ms', 'took:1m30s duration:>1h30m active:<=1s500ms'],
    ['after:-7d', 'after:2026-10-29T14:30Z'],
    ['on:yesterday before:today', 'on:2026-11-04 before:2026-11-05'],
    ['before:2026-11-05T14:30+02:00', 'before:2026-11-05T12:30Z'],
    ['after:2026-11-05T00:00 after:2026-11-05T00:00:01.5', 'after:2026-11-05 after:2026-11-05T00:00:01.500Z'],
    ['channel:Web browser:"Mobile Safari" customer:AbC', 'channel:web browser:"mobile safari" customer:AbC'],
    ['channel:"a(b" os:"<x" country:"*" device:"a\\"b"', 'channel:"a(b" os:"<x" country:"*" device:"a\\"b"'],
    ['text:and url:-x', 'text:and url:-x'],
  ];
  for (const [q, canonical] of cases) assert.equal(formatQuery(parse(q)), canonical, q);
});

const ROUND_TRIP = [
  'iban', 'a b c', 'a OR b OR c', 'a (b OR c) d', '-a -b', 'NOT (a OR b)', 'a THEN b THEN c', '(a THEN b) c THEN d',
  '-(a THEN -b) OR (c (d OR e))', 'typed:iban then clicked:"Pay now" then status:5xx', 'text:"5.1 % offer"', '"x"*',
  'url:/payments/* host:api.* path:/a:b', 'error:"Type\\"Error" ws:ping field:iban title:Überweisung',
  'customer:C-42 session:AbC terminal:T1 channel:WEB device:Mobile os:iOS country:ch method:POST browser:"Mobile Safari"',
  'status:500 status:>400 status:<=399 status:40x pages:>10 pages:0', 'duration:>1h30m active:<90s took:>=1.25s took:0ms',
  'after:-7d before:-24h on:today after:yesterday before:now after:-2w after:-30m',
  'after:2026-11-05T14:30:15.250+05:30 before:"2026-12-01 00:00"', 'on:2024-02-29', '10:30 a-b 😀 \\x',
  '(((((a)))))', '((a b)) c', '-(-(a))', '-status:5xx OR (status:4xx pages:<2)',
];

test('formatQuery round trip: what it prints parses back to the same tree, and printing again changes nothing', () => {
  for (const q of ROUND_TRIP) {
    const tree = parse(q);
    const text = formatQuery(tree);
    assert.deepEqual(shape(parse(text)), shape(tree), `${q} → ${text}`);
    assert.equal(formatQuery(parse(text)), text, q);
  }
});

test('formatQuery round trip over the fuzz corpus', () => {
  let checked = 0;
  let composite = 0;
  for (const q of fuzzQueries(20_000, 7)) {
    let tree;
    try {
      tree = parse(q);
    } catch (err) {
      assert.ok(err instanceof QueryError);
      continue;
    }
    const text = formatQuery(tree);
    assert.deepEqual(shape(parse(text)), shape(tree), `${JSON.stringify(q)} → ${JSON.stringify(text)}`);
    assert.equal(formatQuery(parse(text)), text);
    for (const chip of chipsOf(tree)) assert.ok(chip.start >= 0 && chip.end <= q.length && chip.start < chip.end && chip.label);
    checked++;
    if (tree.kind !== 'text' && tree.kind !== 'keyword') composite++;
  }
  assert.ok(checked > 3000 && composite > 1000, `${checked} parsed, ${composite} with operators`);
});
