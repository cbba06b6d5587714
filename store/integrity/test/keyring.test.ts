import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { Level } from 'level';
import { isVerbatimError } from '../../errors';
import { LevelStore } from '../../level-store';
import { batch, event, sessionInit } from '../../test/contract';
import { verifyStore } from '../verify';

const root = await mkdtemp(join(tmpdir(), 'verbatim-keyring-'));
after(() => rm(root, { recursive: true, force: true }));

describe('encryption at rest (per-session keys)', () => {
  it('stores events encrypted, reads them back, verifies, and cannot be read without the keyring or after erasure', async () => {
    const keys = join(root, 'keys');
    const keyringDir = join(keys, 'keyring');
    const open = async (ring: string) => {
      const s = new LevelStore(join(root, 'store'), { integrity: { keysDir: keys, keyringDir: ring, sealIntervalMs: 0 } });
      await s.open();
      return s;
    };
    const store = await open(keyringDir);
    await store.createSession(sessionInit('alice', 1_000));
    const b = batch('alice', 'p1', 0, [event(1_000, 3, { text: 'IBAN GB33BUKB20201555555555' })]);
    await store.appendEvents(b);
    assert.deepEqual(await store.readEvents('alice'), [b]);
    await store.close();
    assert.equal((await readdir(keyringDir)).length, 1);

    // The stored chunk is AES-GCM: neither plain nor deflated JSON.
    const db = new Level<string, Uint8Array>(join(root, 'store'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    const [[, value]] = await db.iterator({ gte: 'e!', lt: 'e"' }).all() as [string, Uint8Array][];
    await db.close();
    assert.equal(value![0], 2);
    assert.throws(() => inflateRawSync(value!.subarray(1)));
    assert.deepEqual((await verifyStore(join(root, 'store'), { keysDir: keys })).problems, []);

    // A copy of the store without the keyring reveals nothing.
    const stranger = await open(join(root, 'empty-keyring'));
    await assert.rejects(stranger.readEvents('alice'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await stranger.close();

    // Erasure destroys the key: even an old backup of the store stays unreadable.
    await cp(join(root, 'store'), join(root, 'backup'), { recursive: true });
    const again = await open(keyringDir);
    await (await again.records()).eraseSession('alice', { reason: 'request' });
    await again.close();
    assert.deepEqual(await readdir(keyringDir), []);
    const backup = new LevelStore(join(root, 'backup'), { integrity: { keysDir: join(root, 'other-keys'), keyringDir, sealIntervalMs: 0 } });
    await backup.open();
    await assert.rejects(backup.readEvents('alice'), (e) => isVerbatimError(e, 'BLOB_MISSING'));
    await backup.close();
  });
});
