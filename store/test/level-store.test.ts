import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isVerbatimError, LevelStore, openStore } from '../index';
import type { LevelStoreOptions } from '../index';
import { batch, capture, describeStoreContract, event, rejectsWith, sessionInit, sha256, text } from './contract/index';

const root = await mkdtemp(join(tmpdir(), 'verbatim-level-store-'));
let dirCounter = 0;
const freshDir = (): string => join(root, `db-${(dirCounter += 1)}`);

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describeStoreContract('LevelStore', async (options) => {
  const dir = freshDir();
  const sharedStateDir = `${dir}-shared`;
  return {
    store: new LevelStore(dir, { ...options, sharedStateDir }),
    cleanup: async () => { await rm(dir, { recursive: true, force: true }); await rm(sharedStateDir, { recursive: true, force: true }); },
    reopen: (again) => new LevelStore(dir, { ...again, sharedStateDir }),
  };
});

/** A store whose next `failures` batch writes fail, counting batches as they go. */
function faultyStore(options: LevelStoreOptions = {}): { store: LevelStore; failNext: (n?: number) => void; batches: () => number } {
  let failures = 0;
  let batches = 0;
  const store = new LevelStore(freshDir(), {
    ...options,
    beforeWrite: () => {
      batches += 1;
      if (failures > 0) {
        failures -= 1;
        throw new Error('simulated disk failure');
      }
    },
  });
  return { store, failNext: (n = 1) => { failures += n; }, batches: () => batches };
}

