/**
 * Masks a captured body before it is stored. Only text types are looked at; a
 * body is decoded (content-encoding) only when it might hold something to mask,
 * and stored decoded (encoding '') and marked `masked` only when something was.
 * A text body that cannot be decoded is not stored at all (fail closed).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { couldMatch } from './detectors';
import { maskHtmlSelectors } from './html-masking';
import { maskByType } from './mask-values';
import { isSensitiveField, type MaskingPolicy } from './policy';

const TEXT_TYPE = /^\s*(text\/|application\/([\w.+-]*\+)?(json|javascript|ecmascript|xml|x-www-form-urlencoded|graphql)|image\/svg)/i;
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

export type MaskOutcome =
  | { kind: 'unchanged' }
  | { kind: 'masked'; bytes: Buffer }
  /** A text body that could not be checked (it does not decode by its Content-Encoding; `reason` says why): not stored in the clear. */
  | { kind: 'dropped'; reason: string };

export function isTextType(contentType: string): boolean {
  return TEXT_TYPE.test(contentType);
}

export async function maskBody(
  policy: MaskingPolicy, bytes: Buffer, contentType: string, encoding: string, truncated: boolean,
): Promise<MaskOutcome> {
  if (!bytes.length || !isTextType(contentType)) return { kind: 'unchanged' };
  const enc = encoding.trim().toLowerCase();
  let plain: Buffer;
  if (!enc || enc === 'identity') {
    plain = bytes;
  } else {
    try {
      plain = await decode(bytes, enc, truncated);
    } catch (err) {
      return { kind: 'dropped', reason: `${enc} does not decode: ${(err as Error).message}` };
    }
  }
  const text = decodeText(plain, contentType);
  const html = /^\s*(text\/html|application\/xhtml)/i.test(contentType);
  const selectorsApply = html && (policy.maskSelectors.length > 0 || policy.blockSelectors.length > 0 || /verbatim-(mask|block)/.test(text));
  if (!selectorsApply && !mightNeedMasking(policy, text, contentType)) {
    // Nothing to mask: keep the original wire bytes (and their encoding).
    return { kind: 'unchanged' };
  }
  const masked = maskByType(policy, contentType, selectorsApply ? maskHtmlSelectors(policy, text) : text);
  if (masked === text) return { kind: 'unchanged' };
  return { kind: 'masked', bytes: Buffer.from(masked, utf8(contentType) ? 'utf8' : 'latin1') };
}

/** Detectors, or (for JSON/forms) a sensitive field name or configured JSON path anywhere. */
function mightNeedMasking(policy: MaskingPolicy, text: string, contentType: string): boolean {
  if (couldMatch(text, policy.detectors)) return true;
  if (/json/i.test(contentType)) return policy.jsonPaths.length > 0 || policy.sensitiveKeyProbe.test(text);
  if (/x-www-form-urlencoded/i.test(contentType)) {
    return text.split('&').some((p) => isSensitiveField(policy, safeDecode(p.split('=', 1)[0])));
  }
  return false;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function utf8(contentType: string): boolean {
  const charset = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1]?.toLowerCase();
  return !charset || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

/** Text as UTF-8 when declared (or undeclared), else latin1 so every byte survives. */
function decodeText(bytes: Buffer, contentType: string): string {
  return bytes.toString(utf8(contentType) ? 'utf8' : 'latin1');
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
