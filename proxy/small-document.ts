/**
 * Compressed HTML documents of a known, small length are rewritten in one
 * synchronous step once complete: decode, insert the tag, encode. The streaming
 * path (three zlib stream stages, each a thread-pool hop per chunk) costs the
 * page several milliseconds of round trips on a busy host; for a 20 KB page the
 * synchronous work is well under a millisecond. A known Content-Length means the
 * server had the whole document anyway, so nothing progressive is held back.
 */
import zlib from 'node:zlib';
import { HeadRewriter, type PolicyRewriter } from './inject';

/** Compressed bytes up to which a document takes this path. */
export const SMALL_DOCUMENT_BYTES = 64 * 1024;
/** A decoded document larger than this is not rewritten (a compression bomb must not cost memory). */
const MAX_DECODED_BYTES = 8 * 1024 * 1024;

const DECODE: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gunzipSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
  'x-gzip': (b) => zlib.gunzipSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
  deflate: (b) => zlib.inflateSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
  br: (b) => zlib.brotliDecompressSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
};
// The same settings as the streaming encoders in exchange.ts.
const ENCODE: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b, { level: 6 }),
  'x-gzip': (b) => zlib.gzipSync(b, { level: 6 }),
  deflate: (b) => zlib.deflateSync(b, { level: 6 }),
  br: (b) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }),
};

export function takesSmallDocumentPath(encoding: string, contentLength: number): boolean {
  return encoding in DECODE && Number.isFinite(contentLength) && contentLength <= SMALL_DOCUMENT_BYTES;
}

/** The re-encoded document with the tag in its head, or undefined when the body does not decode (send it as it came). */
export function rewriteSmallDocument(body: Buffer, encoding: string, tag: string | (() => string), rewritePolicy: PolicyRewriter): Buffer | undefined {
  let decoded: Buffer;
  try {
    decoded = DECODE[encoding]!(body);
  } catch {
    return undefined;
  }
  const rewriter = new HeadRewriter(tag, rewritePolicy);
  const out = rewriter.feed(decoded) ?? rewriter.finish();
  return ENCODE[encoding]!(out.length === 1 ? out[0]! : Buffer.concat(out));
}
