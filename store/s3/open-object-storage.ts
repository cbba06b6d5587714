/**
 * `--blobs s3://bucket[/prefix]?endpoint=http://127.0.0.1:7480&region=us-east-1` → an ObjectStorage.
 *
 * Query parameters: `endpoint` (none: AWS S3), `region` (default us-east-1), `concurrency`, `timeout` (ms a put, get
 * or delete may take before it fails and the store stops taking writes until the object store answers; default
 * 5000), and for write-once
 * storage `lock=compliance&retainDays=N` (a store that knows each key's retention passes `objectLock` instead).
 * Credentials never come from the URL (flags show in process lists and URLs end up in logs): the environment's
 * VERBATIM_S3_ACCESS_KEY / VERBATIM_S3_SECRET_KEY, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the SDK's
 * default chain (shared config, instance role). `env` defaults to process.env, so the CLI's factory table can hold
 * `openObjectStorage` itself (`(url) => Promise<ObjectStorage>`); tests pass their own.
 */
import type { ObjectStorage } from '../base/object-storage';
import { VerbatimError } from '../errors';
import { S3ObjectStorage, type ObjectLockOptions, type S3ObjectStorageOptions } from './s3-object-storage';

export interface OpenObjectStorageOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Per-key retention, over the URL's `lock`/`retainDays`. */
  objectLock?: ObjectLockOptions;
}

export async function openObjectStorage(url: string, options: OpenObjectStorageOptions = {}): Promise<ObjectStorage> {
  return S3ObjectStorage.open(s3OptionsFromUrl(url, options));
}

/** The options `openObjectStorage` opens with (exported for the config check, which must not connect). */
export function s3OptionsFromUrl(url: string, { env = process.env, objectLock }: OpenObjectStorageOptions = {}): S3ObjectStorageOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new VerbatimError('CONFIG_INVALID', 'The blob storage URL does not parse (expected s3://bucket?endpoint=…)');
  }
  if (parsed.protocol !== 's3:') {
    throw new VerbatimError('CONFIG_INVALID', `Blob storage ${parsed.protocol}// is not supported (expected s3://bucket?endpoint=…)`, { protocol: parsed.protocol });
  }
  if (parsed.username || parsed.password) {
    throw new VerbatimError('CONFIG_INVALID', 'The s3:// URL must not carry credentials: set VERBATIM_S3_ACCESS_KEY and VERBATIM_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)');
  }
  const bucket = parsed.hostname;
  // S3's bucket naming rules (lower case, 3 to 63 characters), which path-style URLs also need.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new VerbatimError('CONFIG_INVALID', `s3://${bucket}: a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens`, { bucket });
  }
  const q = parsed.searchParams;
  const known = new Set(['endpoint', 'region', 'concurrency', 'lock', 'retainDays', 'timeout']);
  const unknown = [...q.keys()].filter((k) => !known.has(k));
  if (unknown.length) throw new VerbatimError('CONFIG_INVALID', `Unknown s3:// URL parameter(s): ${unknown.join(', ')}`, { unknown });

  const endpoint = q.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    const e = URL.canParse(endpoint) ? new URL(endpoint) : undefined;
    if (!e || !['http:', 'https:'].includes(e.protocol) || e.username || e.password) {
      throw new VerbatimError('CONFIG_INVALID', 'The s3:// endpoint parameter must be an http:// or https:// URL without credentials');
    }
  }
  const options: S3ObjectStorageOptions = {
    bucket,
    prefix: decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || undefined,
    endpoint,
    region: q.get('region') ?? undefined,
  };
  const concurrency = q.get('concurrency');
  if (concurrency !== null) {
    const n = Number(concurrency);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new VerbatimError('CONFIG_INVALID', 's3:// concurrency must be an integer from 1 to 256', { concurrency });
    options.concurrency = n;
  }
  const timeout = q.get('timeout');
  if (timeout !== null) {
    const ms = Number(timeout);
    if (!Number.isInteger(ms) || ms < 100 || ms > 600_000) throw new VerbatimError('CONFIG_INVALID', 's3:// timeout is the milliseconds an operation may take, 100 to 600000', { timeout });
    options.deadlineMs = ms;
  }
  const lock = q.get('lock');
  if (objectLock) options.objectLock = objectLock;
  else if (lock !== null) {
    const days = Number(q.get('retainDays'));
    if (lock.toLowerCase() !== 'compliance' || !Number.isInteger(days) || days < 1) {
      throw new VerbatimError('CONFIG_INVALID', 's3:// Object Lock is lock=compliance with retainDays=<whole days ≥ 1>', { lock });
    }
    options.objectLock = { mode: 'COMPLIANCE', retainDays: () => days };
  }
  const accessKeyId = env.VERBATIM_S3_ACCESS_KEY ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.VERBATIM_S3_SECRET_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new VerbatimError('CONFIG_INVALID', 'S3 credentials need both an access key and a secret key (VERBATIM_S3_ACCESS_KEY and VERBATIM_S3_SECRET_KEY)');
  }
  if (accessKeyId && secretAccessKey) options.credentials = { accessKeyId, secretAccessKey };
  return options;
}
