/**
 * Stored bodies are kept as they crossed the wire (still gzip/br/deflate encoded).
 * The archive route passes them through when the browser accepts the encoding and
 * decodes them here when it must rewrite the body or the browser cannot decode it.
 */
import zlib from 'node:zlib';

/** Encodings as listed in a Content-Encoding header, in the order they were applied. */
export function parseEncodings(header: string): string[] {
  return header
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e && e !== 'identity');
}

export function canDecode(encodings: string[]): boolean {
  return encodings.every((e) => DECODERS[e] !== undefined);
}

/**
 * Undoes the encodings (last applied first). `partial` is for truncated captures:
 * decode what is there instead of failing on the missing end of the stream.
 */
export function decodeBody(bytes: Uint8Array, encodings: string[], partial = false): Buffer {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const enc of [...encodings].reverse()) {
    const decode = DECODERS[enc];
    if (!decode) throw new Error(`unsupported content-encoding ${enc}`);
    buf = decode(buf, partial);
  }
  return buf;
}

const zlibFlush = (partial: boolean): zlib.ZlibOptions => (partial ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {});

const DECODERS: Record<string, ((buf: Buffer, partial: boolean) => Buffer) | undefined> = {
  gzip: (buf, partial) => zlib.gunzipSync(buf, zlibFlush(partial)),
  'x-gzip': (buf, partial) => zlib.gunzipSync(buf, zlibFlush(partial)),
  br: (buf, partial) =>
    zlib.brotliDecompressSync(buf, partial ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {}),
  // "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
  deflate: (buf, partial) => {
    try {
      return zlib.inflateSync(buf, zlibFlush(partial));
    } catch {
      return zlib.inflateRawSync(buf, zlibFlush(partial));
    }
  },
};

/** Whether an Accept-Encoding header admits `encoding` (q=0 excludes it). */
export function acceptsEncoding(acceptEncoding: string | undefined, encoding: string): boolean {
  if (!acceptEncoding) return false;
  let wildcard = false;
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = !q || Number(q.slice(2)) > 0;
    if (name === encoding || (encoding === 'x-gzip' && name === 'gzip')) return allowed;
    if (name === '*') wildcard = allowed;
  }
  return wildcard;
}
