/**
 * ObjectStorage on an S3-compatible object store (AWS S3, Ceph RGW, …) through the AWS SDK v3: path-style URLs (an
 * endpoint on an IP address or a host without wildcard DNS), multipart above `partBytes`, at most `concurrency`
 * requests in flight, the SDK's retries with exponential backoff and jitter on 5xx, throttling and network errors.
 * Every failure that reaches the caller is a VerbatimError naming the operation, the key and the HTTP status.
 *
 * Optional Object Lock (compliance mode): the bucket is created with Object Lock (which turns versioning on) and
 * every value is written with a retain-until date, so nobody, the bucket owner included, can delete or shorten it
 * before then. Overwriting a key adds a version and keeps the old one. Erasure can then not delete the bytes: the
 * store erases by crypto-shredding (the session's key goes, the ciphertext stays unreadable), and `delete` refuses
 * with OBJECT_LOCKED rather than hiding the value behind a delete marker and reporting success.
 */
import {
  CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, GetObjectLockConfigurationCommand, HeadBucketCommand,
  HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand, PutObjectRetentionCommand, S3Client,
  type ObjectIdentifier, type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ObjectStorage } from '../base/object-storage';
import { VerbatimError } from '../errors';
import { Limiter } from './limiter';

export interface ObjectLockOptions {
  /** Compliance only: governance mode can be lifted by anyone with the right permission, which is not write-once. */
  mode: 'COMPLIANCE';
  /** Days a value must be kept (the retention of its channel); 0 or less writes it without a lock. */
  retainDays(key: string): number;
}

export interface S3ObjectStorageOptions {
  bucket: string;
  /** Inside the bucket, e.g. `verbatim/` (a trailing slash is added). */
  prefix?: string;
  /** `http://127.0.0.1:7480`; none: AWS S3 itself. */
  endpoint?: string;
  region?: string;
  /** None: the SDK's default chain (environment, shared config, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  objectLock?: ObjectLockOptions;
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Values above this go up in parts of this size (default 8 MiB; S3's minimum part is 5 MiB). */
  partBytes?: number;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** How long `usage()` answers from its last listing (default 60 s). */
  usageCacheMs?: number;
  /** Create the bucket when it does not exist (default true). */
  createBucket?: boolean;
  /** Per request: connecting (default 5 s) and a silent socket (default 60 s). */
  connectTimeoutMs?: number;
  socketTimeoutMs?: number;
  /**
   * A put, get, has or delete that has not succeeded within this time (retries and the wait for a request slot
   * included) fails with OBJECT_STORAGE_FAILED, plus `deadlinePerMiBMs` per MiB of the value (default 5 s and 2 s).
   * The store's writes wait for their bodies: an object store that accepts connections and then answers nothing would
   * otherwise hold every write for minutes (socket timeout × attempts) while captures pile up in memory. A failed
   * put sends the store into recovery (writes refused fast, counted) until `probe()` answers again.
   */
  deadlineMs?: number;
  deadlinePerMiBMs?: number;
  /** How long `probe()` waits for the bucket to answer (default 2 s). */
  probeTimeoutMs?: number;
}

const MIB = 1024 * 1024;
const DELETE_BATCH = 1000; // S3's limit per DeleteObjects
const MAX_KEY_BYTES = 1024;

export class S3ObjectStorage implements ObjectStorage {
  private readonly client: S3Client;
  private readonly limiter: Limiter;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partBytes: number;
  private usageCache: { at: number; bytes: Promise<number> } | undefined;
  private closed = false;

  /** Connects, creates the bucket if allowed and missing, and checks Object Lock is on when asked for. */
  static async open(options: S3ObjectStorageOptions): Promise<S3ObjectStorage> {
    const storage = new S3ObjectStorage(options);
    try {
      await storage.ensureBucket(options.createBucket ?? true);
    } catch (err) {
      storage.client.destroy();
      throw err;
    }
    return storage;
  }

  private constructor(private readonly options: S3ObjectStorageOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? options.prefix.replace(/\/*$/, '/') : '';
    this.partBytes = Math.max(options.partBytes ?? 8 * MIB, 5 * MIB);
    const concurrency = options.concurrency ?? 8;
    this.limiter = new Limiter(concurrency);
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      forcePathStyle: true,
      retryMode: 'standard',
      maxAttempts: (options.retries ?? 4) + 1,
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5_000, requestTimeout: options.socketTimeoutMs ?? 60_000 },
    });
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    const body = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const params: PutObjectCommandInput = { Bucket: this.bucket, Key, Body: body, ...this.lockFor(key) };
    if (body.length <= this.partBytes) {
      await this.call('put', key, (abortSignal) => this.client.send(new PutObjectCommand(params), { abortSignal }), body.length);
      return;
    }
    // Parts go up `queueSize` at a time inside one limiter slot; a failed upload is aborted so no parts linger.
    await this.call('put', key, async (abortSignal) => {
      const upload = new Upload({ client: this.client, params, partSize: this.partBytes, queueSize: 4, leavePartsOnError: false });
      const abort = (): void => { void upload.abort().catch(() => undefined); };
      abortSignal.addEventListener('abort', abort, { once: true });
      try {
        const done = await upload.done();
        if (params.ObjectLockMode) await this.lockAfterMultipart(Key, params, done.VersionId);
      } finally {
        abortSignal.removeEventListener('abort', abort);
      }
    }, body.length);
  }

  /** Whether the bucket answers now (the store's recovery asks this before it takes writes again). */
  async probe(): Promise<void> {
    const abortSignal = AbortSignal.timeout(this.options.probeTimeoutMs ?? 2_000);
    await this.attempt('probe', this.bucket, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal }), abortSignal);
  }

