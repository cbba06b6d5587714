/**
 * Masks a captured body (response or request) before it is stored, whatever its
 * type, charset and Content-Encoding. Never throws:
 *  - Content-Encoding (gzip, deflate, br, or a list) is undone first. Nothing found:
 *    the wire bytes are kept as they were ('unchanged'). Something masked: the masked
 *    body is stored decoded ('masked', encoding '').
 *  - Text (declared, or sniffed when the type is missing or not a text type) is decoded
 *    in its charset (text-codec.ts), masked by kind (JSON, form, HTML policy selectors,
 *    any text) and encoded back in the same charset, BOM included.
 *  - Binary (images, fonts, protobuf, octet-stream…) is read as bytes and UTF-16 runs;
 *    a value found is overwritten in place (binary-masking.ts).
 *  - A body whose Content-Encoding cannot be undone (bad gzip, unknown coding): what can
 *    be decoded is masked and, if it held something, stored decoded in place of the whole
 *    (`partial`); the raw bytes are also read as binary and masked in place (a stored
 *    deflate block is plain text); otherwise the raw bytes are kept and the outcome says
 *    why they could not be read (`undecodable`).
 *  - A bug in masking itself: 'dropped' (keep nothing), never the unmasked bytes.
 * A body cut by the capture cap (`truncated`) is read with its end open: a value cut in
 * two there is masked like a card being typed (detectors.ts).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { maskBinary } from './binary-masking';
import { maskHtmlSelectors } from './html-masking';
import { kindOf, maskByKind } from './mask-values';
import type { MaskingPolicy } from './policy';
import { isTextType, textView } from './text-codec';

export { isTextType } from './text-codec';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

export interface BodyInput {
  bytes: Buffer;
  contentType?: string;
  /** The Content-Encoding the bytes still carry ('' or undefined: none). */
  contentEncoding?: string;
  /** Cut by the capture cap. */
  truncated?: boolean;
}

export type MaskOutcome =
  | { kind: 'unchanged'; /** Set when the Content-Encoding could not be undone (the bytes were read as binary only). */ undecodable?: string }
  /** `encoding`: the Content-Encoding the masked bytes carry ('' when decoded). `partial`: only a decodable prefix is kept. */
  | { kind: 'masked'; bytes: Buffer; encoding: string; partial?: boolean }
  /** Masking itself failed: keep no bytes. */
  | { kind: 'dropped'; reason: string };

export async function maskBodyBytes(policy: MaskingPolicy, input: BodyInput): Promise<MaskOutcome> {
  try {
    return await maskSafely(policy, input);
  } catch {
    return { kind: 'dropped', reason: 'masking failed' };
  }
}

/** The proxy's older call shape (capture.ts). */
export function maskBody(policy: MaskingPolicy, bytes: Buffer, contentType: string, encoding: string, truncated: boolean): Promise<MaskOutcome> {
  return maskBodyBytes(policy, { bytes, contentType, contentEncoding: encoding, truncated });
}

async function maskSafely(policy: MaskingPolicy, input: BodyInput): Promise<MaskOutcome> {
  const { bytes } = input;
  if (!bytes.length) return { kind: 'unchanged' };
  const contentType = input.contentType ?? '';
  const truncated = input.truncated ?? false;
  const enc = (input.contentEncoding ?? '').trim().toLowerCase();
  if (!enc || enc === 'identity') {
    const masked = maskPlain(policy, bytes, contentType, truncated);
    return masked ? { kind: 'masked', bytes: masked, encoding: '' } : { kind: 'unchanged' };
  }
  let plain: Buffer;
  try {
    plain = await decode(bytes, enc, truncated);
  } catch (err) {
    const reason = `content-encoding ${enc} could not be undone: ${(err as Error).message ?? 'error'}`;
    const prefix = await decodePrefix(bytes, enc);
    const maskedPrefix = prefix.length ? maskPlain(policy, prefix, contentType, true) : undefined;
    if (maskedPrefix) return { kind: 'masked', bytes: maskedPrefix, encoding: '', partial: true };
    const maskedRaw = maskBinary(bytes, policy.detectors, truncated);
    if (maskedRaw) return { kind: 'masked', bytes: maskedRaw, encoding: enc };
    return { kind: 'unchanged', undecodable: reason };
  }
  const masked = maskPlain(policy, plain, contentType, truncated);
  return masked ? { kind: 'masked', bytes: masked, encoding: '' } : { kind: 'unchanged' };
}

/** Masks identity-coded bytes; undefined when nothing was masked. */
export function maskPlain(policy: MaskingPolicy, bytes: Buffer, contentType: string, openEnd: boolean): Buffer | undefined {
  const view = textView(bytes, contentType);
  if (!view) return maskBinary(bytes, policy.detectors, openEnd);
  let text = view.text;
  const html = /^\s*(text\/html|application\/xhtml)/i.test(contentType);
  if (html && !view.utf8Bytes && (policy.maskSelectors.length > 0 || policy.blockSelectors.length > 0 || /verbatim-(mask|block)/.test(text))) {
    text = maskHtmlSelectors(policy, text, view.bullet);
  }
  const declared = isTextType(contentType) || html;
  const kind = declared ? kindOf(contentType, text) : kindOf('', text);
  const masked = maskByKind(policy, kind, text, view.bullet, { utf8Bytes: view.utf8Bytes, openEnd });
  const out = masked === view.text ? undefined : view.encode(masked);
  // Sniffed as text without saying so: read it as bytes as well (a guess at its charset can be wrong).
  if (declared) return out;
  return maskBinary(out ?? bytes, policy.detectors, openEnd) ?? out;
}

/** Undoes a Content-Encoding (gzip, deflate, br, or a list of them). */
export async function decode(bytes: Buffer, encoding: string, truncated: boolean): Promise<Buffer> {
  // A truncated body has no end marker: flush what there is instead of failing.
  const opts = truncated ? { finishFlush: zlib.constants.Z_SYNC_FLUSH } : {};
  let out = bytes;
  for (const e of encoding.split(',').map((s) => s.trim()).filter(Boolean).reverse()) {
    if (e === 'gzip' || e === 'x-gzip') out = await gunzip(out, opts);
    else if (e === 'deflate') out = await inflate(out, opts).catch(() => inflateRaw(out, opts));
    else if (e === 'br') out = await brotli(out, truncated ? { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH } : {});
    else if (e !== 'identity') throw new Error(`unknown content-encoding ${e}`);
  }
  return out;
}

/** As much of a damaged body as decodes (a single coding; nothing for a list or an unknown one). */
async function decodePrefix(bytes: Buffer, encoding: string): Promise<Buffer> {
  const e = encoding.split(',').map((s) => s.trim()).filter(Boolean);
  if (e.length !== 1) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  const stream = e[0] === 'gzip' || e[0] === 'x-gzip' ? zlib.createGunzip() : e[0] === 'deflate' ? zlib.createInflate()
    : e[0] === 'br' ? zlib.createBrotliDecompress() : undefined;
  if (!stream) return Buffer.alloc(0);
  return new Promise((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => resolve(Buffer.concat(chunks)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.end(bytes);
  });
}
