/**
 * S3ObjectStorage against a real S3 server: Ceph RGW 16.2 on loopback (scripts/rgw-server.sh), one per file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HeadObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { isVerbatimError, type VerbatimError } from '../errors';
import { Limiter } from '../s3/limiter';
import { openObjectStorage, s3OptionsFromUrl } from '../s3/open-object-storage';
import { S3ObjectStorage, type S3ObjectStorageOptions } from '../s3/s3-object-storage';
import { rgwForFile, rgwSkipReason } from '../../test/helpers/rgw-server';

const MIB = 1024 * 1024;
const rgw = rgwForFile();
let buckets = 0;

function options(extra: Partial<S3ObjectStorageOptions> = {}): S3ObjectStorageOptions {
  const { endpoint, accessKey, secretKey } = rgw.server;
  return {
    bucket: `verbatim-test-${++buckets}`, endpoint, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    usageCacheMs: 0, ...extra,
  };
}

function rawClient(): S3Client {
  const { endpoint, accessKey, secretKey } = rgw.server;
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKey, secretAccessKey: secretKey } });
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function rejectsWith(code: string, check: (e: VerbatimError) => void = () => undefined) {
  return (err: unknown) => {
    assert.ok(isVerbatimError(err), `a VerbatimError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    check(err);
    return true;
  };
}

describe('S3ObjectStorage on Ceph RGW', { skip: rgwSkipReason() }, () => {
  it('puts, gets, answers has in order and deletes, bytes exact', async () => {
    const s = await S3ObjectStorage.open(options({ prefix: 'blobs' }));
    try {
      const a = randomBytes(70_001);
      const b = new Uint8Array([0, 255, 10, 13, 0]);
      const view = new Uint8Array(randomBytes(64).buffer, 16, 32); // a view into a larger buffer: only its 32 bytes go up
      await s.put('sha256/aa', a);
      await s.put('chunks/s1/0', b);
      await s.put('empty', new Uint8Array());
      await s.put('view', view);
      assert.deepEqual(Buffer.from((await s.get('sha256/aa'))!), a);
      assert.deepEqual([...(await s.get('chunks/s1/0'))!], [0, 255, 10, 13, 0]);
      assert.equal((await s.get('empty'))!.length, 0);
      assert.deepEqual(Buffer.from((await s.get('view'))!), Buffer.from(view));
      assert.equal(await s.get('sha256/missing'), undefined);
      assert.deepEqual(await s.has(['chunks/s1/0', 'nope', 'sha256/aa', 'sha256/a', 'empty']), [true, false, true, false, true]);
      assert.equal(await s.usage(), 70_001 + 5 + 0 + 32);

      await s.delete(['sha256/aa', 'never-written', 'sha256/aa']);
      assert.equal(await s.get('sha256/aa'), undefined);
      assert.deepEqual(await s.has(['sha256/aa', 'chunks/s1/0']), [false, true]);
      assert.equal(await s.usage(), 5 + 0 + 32);
      // The prefix is where the objects are.
      const head = await rawClient().send(new HeadObjectCommand({ Bucket: `verbatim-test-${buckets}`, Key: 'blobs/chunks/s1/0' }));
      assert.equal(head.ContentLength, 5);

      await assert.rejects(s.put('/absolute', b), rejectsWith('BAD_REQUEST'));
      await assert.rejects(s.get('tab\there'), rejectsWith('BAD_REQUEST'));
    } finally {
      await s.close();
    }
    await assert.rejects(s.get('chunks/s1/0'), rejectsWith('STORE_NOT_OPEN'));
  });

  it('writes a 20 MiB value in 8 MiB parts and reads it back exactly', async () => {
    const s = await S3ObjectStorage.open(options());
    try {
      const big = randomBytes(20 * MIB + 7);
      await s.put('big', big);
      const back = (await s.get('big'))!;
      assert.equal(back.length, big.length);
      assert.equal(sha(back), sha(big));
      // A multipart object's ETag ends in -<parts>: 8 + 8 + 4 MiB.
      const head = await rawClient().send(new HeadObjectCommand({ Bucket: `verbatim-test-${buckets}`, Key: 'big' }));
      assert.match(head.ETag ?? '', /-3"$/);
      assert.equal(await s.usage(), big.length);
    } finally {
      await s.close();
    }
  });

  it('writing the same key twice with the same bytes is harmless; concurrent puts all land', async () => {
    const s = await S3ObjectStorage.open(options({ concurrency: 4 }));
    try {
      const v = randomBytes(1000);
      await s.put('same', v);
      await s.put('same', v);
      await Promise.all([s.put('same', v), s.put('same', v)]);
      assert.equal(sha((await s.get('same'))!), sha(v));
      assert.equal(await s.usage(), 1000);

      const values = Array.from({ length: 60 }, (_, i) => randomBytes(100 + i));
      await Promise.all(values.map((value, i) => s.put(`many/${i}`, value)));
      const back = await Promise.all(values.map((_, i) => s.get(`many/${i}`)));
      assert.deepEqual(back.map((b) => sha(b!)), values.map(sha));
      assert.deepEqual(await s.has(values.map((_, i) => `many/${i}`)), values.map(() => true));
      assert.equal(await s.usage(), 1000 + values.reduce((n, v) => n + v.length, 0));
      await s.delete(values.map((_, i) => `many/${i}`));
      assert.deepEqual(await s.has(['many/0', 'many/59', 'same']), [false, false, true]);
    } finally {
      await s.close();
    }
  });

  it('refuses wrong credentials at open with the status, and never puts the secret in the error', async () => {
    const secret = 'not-the-secret-0123456789abcdefghijklmn';
    await assert.rejects(S3ObjectStorage.open(options({ credentials: { accessKeyId: 'NOBODY', secretAccessKey: secret } })),
      rejectsWith('OBJECT_STORAGE_FAILED', (e) => {
        assert.equal(e.context.status, 403);
        assert.doesNotMatch(JSON.stringify({ message: e.message, context: e.context }), new RegExp(secret));
      }));
  });

  describe('Object Lock (compliance)', () => {
    it('keeps a locked object: delete is refused with OBJECT_LOCKED, the bytes stay readable', async () => {
      const opts = options({ objectLock: { mode: 'COMPLIANCE', retainDays: (key) => (key.startsWith('free/') ? 0 : 1) } });
      const s = await S3ObjectStorage.open(opts);
      try {
        const v = randomBytes(4096);
        await s.put('chunks/locked', v);
        await s.put('free/unlocked', new Uint8Array([9]));
        await assert.rejects(s.delete(['chunks/locked', 'free/unlocked']), rejectsWith('OBJECT_LOCKED', (e) => {
          assert.deepEqual(e.context.keys, ['chunks/locked']);
          assert.equal(e.status, 409);
        }));
        assert.equal(sha((await s.get('chunks/locked'))!), sha(v));
        assert.deepEqual(await s.has(['chunks/locked', 'free/unlocked']), [true, false], 'the unlocked one did go');

        // The retention is on the version, set by the server.
        const head = await rawClient().send(new HeadObjectCommand({ Bucket: opts.bucket, Key: 'chunks/locked' }));
        assert.equal(head.ObjectLockMode, 'COMPLIANCE');
        const days = (head.ObjectLockRetainUntilDate!.getTime() - Date.now()) / 86_400_000;
        assert.ok(days > 0.99 && days <= 1, `retained for ${days} days`);
      } finally {
        await s.close();
      }
    });

    it('an overwrite adds a version and keeps the locked one', async () => {
      const opts = options({ objectLock: { mode: 'COMPLIANCE', retainDays: () => 1 } });
      const s = await S3ObjectStorage.open(opts);
      try {
        const v1 = randomBytes(300);
        const v2 = randomBytes(200);
        await s.put('k', v1);
        await s.put('k', v2);
        assert.equal(sha((await s.get('k'))!), sha(v2));
        const versions = await rawClient().send(new ListObjectVersionsCommand({ Bucket: opts.bucket, Prefix: 'k' }));
        assert.deepEqual(versions.Versions?.map((x) => [x.Size, x.IsLatest]).sort(), [[200, true], [300, false]]);
        assert.equal(await s.usage(), 500, 'every kept version counts');
        await assert.rejects(s.delete(['k']), rejectsWith('OBJECT_LOCKED'));
        const after = await rawClient().send(new ListObjectVersionsCommand({ Bucket: opts.bucket, Prefix: 'k' }));
        assert.equal(after.Versions?.length, 2);
        assert.equal(after.DeleteMarkers?.length ?? 0, 0, 'no delete marker hides the value');
      } finally {
        await s.close();
      }
    });

    it('writes a 20 MiB locked value in parts', async () => {
      const opts = options({ objectLock: { mode: 'COMPLIANCE', retainDays: () => 1 } });
      const s = await S3ObjectStorage.open(opts);
      try {
        const big = randomBytes(20 * MIB);
        await s.put('big', big);
        assert.equal(sha((await s.get('big'))!), sha(big));
        const head = await rawClient().send(new HeadObjectCommand({ Bucket: opts.bucket, Key: 'big' }));
        assert.equal(head.ObjectLockMode, 'COMPLIANCE');
        assert.match(head.ETag ?? '', /-3"$/);
        await assert.rejects(s.delete(['big']), rejectsWith('OBJECT_LOCKED'));
      } finally {
        await s.close();
      }
    });

    it('refuses to lock into an existing bucket without Object Lock', async () => {
      const plain = options();
      await (await S3ObjectStorage.open(plain)).close();
      await assert.rejects(S3ObjectStorage.open({ ...plain, objectLock: { mode: 'COMPLIANCE', retainDays: () => 1 } }), rejectsWith('CONFIG_INVALID'));
    });
  });

  it('opens from an s3:// URL with credentials from the environment', async () => {
    const { endpoint, accessKey, secretKey } = rgw.server;
    const env = { VERBATIM_S3_ACCESS_KEY: accessKey, VERBATIM_S3_SECRET_KEY: secretKey };
    const s = await openObjectStorage(`s3://verbatim-url/records?endpoint=${encodeURIComponent(endpoint)}&region=default`, { env });
    try {
      await s.put('x', new Uint8Array([7, 7]));
      assert.deepEqual([...(await s.get('x'))!], [7, 7]);
      const head = await rawClient().send(new HeadObjectCommand({ Bucket: 'verbatim-url', Key: 'records/x' }));
      assert.equal(head.ContentLength, 2);
    } finally {
      await s.close();
    }
    const locked = await openObjectStorage(`s3://verbatim-url-locked?endpoint=${encodeURIComponent(endpoint)}&lock=compliance&retainDays=2`, {
      env: { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey },
    });
    try {
      await locked.put('y', new Uint8Array([1]));
      await assert.rejects(locked.delete(['y']), rejectsWith('OBJECT_LOCKED'));
    } finally {
      await locked.close();
    }
  });

  it('reports an unreachable gateway as a coded error after retrying, and works again once it is back', async () => {
    const s = await S3ObjectStorage.open(options({ retries: 2 }));
    try {
      await s.put('before', new Uint8Array([1, 2, 3]));
      // Last in the file: a killed gateway's watch delays the next bucket creation by the watch timeout.
      // Mid-operation: the gateway crashes once it has started a multipart upload (its access log shows
      // the `POST …?uploads`), while the parts are going up and before they could be completed.
      const log = path.join(rgw.server.dir, 'log', 'client.rgw.log');
      const started = async () => /"POST \/[^ ]*\/big-during-outage\?uploads/.test(await readFile(log, 'utf8'));
      assert.equal(await started(), false);
      // 64 MiB: eight parts, four at a time, so the crash lands while parts are still to go.
      const upload = s.put('big-during-outage', randomBytes(64 * MIB));
      let settled = false;
      void upload.then(() => { settled = true; }, () => { settled = true; });
      while (!await started()) await new Promise((r) => setTimeout(r, 2));
      // Killed from here at once (a script would take a while to start), then the script forgets the pid.
      process.kill(Number(await readFile(path.join(rgw.server.dir, 'run', 'client.rgw.pid'), 'utf8')), 'SIGKILL');
      assert.equal(settled, false, 'the upload was still under way');
      await rgw.server.pause('KILL');
      try {
        await assert.rejects(upload, rejectsWith('OBJECT_STORAGE_FAILED', (e) => {
          assert.equal(e.context.key, 'big-during-outage');
          assert.equal(e.context.op, 'put');
          assert.equal(e.status, 503);
        }));
        const since = Date.now();
        await assert.rejects(s.get('before'), rejectsWith('OBJECT_STORAGE_FAILED', (e) => {
          assert.equal(e.context.key, 'before');
          assert.equal(e.context.attempts, 3, 'the first attempt and two retries');
          assert.match(e.message, /ECONNREFUSED/);
        }));
        assert.ok(Date.now() - since < 10_000, 'retries back off briefly, not for minutes');
      } finally {
        await rgw.server.resume();
      }
      assert.deepEqual([...(await s.get('before'))!], [1, 2, 3]);
      await s.put('after', new Uint8Array([4]));
      assert.deepEqual([...(await s.get('after'))!], [4]);
      // The aborted upload left no object behind.
      assert.deepEqual(await s.has(['big-during-outage']), [false]);
    } finally {
      await s.close();
    }
  });
});

describe('s3:// URLs', () => {
  it('reads bucket, prefix, endpoint, region, concurrency, lock and credentials', () => {
    const o = s3OptionsFromUrl('s3://my-bucket/a/b?endpoint=http://127.0.0.1:7480&region=eu-west-1&concurrency=16&lock=compliance&retainDays=3650', {
      env: { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', VERBATIM_S3_ACCESS_KEY: 'VAK', VERBATIM_S3_SECRET_KEY: 'VSK' },
    });
    assert.equal(o.bucket, 'my-bucket');
    assert.equal(o.prefix, 'a/b');
    assert.equal(o.endpoint, 'http://127.0.0.1:7480');
    assert.equal(o.region, 'eu-west-1');
    assert.equal(o.concurrency, 16);
    assert.equal(o.objectLock?.retainDays('any'), 3650);
    assert.deepEqual(o.credentials, { accessKeyId: 'VAK', secretAccessKey: 'VSK' });
    assert.equal(s3OptionsFromUrl('s3://my-bucket', { env: {} }).credentials, undefined);
  });

  it('refuses what it cannot use, without echoing a secret', () => {
    const refused = (url: string, env: Record<string, string> = {}) =>
      assert.throws(() => s3OptionsFromUrl(url, { env }), (e) => isVerbatimError(e, 'CONFIG_INVALID') && !e.message.includes('hunter2'), url);
    refused('s3://AK:hunter2@bucket');
    refused('s3://bucket?endpoint=http://u:hunter2@127.0.0.1:1');
    refused('http://bucket');
    refused('s3://ab');
    refused('s3://Bucket');
    refused('s3://bucket?endpoint=ftp://x');
    refused('s3://bucket?secret=hunter2');
    refused('s3://bucket?lock=governance&retainDays=1');
    refused('s3://bucket?lock=compliance');
    refused('s3://bucket?concurrency=0');
    refused('s3://bucket', { VERBATIM_S3_ACCESS_KEY: 'AK' });
  });
});

describe('Limiter', () => {
  it('keeps at most max tasks in flight and answers in order', async () => {
    const limiter = new Limiter(3);
    let active = 0;
    let peak = 0;
    const out = await limiter.map(Array.from({ length: 20 }, (_, i) => i), async (i) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      active--;
      return i * 2;
    });
    assert.equal(peak, 3);
    assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i * 2));
    await assert.rejects(limiter.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await limiter.run(async () => 'next'), 'next', 'a failed task frees its slot');
  });
});

describe('the RGW test server', () => {
  it('skips without Ceph only outside CI, naming the install line', () => {
    const saved = { PATH: process.env.PATH, CI: process.env.CI };
    try {
      process.env.PATH = '/nonexistent';
      delete process.env.CI;
      assert.match(rgwSkipReason() ?? '', /ceph-mon, ceph-osd, radosgw.* missing\): apt-get install -y --no-install-recommends ceph-mon/);
      process.env.CI = '1';
      assert.equal(rgwSkipReason(), undefined, 'in CI a missing server fails the file instead');
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
