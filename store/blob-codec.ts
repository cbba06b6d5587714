import { createHash, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';

/**
 * Stored values for blobs and event chunks: one codec byte, then the payload.
 * Compression here runs on libuv's thread pool (async zlib) so the event loop
 * is not blocked; the hot path uses DeflateWorker, which is cheaper still.
 */
export const CODEC_RAW = 0;
export const CODEC_DEFLATE_RAW = 1;

const deflateRawAsync = promisify(deflateRaw);
const inflateRawAsync = promisify(inflateRaw);

/** Below this, deflate cannot win back its own overhead. */
export const MIN_COMPRESSIBLE = 64;
/** Above this, hash off the main thread (WebCrypto digest runs on the thread pool): a 200 KB body costs ~0.3 ms of event loop otherwise. */
const ASYNC_HASH_THRESHOLD = 64 * 1024;

/** Hex SHA-256; synchronous for small inputs (cheaper than a thread hop), a promise for large ones. */
export function sha256Hex(bytes: Uint8Array): string | Promise<string> {
  if (bytes.byteLength < ASYNC_HASH_THRESHOLD) return createHash('sha256').update(bytes).digest('hex');
  return webcrypto.subtle.digest('SHA-256', bytes).then((hash) => Buffer.from(hash).toString('hex'));
}

/** Encodes bytes for storage; deflates only when asked to and when it actually saves bytes. */
export async function encodeValue(bytes: Uint8Array, compress: boolean, level: number): Promise<Uint8Array> {
  if (compress && bytes.byteLength >= MIN_COMPRESSIBLE) {
    const deflated = await deflateRawAsync(bytes, { level });
    if (deflated.byteLength < bytes.byteLength) return withCodec(CODEC_DEFLATE_RAW, deflated);
  }
  return withCodec(CODEC_RAW, bytes);
}

export async function decodeValue(stored: Uint8Array): Promise<Uint8Array> {
  const payload = stored.subarray(1);
  switch (stored[0]) {
    case CODEC_RAW:
      return payload;
    case CODEC_DEFLATE_RAW:
      return new Uint8Array(await inflateRawAsync(payload));
    default:
      throw new Error(`unknown value codec ${String(stored[0])}`);
  }
}

export function withCodec(codec: number, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(payload.byteLength + 1);
  out[0] = codec;
  out.set(payload, 1);
  return out;
}

const utf8 = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function decodeJson<T>(bytes: Uint8Array): T {
  return JSON.parse(utf8.decode(bytes)) as T;
}
