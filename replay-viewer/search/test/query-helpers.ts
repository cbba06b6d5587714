/** Shared by the query tests: a fixed clock, span-free comparison, and the fuzz corpus generator. */
import assert from 'node:assert/strict';
import type { QueryNode } from '../query/ast';
import { parseQuery, QueryError } from '../query/parse';

/** Thursday 5 Nov 2026, 14:30 UTC. */
export const NOW = Date.UTC(2026, 10, 5, 14, 30);
export const parse = (q: string): QueryNode => parseQuery(q, { now: NOW });

/** The tree without source positions: what a round trip through formatQuery must preserve. */
export function shape(node: QueryNode): unknown {
  return JSON.parse(JSON.stringify(node, (key, value) => (key === 'start' || key === 'end' ? undefined : value)));
}

export function parseError(q: string): QueryError {
  try {
    parse(q);
  } catch (err) {
    assert.ok(err instanceof QueryError, `${JSON.stringify(q)} threw ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(q.slice(0, 60))} parsed`);
}

const FRAGMENTS = [
  '"', '"', '(', ')', ':', '-', '*', '\\', ' ', ' ', ' ', '  ', '\t', '\u00a0', '\u3000', 'AND', 'and', 'OR', 'or', 'Not',
  'NOT', 'then', 'THEN', 'status:', 'status:>=', 'STATUS:<', 'status:5xx', 'pages:>', 'url:', 'host:api.', 'text:',
  'typed:', 'after:', 'before:', 'on:', 'duration:', 'took:>', 'active:<=', 'channel:', 'customer:', 'browser:=',
  'stauts:', 'foo:', '-7d', '-24h', 'today', 'yesterday', '2026-11-05', 'T14:30', 'Z', '90s', '1h30m', '500ms',
  '500', '4', 'x', 'xx', '=', '>', '<', '>=', 'a', 'iban', 'Pay', 'é', 'ü', '😀', '\ud800', '%', '/', '.', '5.1',
];

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole terms and operators, for strings that often parse and so exercise the tree and the round trip. */
const TERMS = [
  'a', 'iban', 'Pay*', '"5.1 % offer"', '"say \\"hi\\""*', 'text:x', 'typed:"iban"', 'url:/payments/*', 'host:api.*', 'title:Überweisung',
  'ws:ping', 'field:iban', 'error:"TypeError"', 'clicked:submit', 'path:/a', 'channel:Web', 'customer:C-42', 'session:AbC',
  'terminal:T1', 'device:mobile', 'browser:"Mobile Safari"', 'os:iOS', 'country:CH', 'method:post', 'status:500',
  'status:>=400', 'status:5xx', 'status:40x', 'pages:>10', 'pages:<=2', 'duration:>1h30m', 'active:<90s', 'took:>=500ms',
  'took:1.5s', 'after:-7d', 'after:2026-11-05', 'before:2026-11-05T14:30:15Z', 'before:now', 'on:yesterday', 'on:today',
  'after:-24h', 'AND', 'OR', 'NOT', 'THEN', 'and', 'or', 'then', '(', '(', ')', ')', '-a', '-(', '-status:5xx', '😀', 'é',
];

/**
 * `count` query-ish strings: half glue 0-24 fragments together (some raw random code units mixed in), half space
 * whole terms and operators apart.
 */
export function fuzzQueries(count: number, seed: number): string[] {
  const next = random(seed);
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const parts: string[] = [];
    const length = Math.floor(next() * 25);
    const spaced = n % 2 === 1;
    for (let i = 0; i < length; i++) {
      if (spaced) parts.push(TERMS[Math.floor(next() * TERMS.length)]);
      else parts.push(next() < 0.05 ? String.fromCharCode(Math.floor(next() * 0x10000)) : FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]);
    }
    out.push(parts.join(spaced ? ' ' : ''));
  }
  return out;
}
