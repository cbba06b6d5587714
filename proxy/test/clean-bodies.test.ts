/**
 * A shared body read once and found clean is not read again (clean-bodies.ts) — but only the very same bytes: a
 * look-alike of the same size and type that hides a card number is read and masked, and a body the store no longer
 * holds is prepared and written again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { IngestPipeline } from '../ingest/pipeline';
import { IngestWorkers } from '../ingest/ingest-workers';
import type { RawExchange } from '../ingest/raw-exchange';
import { DEFAULT_POLICY } from '../masking/index';
import { MemoryStore } from '../../store/memory/memory-store';

const PAN = '4111111111111111';

function exchange(url: string, bytes: Buffer): RawExchange {
  const now = Date.now();
  return {
    method: 'GET', url, status: 200, headers: [['content-type', 'application/octet-stream']],
    startedAt: now, headersAt: now, endedAt: now, body: { bytes, truncated: false },
  };
}

/** Counts the bodies sent to the worker (IngestWorkers.prepare). */
function countPrepared(): { count: () => number; restore: () => void } {
  const original = IngestWorkers.prototype.prepare;
  let n = 0;
  IngestWorkers.prototype.prepare = function (job) {
    if (job.body) n += 1;
    return original.call(this, job);
  };
  return { count: () => n, restore: () => { IngestWorkers.prototype.prepare = original; } };
}

describe('clean shared bodies', () => {
  it('reads the same bytes once, a same-sized look-alike with a card number again (masked), and rewrites a body the store lost', async () => {
    const store = new MemoryStore();
    await store.open();
    const ingest = new IngestPipeline({ store, masking: DEFAULT_POLICY, worker: false });
    const spy = countPrepared();
    try {
      const asset = randomBytes(64 * 1024);
      // Printable filler, so the look-alike's card number reads as one.
      asset.fill(0x41, 1000, 1100);
      for (let i = 0; i < 5; i++) {
        ingest.capture(exchange(`https://bank.test/logo.bin?v=${i}`, Buffer.from(asset)));
        await ingest.drain();
      }
      assert.equal(spy.count(), 1, 'the same bytes at five URLs: read once');

      const lookAlike = Buffer.from(asset);
      lookAlike.write(` ${PAN} `, 1010, 'latin1');
      ingest.capture(exchange('https://bank.test/logo.bin?v=evil', lookAlike));
      await ingest.drain();
      assert.equal(spy.count(), 2, 'different bytes of the same size and type are read');

      const evil = await store.latestCapture('https://bank.test/logo.bin?v=evil');
      assert.ok(evil?.body?.masked, 'the look-alike was masked');
      assert.equal(Buffer.from((await store.getBlob(evil.body.digest))!).includes(PAN), false);

      // Each capture of the clean asset points at the one stored body.
      const clean = await Promise.all([0, 1, 2, 3, 4].map((i) => store.latestCapture(`https://bank.test/logo.bin?v=${i}`)));
      const digests = new Set(clean.map((c) => c?.body?.digest));
      assert.equal(digests.size, 1);
      const [digest] = [...digests] as [string];
      assert.deepEqual(Buffer.from((await store.getBlob(digest))!), asset);

      // The store loses the body (as an erasure's clean-up of unreferenced bodies would): it is read and written again.
      const inside = store as unknown as { data: { blobs: Map<string, Uint8Array> }; blobs: { forget(d: string): void } };
      inside.data.blobs.delete(digest);
      inside.blobs.forget(digest);
      ingest.capture(exchange('https://bank.test/logo.bin?v=again', Buffer.from(asset)));
      await ingest.drain();
      assert.equal(spy.count(), 3, 'a body the store no longer holds is prepared again');
      assert.deepEqual(Buffer.from((await store.getBlob(digest))!), asset);
    } finally {
      spy.restore();
      await ingest.close();
      await store.close();
    }
  });
});
