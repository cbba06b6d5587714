/**
 * The proxy's CA: instances started together over one key directory agree on one pair, and half a pair left by a
 * killed process is refused with a reason rather than replaced (browsers may trust the certificate already there).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { caPaths, loadOrCreateCa } from '../ca';

describe('proxy CA', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(os.tmpdir(), 'verbatim-ca-'));
    dirs.push(d);
    return d;
  };

  it('gives four callers starting at once one CA, its key 0600', async () => {
    const dir = await tempDir();
    const all = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateCa(dir)));
    assert.equal(new Set(all.map((c) => c.certPem)).size, 1);
    assert.equal(new Set(all.map((c) => c.spkiFingerprint)).size, 1);
    assert.equal((await stat(caPaths(dir).keyPath)).mode & 0o777, 0o600);
    assert.equal((await loadOrCreateCa(dir)).certPem, all[0]!.certPem, 'read again, not made again');
  });

  it('refuses half a pair with CONFIG_INVALID instead of making a new CA', async () => {
    const dir = await tempDir();
    const first = await loadOrCreateCa(dir);
    await unlink(first.certPath);
    await assert.rejects(loadOrCreateCa(dir), (err: Error & { code?: string }) => err.code === 'CONFIG_INVALID' && /half of the CA pair/.test(err.message));
  });
});
