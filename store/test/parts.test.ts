import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CODEC_DEFLATE_RAW, CODEC_RAW, decodeValue, encodeValue } from '../blob-codec';
import { DeflateWorker } from '../deflate-worker';
import { KeyedSerializer } from '../keyed-serializer';
import { captureByUrlKey, capturesOfUrl, capturesOfUrlAfter, capturesOfUrlUpTo, padTime } from '../keys';
import { LruSet } from '../lru-set';
import { WriteQueue } from '../write-queue';
import type { WriteOp } from '../write-queue';
import { text } from './contract';

const inRange = (key: string, range: { gte: string; lt: string }): boolean => key >= range.gte && key < range.lt;

describe('keys', () => {
  it('pads times so string order is time order', () => {
    assert.equal(padTime(1_700_000_000_123), '001700000000123');
    assert.ok(padTime(999) < padTime(1_000));
    assert.equal(padTime(-5), '000000000000000');
    assert.equal(padTime(12.9), padTime(12));
  });

  it('gives each URL its own range, whatever URLs it prefixes', () => {
    const urls = ['/a', '/a?b', '/ab', '/a/', '/a#', '/'];
    for (const url of urls) {
      for (const other of urls) {
        const key = captureByUrlKey(other, 100, 'id');
        assert.equal(inRange(key, capturesOfUrl(url)), url === other, `${other} in range of ${url}`);
      }
    }
  });

  it('splits a URL’s captures at T inclusively', () => {
    const at = (t: number): string => captureByUrlKey('/a', t, 'zzz');
    assert.ok(inRange(at(100), capturesOfUrlUpTo('/a', 100)));
    assert.ok(!inRange(at(101), capturesOfUrlUpTo('/a', 100)));
    assert.ok(inRange(at(101), capturesOfUrlAfter('/a', 100)));
    assert.ok(!inRange(at(100), capturesOfUrlAfter('/a', 100)));
  });
});

describe('WriteQueue', () => {
  it('writes the groups of one tick as one batch', async () => {
    const batches: WriteOp[][] = [];
    const queue = new WriteQueue(async (ops) => { batches.push(ops); });
    const put = (key: string): WriteOp => ({ type: 'put', key, value: new Uint8Array(1) });
    await Promise.all([queue.submit([put('a'), put('b')]), queue.submit([put('c')]), queue.submit([put('d')])]);
    assert.deepEqual(batches.map((b) => b.map((op) => op.key)), [['a', 'b', 'c', 'd']]);
  });

  it('fails only the groups of a failed batch', async () => {
    let calls = 0;
    const queue = new WriteQueue(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    });
    const op: WriteOp = { type: 'del', key: 'k' };
    const first = await Promise.allSettled([queue.submit([op]), queue.submit([op])]);
    assert.deepEqual(first.map((r) => r.status), ['rejected', 'rejected']);
    await queue.submit([op]);
    assert.equal(calls, 2);
  });

  it('splits batches at the byte cap without splitting a group', async () => {
    const sizes: number[] = [];
    const queue = new WriteQueue(async (ops) => { sizes.push(ops.length); }, 100);
    const big = (key: string): WriteOp => ({ type: 'put', key, value: new Uint8Array(60) });
    await Promise.all([queue.submit([big('a'), big('b')]), queue.submit([big('c')]), queue.submit([big('d')])]);
    assert.deepEqual(sizes, [2, 1, 1]);
    await queue.drain();
  });
});

describe('KeyedSerializer', () => {
  it('runs tasks of one key in order, survives failures, and lets keys overlap', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const task = (key: string, name: string, ms: number, fail = false) => serializer.run(key, async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([task('a', 'a1', 20, true), task('a', 'a2', 1), task('b', 'b1', 5)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'fulfilled', 'fulfilled']);
    assert.ok(log.indexOf('end a1') < log.indexOf('start a2'));
    assert.ok(log.indexOf('start b1') < log.indexOf('end a1'));
    assert.equal((serializer as unknown as { tails: Map<string, unknown> }).tails.size, 0, 'finished chains are dropped');
  });
});

describe('LruSet', () => {
  it('forgets the least recently used entry', () => {
    const set = new LruSet(2);
    set.add('a');
    set.add('b');
    assert.ok(set.has('a'));
    set.add('c');
    assert.ok(set.has('a'));
    assert.ok(!set.has('b'));
    assert.equal(set.size, 2);
  });
});

describe('value codec and DeflateWorker', () => {
  it('deflates only when it saves bytes', async () => {
    const compressible = text(10_000);
    const deflated = await encodeValue(compressible, true, 6);
    assert.equal(deflated[0], CODEC_DEFLATE_RAW);
    assert.ok(Buffer.from(await decodeValue(deflated)).equals(Buffer.from(compressible)));
    const noise = new Uint8Array(randomBytes(1_000));
    assert.equal((await encodeValue(noise, true, 6))[0], CODEC_RAW);
    assert.equal((await encodeValue(compressible, false, 6))[0], CODEC_RAW);
    await assert.rejects(decodeValue(new Uint8Array([9, 1, 2])), /codec/);
  });

  it('encodes on the worker like encodeValue, and falls back when the worker dies', async () => {
    const worker = new DeflateWorker();
    try {
      const bodies = Array.from({ length: 20 }, (_, i) => text(5_000 + i, i + 1));
      const values = await Promise.all(bodies.map((b) => worker.encode(b, 1)));
      for (const [i, value] of values.entries()) {
        assert.equal(value[0], CODEC_DEFLATE_RAW);
        assert.ok(Buffer.from(await decodeValue(value)).equals(Buffer.from(bodies[i]!)));
        assert.equal(bodies[i]!.byteLength, 5_000 + i, 'the caller’s bytes are not transferred away');
      }
      const tiny = await worker.encode(new Uint8Array([1, 2, 3]), 1);
      assert.deepEqual([...tiny], [CODEC_RAW, 1, 2, 3]);

      // Kill the thread while jobs are in flight: they finish on async zlib.
      const inFlight = bodies.map((b) => worker.encode(b, 1));
      const thread = (worker as unknown as { worker?: { terminate(): Promise<number> } }).worker;
      await thread?.terminate();
      const after = [...await Promise.all(inFlight), await worker.encode(bodies[0]!, 1)];
      for (const [i, value] of after.entries()) {
        assert.ok(Buffer.from(await decodeValue(value)).equals(Buffer.from(bodies[i % bodies.length]!)));
      }
    } finally {
      await worker.close();
    }
  });
});
