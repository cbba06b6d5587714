/**
 * Existence checks over PostgreSQL asked for in one turn of the event loop share one statement (batched-lookup.ts):
 * counted here from the lookups made, for keys asked together, apart, twice, and a lookup that fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchedLookup } from '../postgres/batched-lookup';

function counted(present: string[], fail = false): { lookup: BatchedLookup<boolean>; calls: string[][] } {
  const calls: string[][] = [];
  const lookup = new BatchedLookup<boolean>(async (keys) => {
    calls.push(keys);
    if (fail) throw new Error('connection lost');
    return new Map(keys.filter((k) => present.includes(k)).map((k) => [k, true]));
  }, false);
  return { lookup, calls };
}

test('keys asked for in one turn are looked up together, each caller gets its own answer', async () => {
  const { lookup, calls } = counted(['a', 'c']);
  const answers = await Promise.all(['a', 'b', 'c', 'a'].map((k) => lookup.get(k)));
  assert.deepEqual(answers, [true, false, true, true]);
  assert.deepEqual(calls, [['a', 'b', 'c']], 'one lookup, each key once');
});

test('keys asked for in later turns are later lookups', async () => {
  const { lookup, calls } = counted(['x']);
  assert.equal(await lookup.get('x'), true);
  assert.equal(await lookup.get('y'), false);
  assert.deepEqual(calls, [['x'], ['y']]);
});

test('a failed lookup fails every caller of its batch, and the next batch is asked again', async () => {
  const { lookup, calls } = counted([], true);
  const results = await Promise.allSettled([lookup.get('a'), lookup.get('b')]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  await assert.rejects(lookup.get('c'), /connection lost/);
  assert.deepEqual(calls, [['a', 'b'], ['c']]);
});