describe('LevelStore (LevelDB specifics)', () => {
  it('keeps everything across close and reopen', async () => {
    const dir = freshDir();
    const first = await openStore(dir);
    const digest = await first.putBlob(text(5_000), { compress: true });
    const cap = capture('https://bank.example/', 1_000, digest, 's');
    await first.createSession(sessionInit('s', 900));
    await first.putCapture(cap);
    const b = batch('s', 'p', 0, [event(1_000), event(1_100)]);
    const session = await first.appendEvents(b);
    await first.close();

    const second = new LevelStore(dir);
    await second.open();
    try {
      assert.ok(Buffer.from((await second.getBlob(digest))!).equals(Buffer.from(text(5_000))));
      assert.deepEqual(await second.findCapture({ url: cap.url, at: 2_000, sessionId: 's' }), cap);
      assert.deepEqual(await second.getSession('s'), session);
      assert.deepEqual(await second.readEvents('s'), [b]);
      // The resend marker survives too.
      assert.deepEqual(await second.appendEvents(b), session);
      // Reopening the same instance works as well.
      await second.close();
      await second.open();
      assert.equal(await second.hasBlob(digest), true);
    } finally {
      await second.close();
    }
  });

  it('stores compressible text smaller when asked to compress', async () => {
    const body = text(2 * 1024 * 1024, 7);
    const usage = async (compress: boolean): Promise<number> => {
      const store = await openStore(freshDir());
      try {
        const before = await store.diskUsage();
        await store.putBlob(body, { compress });
        return (await store.diskUsage()) - before;
      } finally {
        await store.close();
      }
    };
    const raw = await usage(false);
    const deflated = await usage(true);
    assert.ok(raw >= body.byteLength, `raw blob takes ${raw} bytes`);
    assert.ok(deflated < raw / 2, `deflated ${deflated} vs raw ${raw}`);
  });

  it('stores incompressible bytes raw even when asked to compress', async () => {
    const store = await openStore(freshDir());
    try {
      const noise = new Uint8Array(randomBytes(100_000));
      const digest = await store.putBlob(noise, { compress: true });
      assert.ok(Buffer.from((await store.getBlob(digest))!).equals(Buffer.from(noise)));
    } finally {
      await store.close();
    }
  });

  it('rejects a failed write with STORE_WRITE_FAILED, writes nothing of it, and keeps working', async () => {
    const { store, failNext } = faultyStore();
    await store.open();
    try {
      const bytes = text(1_000, 3);
      failNext();
      await assert.rejects(store.putBlob(bytes), (err: unknown) => {
        assert.ok(isVerbatimError(err, 'STORE_WRITE_FAILED'));
        assert.match(String((err as Error).cause), /simulated disk failure/);
        return true;
      });
      assert.equal(await store.hasBlob(sha256(bytes)), false, 'a failed blob is not remembered as stored');
      await rejectsWith(store.putCapture(capture('https://bank.example/x', 1, sha256(bytes))), 'BLOB_MISSING');
      assert.equal(await store.putBlob(bytes), sha256(bytes));
      assert.equal(await store.hasBlob(sha256(bytes)), true);

      await store.createSession(sessionInit('s', 1));
      const b = batch('s', 'p', 0, [event(10), event(20)]);
      failNext();
      await rejectsWith(store.appendEvents(b), 'STORE_WRITE_FAILED');
      assert.deepEqual(await store.readEvents('s'), []);
      assert.equal((await store.getSession('s'))?.eventCount, 0);
      assert.equal((await store.appendEvents(b)).eventCount, 2, 'the retry is not mistaken for a resend');

      failNext();
      await rejectsWith(store.putCapture(capture('https://bank.example/y', 5, null, 's')), 'STORE_WRITE_FAILED');
      assert.equal(store.health().state !== 'closed', true);
      assert.equal(await store.latestCapture('https://bank.example/y'), undefined);
      assert.deepEqual(await store.listCaptures('s'), []);
    } finally {
      await store.close();
    }
  });

  it('fails cleanly when the database is closed under a write', async () => {
    const dir = freshDir();
    let db: { close(): Promise<void> } | undefined;
    const store = new LevelStore(dir, {
      beforeWrite: async () => {
        // Reach the underlying handle the way a crash would: close it mid-flight.
        if (db) await db.close();
      },
    });
    await store.open();
    db = (store as unknown as { db: { close(): Promise<void> } }).db;
    await rejectsWith(store.putBlob(text(100)), 'STORE_WRITE_FAILED');
    db = undefined;
    await store.close();
    await store.open();
    try {
      assert.equal(await store.hasBlob(sha256(text(100))), false);
      assert.equal(await store.putBlob(text(100)), sha256(text(100)));
    } finally {
      await store.close();
    }
  });

  it('coalesces concurrent writes into few batches', async () => {
    const { store, batches } = faultyStore();
    await store.open();
    try {
      await store.createSession(sessionInit('s', 1));
      const bodies = Array.from({ length: 200 }, (_, i) => text(2_000, i + 1));
      await Promise.all(bodies.map(async (body, i) => {
        const digest = await store.putBlob(body, { compress: true });
        await store.putCapture(capture(`https://bank.example/r${i}`, 1_000 + i, digest, 's'));
      }));
      assert.ok(batches() < 100, `400 writes took ${batches()} batches`);
      assert.equal((await store.listCaptures('s')).length, 200);
    } finally {
      await store.close();
    }
  });

  it('does not rewrite a blob it knows, and accepts a capture racing its blob', async () => {
    const { store, batches } = faultyStore();
    await store.open();
    try {
      const body = text(4_000, 11);
      const racing = capture('https://bank.example/race', 1, sha256(body));
      // Not awaited in between: the capture waits for the blob's write.
      await Promise.all([store.putBlob(body), store.putCapture(racing)]);
      const large = text(2 * 1024 * 1024, 12); // hashed off-thread
      const racingLarge = capture('https://bank.example/race-large', 2, sha256(large));
      await Promise.all([store.putBlob(large, { compress: true }), store.putCapture(racingLarge)]);
      assert.deepEqual(await store.latestCapture(racingLarge.url), racingLarge);
      const written = batches();
      await store.putBlob(body);
      await store.putBlob(body, { compress: true });
      assert.equal(batches(), written);
      assert.deepEqual(await store.latestCapture(racing.url), racing);
    } finally {
      await store.close();
    }
  });

  it('refuses to open a directory another store holds', async () => {
    const dir = freshDir();
    const holder = await openStore(dir);
    try {
      await rejectsWith(openStore(dir), 'STORE_NOT_OPEN');
    } finally {
      await holder.close();
    }
  });

  it('reports disk usage that grows with data', async () => {
    const store = await openStore(freshDir());
    try {
      const before = await store.diskUsage();
      await store.putBlob(new Uint8Array(300_000).map((_, i) => (i * 7919) % 251));
      assert.ok((await store.diskUsage()) >= before + 300_000);
    } finally {
      await store.close();
    }
  });
});
