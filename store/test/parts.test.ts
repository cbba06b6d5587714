import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CODEC_DEFLATE_RAW, CODEC_RAW, decodeValue, encodeValue } from '../blob-codec';
import { DeflateWorker } from '../deflate-worker';
import { KeyedSerializer } from '../keyed-serializer';
import { MAX_TIME, capturesUpTo, decodeRecord, encodeRecord, indexKeysOf, padTime, capturesAfter } from '../level/keys';
import { LruSet } from '../lru-set';
import type { BackendWrite } from '../base/backend';
import { BlobCache } from '../base/blob-cache';
import { CommitQueue } from '../base/commit-queue';
import { ChainHeads } from '../integrity/chain-heads';
import { text } from './contract/index';

const inRange = (key: string, range: { gte: string; lt: string }): boolean => key >= range.gte && key < range.lt;

describe('LevelDB keys', () => {
  it('pads times so string order is time order', () => {
    assert.equal(padTime(1_700_000_000_123), '001700000000123');
    assert.ok(padTime(999) < padTime(1_000));
    assert.equal(padTime(-5), '000000000000000');
    assert.equal(padTime(12.9), padTime(12));
  });

  const shared = (url: string, at: number): string => indexKeysOf({ id: 'capture//id', kind: 'capture', sessionId: '', at, url, shared: true })
    .find((k) => k.startsWith('u!'))!;

  it('gives each URL its own range, whatever URLs it prefixes', () => {
    const urls = ['/a', '/a?b', '/ab', '/a/', '/a#', '/'];
    for (const url of urls) {
      for (const other of urls) {
        assert.equal(inRange(shared(other, 100), capturesUpTo(url, MAX_TIME)), url === other, `${other} in range of ${url}`);
      }
    }
  });

  it('splits a URL’s captures at T inclusively', () => {
    assert.ok(inRange(shared('/a', 100), capturesUpTo('/a', 100)));
    assert.ok(!inRange(shared('/a', 101), capturesUpTo('/a', 100)));
    assert.ok(inRange(shared('/a', 101), capturesAfter('/a', 100)));
    assert.ok(!inRange(shared('/a', 100), capturesAfter('/a', 100)));
  });

  it('round-trips a record value with its index attributes', () => {
    const record = { id: 'capture/s/c1', kind: 'capture' as const, sessionId: 's', at: 5, url: 'https://x/', shared: true, blobs: ['ab'], value: new Uint8Array([0, 1, 2]) };
    const back = decodeRecord(record.id, encodeRecord(record))!;
    assert.deepEqual({ ...back, value: [...back.value] }, { ...record, value: [0, 1, 2] });
    assert.equal(decodeRecord('x', new Uint8Array([0, 0, 0, 9, 1])), undefined);
  });
});

describe('CommitQueue', () => {
  const record = (id: string, bytes = 1) => ({ id, kind: 'events' as const, sessionId: 's', at: 1, value: new Uint8Array(bytes) });
  const make = (commit: (w: BackendWrite) => Promise<void>, maxBytes?: number, onFailure = (_: unknown) => {}) =>
    new CommitQueue({ commit, blobReferrers: async () => [] }, new ChainHeads(), new BlobCache(10), () => {}, onFailure, maxBytes);

  it('writes the groups of one tick as one write, chained and in order', async () => {
    const writes: BackendWrite[] = [];
    const queue = make(async (w) => { writes.push(w); });
    await Promise.all([queue.submit({ put: [record('a'), record('b')] }), queue.submit({ put: [record('c')] }), queue.submit({ put: [record('d')] })]);
    assert.deepEqual(writes.map((w) => w.put.map((r) => r.id)), [['a', 'b', 'c', 'd']]);
    assert.deepEqual(writes[0]!.links.map((l) => l.index), [0, 1, 2, 3]);
  });

  it('under load (a write landed moments ago) waits its linger for more groups; idle, writes at once', async () => {
    // Long enough that a loaded machine's stall (a GC, another lane's browser: 48 ms seen in CI) cannot pass for it.
    const LINGER = 200;
    const writes: { ids: string[]; at: number }[] = [];
    const queue = new CommitQueue({ commit: async (w) => { writes.push({ ids: w.put.map((r) => r.id), at: performance.now() }); }, blobReferrers: async () => [] },
      new ChainHeads(), new BlobCache(10), () => {}, () => {}, undefined, LINGER);
    const idle = performance.now();
    await queue.submit({ put: [record('a')] });
    assert.ok(writes[0]!.at - idle < LINGER * 0.75, `an idle queue writes at once (${(writes[0]!.at - idle).toFixed(1)} ms)`);
    // Right after a write landed: groups arriving over 15 ms go into one write, sent after the linger.
    const busy = performance.now();
    const first = queue.submit({ put: [record('b')] });
    await new Promise((r) => setTimeout(r, 15));
    await Promise.all([first, queue.submit({ put: [record('c')] })]);
    assert.deepEqual(writes.map((w) => w.ids), [['a'], ['b', 'c']]);
    assert.ok(writes[1]!.at - busy >= LINGER - 5, `the busy write waited its linger (${(writes[1]!.at - busy).toFixed(1)} ms)`);
  });

  it('never puts two groups touching the same record into one write', async () => {
    const writes: BackendWrite[] = [];
    const queue = make(async (w) => { writes.push(w); });
    await Promise.all([queue.submit({ put: [record('a')] }), queue.submit({ put: [record('a')] }), queue.submit({ put: [record('b')] })]);
    assert.deepEqual(writes.map((w) => w.put.map((r) => r.id)), [['a'], ['a', 'b']]);
  });

  it('fails the groups of a failed write, refuses writes until resumed, and keeps chain heads', async () => {
    let calls = 0;
    let failed: unknown;
    const writes: BackendWrite[] = [];
    const queue = make(async (w) => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      writes.push(w);
    }, undefined, (err) => { failed = err; });
    const first = await Promise.allSettled([queue.submit({ put: [record('a')] }), queue.submit({ put: [record('b')] })]);
    assert.deepEqual(first.map((r) => r.status), ['rejected', 'rejected']);
    assert.ok(failed);
    await assert.rejects(queue.submit({ put: [record('c')] }), /recovering/);
    queue.resume();
    await queue.submit({ put: [record('c')] });
    assert.deepEqual(writes[0]!.links.map((l) => l.index), [0], 'the failed write\'s links never counted');
  });

  it('splits writes at the byte cap without splitting a group', async () => {
    const sizes: number[] = [];
    const queue = make(async (w) => { sizes.push(w.put.length); }, 100);
    await Promise.all([queue.submit({ put: [record('a', 60), record('b', 60)] }), queue.submit({ put: [record('c', 60)] }), queue.submit({ put: [record('d', 60)] })]);
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

  it('with a maximum age, forgets an entry added longer ago than that, however often it was used', () => {
    let now = 1_000;
    const set = new LruSet(10, 500, () => now);
    set.add('a');
    now = 1_300;
    set.add('b');
    assert.ok(set.has('a'), 'a is 300 ms old');
    now = 1_500;
    assert.ok(set.has('a'), 'a is 500 ms old: still trusted');
    now = 1_501;
    assert.ok(!set.has('a'), 'a is 501 ms old: a use at 1,300 and 1,500 did not renew it');
    assert.ok(set.has('b'));
    assert.equal(set.size, 1, 'the expired entry is gone, not only hidden');
    set.add('a');
    assert.ok(set.has('a'), 'added again: trusted again');
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