  /**
   * Ceph RGW 16.2 ignores the Object Lock headers of CreateMultipartUpload and completes an unlocked object: set the
   * retention on the new version when the server did not. (The object is unlocked for that one request's time.)
   */
  private async lockAfterMultipart(Key: string, params: PutObjectCommandInput, versionId: string | undefined): Promise<void> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key, ...(versionId ? { VersionId: versionId } : {}) }));
    if (head.ObjectLockMode) return;
    await this.client.send(new PutObjectRetentionCommand({
      Bucket: this.bucket, Key, VersionId: versionId || head.VersionId,
      Retention: { Mode: params.ObjectLockMode, RetainUntilDate: params.ObjectLockRetainUntilDate as Date },
    }));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = this.objectKey(key);
    return this.call('get', key, async (abortSignal) => {
      try {
        const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), { abortSignal });
        return answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
  }

  async has(keys: string[]): Promise<boolean[]> {
    const objectKeys = keys.map((k) => this.objectKey(k));
    return Promise.all(objectKeys.map((Key, i) => this.call('has', keys[i]!, async (abortSignal) => {
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), { abortSignal });
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    })));
  }

  async delete(keys: string[]): Promise<void> {
    const unique = [...new Set(keys)];
    const objectKeys = unique.map((k) => this.objectKey(k));
    if (!this.options.objectLock) {
      for (let i = 0; i < objectKeys.length; i += DELETE_BATCH) {
        await this.deleteObjects(objectKeys.slice(i, i + DELETE_BATCH).map((Key) => ({ Key })));
      }
      return;
    }
    // A versioned bucket: deleting without a version id only adds a delete marker and the bytes stay. Delete every
    // version, so that what the lock does not protect is really gone and what it protects is reported.
    const versions = (await this.limiter.map(unique, (key) => this.attempt('delete', key, () => this.versionsOf(key)))).flat();
    for (let i = 0; i < versions.length; i += DELETE_BATCH) await this.deleteObjects(versions.slice(i, i + DELETE_BATCH));
  }

  async usage(): Promise<number> {
    const maxAge = this.options.usageCacheMs ?? 60_000;
    if (!this.usageCache || Date.now() - this.usageCache.at > maxAge) {
      const bytes = this.attempt('usage', this.prefix, () => this.listBytes());
      this.usageCache = { at: Date.now(), bytes };
      bytes.catch(() => { if (this.usageCache?.bytes === bytes) this.usageCache = undefined; });
    }
    return this.usageCache.bytes;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.destroy();
  }

  private async deleteObjects(objects: ObjectIdentifier[]): Promise<void> {
    if (!objects.length) return;
    const first = this.plainKey(objects[0]!.Key!);
    const answer = await this.call('delete', first, (abortSignal) => this.client.send(new DeleteObjectsCommand({
      Bucket: this.bucket, Delete: { Objects: objects, Quiet: true },
    }), { abortSignal }));
    const errors = answer.Errors ?? [];
    if (!errors.length) return;
    const locked = errors.filter((e) => e.Code === 'AccessDenied' && this.options.objectLock);
    if (locked.length === errors.length) {
      const lockedKeys = [...new Set(locked.map((e) => this.plainKey(e.Key ?? '')))];
      throw new VerbatimError('OBJECT_LOCKED', `${lockedKeys.length} object(s) are under S3 Object Lock retention and cannot be deleted before their retain-until date (erasure relies on crypto-shredding)`, {
        bucket: this.bucket, keys: lockedKeys.slice(0, 20), count: lockedKeys.length,
      });
    }
    const e = errors.find((x) => !locked.includes(x))!;
    throw new VerbatimError('OBJECT_STORAGE_FAILED', `S3 delete of ${this.plainKey(e.Key ?? '')} failed: ${e.Code} ${e.Message ?? ''}`.trim(), {
      op: 'delete', bucket: this.bucket, key: this.plainKey(e.Key ?? ''), s3Code: e.Code, failed: errors.length,
    });
  }

  private async versionsOf(key: string): Promise<ObjectIdentifier[]> {
    const Key = this.objectKey(key);
    const out: ObjectIdentifier[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    do {
      const page = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: Key, KeyMarker, VersionIdMarker }));
      // The prefix also matches longer keys (`a/1` lists `a/10`): keep this key's versions only.
      for (const v of [...page.Versions ?? [], ...page.DeleteMarkers ?? []]) if (v.Key === Key) out.push({ Key, VersionId: v.VersionId });
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page.IsTruncated ? page : { NextKeyMarker: undefined, NextVersionIdMarker: undefined });
    } while (KeyMarker);
    return out;
  }

  /** Bytes under the prefix; with Object Lock every kept version counts, since it occupies the disk as well. */
  private async listBytes(): Promise<number> {
    let total = 0;
    if (this.options.objectLock) {
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      do {
        const page = await this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: this.prefix || undefined, KeyMarker, VersionIdMarker }));
        for (const v of page.Versions ?? []) total += v.Size ?? 0;
        ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page.IsTruncated ? page : { NextKeyMarker: undefined, NextVersionIdMarker: undefined });
      } while (KeyMarker);
      return total;
    }
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix || undefined, ContinuationToken }));
      for (const o of page.Contents ?? []) total += o.Size ?? 0;
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return total;
  }

  private async ensureBucket(create: boolean): Promise<void> {
    const Bucket = this.bucket;
    const exists = await this.attempt('open', Bucket, async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    });
    if (!exists) {
      if (!create) throw new VerbatimError('CONFIG_INVALID', `S3 bucket ${Bucket} does not exist`, { bucket: Bucket });
      await this.attempt('open', Bucket, async () => {
        try {
          await this.client.send(new CreateBucketCommand({ Bucket, ...(this.options.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
        } catch (err) {
          // Another instance created it first.
          if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
        }
      });
    }
    if (!this.options.objectLock) return;
    const enabled = await this.attempt('open', Bucket, async () => {
      try {
        const answer = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket }));
        return answer.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
      } catch (err) {
        if ((err as { name?: string }).name === 'ObjectLockConfigurationNotFoundError') return false;
        throw err;
      }
    });
    // Writing "locked" values into a bucket without Object Lock would silently keep nothing write-once.
    if (!enabled) {
      throw new VerbatimError('CONFIG_INVALID', `S3 bucket ${Bucket} exists without Object Lock; Object Lock can only be chosen when a bucket is created`, { bucket: Bucket });
    }
  }

  private lockFor(key: string): Partial<PutObjectCommandInput> {
    const lock = this.options.objectLock;
    if (!lock) return {};
    const days = lock.retainDays(key);
    if (!(days > 0)) return {};
    return { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + days * 86_400_000) };
  }

  private objectKey(key: string): string {
    // Printable ASCII only: no control characters in URLs or listings, and the same bytes on every store.
    if (!key || !/^[\x20-\x7e]+$/.test(key) || key.startsWith('/') || this.prefix.length + key.length > MAX_KEY_BYTES) {
      throw new VerbatimError('BAD_REQUEST', 'Object keys are printable ASCII paths of at most 1024 bytes, not starting with /', { key: key.slice(0, 100) });
    }
    return this.prefix + key;
  }

  private plainKey(objectKey: string): string {
    return objectKey.startsWith(this.prefix) ? objectKey.slice(this.prefix.length) : objectKey;
  }

  /**
   * One operation in a limiter slot under its deadline (deadlineMs, counted from now: the wait for a slot behind
   * requests to a store that stopped answering is part of it), its failure coded.
   */
  private call<T>(op: string, key: string, fn: (signal: AbortSignal) => Promise<T>, bytes = 0): Promise<T> {
    const signal = AbortSignal.timeout((this.options.deadlineMs ?? 5_000) + Math.ceil(bytes / MIB) * (this.options.deadlinePerMiBMs ?? 2_000));
    return this.limiter.run(() => this.attempt(op, key, () => fn(signal), signal));
  }

  private async attempt<T>(op: string, key: string, fn: () => Promise<T>, deadline?: AbortSignal): Promise<T> {
    if (this.closed) throw new VerbatimError('STORE_NOT_OPEN', 'The S3 object storage is closed', { op, key });
    try {
      if (deadline?.aborted) throw deadline.reason;
      return await fn();
    } catch (err) {
      if (deadline?.aborted) {
        throw new VerbatimError('OBJECT_STORAGE_FAILED', `S3 ${op} of ${key} failed: no answer in time (the object store is unreachable or stalled)`, {
          op, bucket: this.bucket, key, deadline: true,
        });
      }
      throw coded(err, op, this.bucket, key);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a configuration fault, not a missing value.
  return e?.name !== 'NoSuchBucket' && (e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404);
}

/** What the SDK threw, as a VerbatimError with the operation, key and status (no request, so no signature or key). */
function coded(err: unknown, op: string, bucket: string, key: string): VerbatimError {
  if (err instanceof VerbatimError) return err;
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const reason = status ? `HTTP ${status} ${e.name ?? ''}`.trim() : (e?.code ?? e?.name ?? 'network error');
  return new VerbatimError('OBJECT_STORAGE_FAILED', `S3 ${op} of ${key} failed: ${reason}`, {
    op, bucket, key, ...(status ? { status } : {}), ...(e?.name ? { s3Code: e.name } : {}), attempts: e?.$metadata?.attempts,
  }, { cause: err });
}
