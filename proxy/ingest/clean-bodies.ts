/**
 * Shared bodies (stylesheets, scripts, fonts, images) the pipeline has already read and found clean. The same
 * bytes reach the proxy once per customer; reading 200 KB for card numbers costs milliseconds on the worker, and
 * moving the bytes there and back costs the main thread more than hashing them does. So a body that looks like one
 * seen before (same type, coding and size: the URL often differs, a cache-busting query) is hashed — on the thread pool (WebCrypto), not on the event
 * loop — and skips the worker when its digest is the one found clean and the store still holds it: the same bytes
 * under the same masking policy give the same answer, so nothing is read less carefully than the first time.
 * Personal bodies (documents, API answers) are sealed per session and always go through the worker.
 */
import { LruMap } from '../../store/lru-map';
import { sha256Hex } from '../../store/blob-codec';
import type { VerbatimStore } from '../../store/store';
import { header, type PreparedBody } from './prepare-capture';
import type { RawExchange } from './raw-exchange';

/** Smaller bodies cost less to read again than to hash and look up. */
const MIN_BYTES = 2048;
const CAPACITY = 4096;
const DIGESTS_PER_KEY = 4;

/** A body the store already holds: everything of a prepared one but the bytes. */
export type KnownBody = Omit<PreparedBody, 'encoded'>;

export class CleanBodies {
  /** Look-alike key → SHA-256s of bodies found clean under that key (a few: same-sized images of one site). */
  private readonly clean = new LruMap<string, string[]>(CAPACITY);

  constructor(private readonly store: VerbatimStore) {}

  /**
   * `known`: the body as the store already holds it; otherwise it is to be read (the worker), and `key` is what to
   * remember it under afterwards (taken now: the bytes move to the worker).
   */
  async lookup(x: RawExchange): Promise<{ known?: KnownBody; key?: string }> {
    const key = keyOf(x);
    const expected = key === undefined ? undefined : this.clean.get(key);
    if (!expected || !x.body) return { key };
    const digest = await sha256Hex(x.body.bytes);
    if (!expected.includes(digest) || !(await this.store.hasBlob(digest))) return { key };
    return { known: { digest, size: x.body.bytes.byteLength, encoding: contentEncoding(x), masked: false, truncated: false } };
  }

  /** After the worker read a shared body: remembered when it was kept as it came. */
  remember(key: string | undefined, body: PreparedBody): void {
    if (key === undefined || body.masked || body.undecodable !== undefined || body.truncated) return;
    const digests = this.clean.get(key) ?? [];
    if (!digests.includes(body.digest)) this.clean.set(key, [body.digest, ...digests].slice(0, DIGESTS_PER_KEY));
  }
}

function keyOf(x: RawExchange): string | undefined {
  if (!x.body || x.body.bytes.byteLength < MIN_BYTES || x.body.truncated) return undefined;
  return `${x.body.bytes.byteLength} ${contentEncoding(x)} ${header(x.headers, 'content-type') ?? ''}`;
}

function contentEncoding(x: RawExchange): string {
  return (header(x.headers, 'content-encoding') ?? '').trim().toLowerCase();
}
