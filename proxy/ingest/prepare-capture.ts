/**
 * The heavy part of ingesting a capture — masking the URL, headers and bodies, hashing and deflating what is kept —
 * as one pure function over bytes, so it runs on a worker thread (ingest-workers.ts) and, when no worker is
 * available, in-process with the same result. Nothing here touches the store.
 */
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { CODEC_DEFLATE_RAW, CODEC_RAW, MIN_COMPRESSIBLE, withCodec } from '../../store/blob-codec';
import type { Masker } from '../masking/masker';

export interface CaptureJob {
  url: string;
  headers: [string, string][];
  body: { bytes: Uint8Array; truncated: boolean } | null;
  requestBody?: { bytes: Uint8Array; contentType: string; truncated: boolean };
}

/** A body ready for the store: its digest and codec-encoded bytes (store/blob-codec.ts). */
export interface PreparedBody {
  digest: string;
  encoded: Uint8Array;
  size: number;
  /** Content-Encoding of the kept bytes ('' once masked: they are stored decoded). */
  encoding: string;
  masked: boolean;
  truncated: boolean;
  /**
   * Why the bytes are kept as they came: they do not decode by their Content-Encoding, so they could not be checked
   * as text; a detector found nothing in them as they are. Kept only sealed into a session (pipeline.ts).
   */
  undecodable?: string;
}

export interface PreparedCapture {
  url: string;
  headers: [string, string][];
  /** undefined: no body; 'dropped': a text body that could not be checked for secrets, so none of it is kept. */
  body: PreparedBody | 'dropped' | undefined;
  requestBody: (PreparedBody & { contentType: string }) | 'dropped' | undefined;
}

/** Types whose bodies are worth compressing in the store (media and fonts are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|xhtml\+xml|manifest\+json|ld\+json|x-www-form-urlencoded)|image\/svg)/i;
const DEFLATE_LEVEL = 1;

/** A Buffer over the same memory (a Uint8Array arrives from the main thread): no copy of the body. */
const bufferOf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export async function prepareCapture(masker: Masker, job: CaptureJob): Promise<PreparedCapture> {
  const contentType = header(job.headers, 'content-type') ?? '';
  const encoding = (header(job.headers, 'content-encoding') ?? '').trim().toLowerCase();
  let body: PreparedCapture['body'];
  if (job.body) body = await prepareBody(masker, bufferOf(job.body.bytes), contentType, encoding, job.body.truncated);
  let requestBody: PreparedCapture['requestBody'];
  if (job.requestBody) {
    const r = job.requestBody;
    const prepared = await prepareBody(masker, bufferOf(r.bytes), r.contentType, '', r.truncated);
    requestBody = prepared === 'dropped' ? prepared : { ...prepared, contentType: r.contentType };
  }
  // Deterministic, so the masked URL still matches the (equally masked) one in the events.
  return { url: masker.url(job.url), headers: masker.headers(job.headers), body, requestBody };
}

/**
 * The masker reads a body in whatever encoding and charset it comes (masking/body-masking.ts) and says what to keep:
 * the wire bytes (unchanged), masked bytes with the encoding they still carry, or nothing. Bytes whose
 * Content-Encoding does not decode were read as binary only: kept as received, marked with the reason.
 */
async function prepareBody(masker: Masker, bytes: Buffer, contentType: string, encoding: string, truncated: boolean): Promise<PreparedBody | 'dropped'> {
  const outcome = await masker.body({ bytes, contentType, contentEncoding: encoding, truncated });
  if (outcome.kind === 'dropped') return 'dropped';
  const kept = outcome.kind === 'masked' ? outcome.bytes : bytes;
  const keptEncoding = outcome.kind === 'masked' ? outcome.encoding : encoding;
  const compress = !keptEncoding && COMPRESSIBLE.test(contentType);
  return {
    digest: createHash('sha256').update(kept).digest('hex'),
    encoded: encode(kept, compress),
    size: kept.length,
    encoding: keptEncoding,
    masked: outcome.kind === 'masked',
    // Only a decodable prefix kept: as good as cut off.
    truncated: truncated || (outcome.kind === 'masked' && outcome.partial === true),
    ...(outcome.kind === 'unchanged' && outcome.undecodable ? { undecodable: outcome.undecodable } : {}),
  };
}

function encode(bytes: Uint8Array, compress: boolean): Uint8Array {
  if (compress && bytes.byteLength >= MIN_COMPRESSIBLE) {
    // memLevel 9: a fifth less time than the default 8 for the same output size on pages and scripts.
    const deflated = deflateRawSync(bytes, { level: DEFLATE_LEVEL, memLevel: 9 });
    if (deflated.byteLength < bytes.byteLength) return withCodec(CODEC_DEFLATE_RAW, deflated);
  }
  return withCodec(CODEC_RAW, bytes);
}

export function header(headers: [string, string][], name: string): string | undefined {
  for (const [k, v] of headers) if (k === name) return v;
  return undefined;
}
