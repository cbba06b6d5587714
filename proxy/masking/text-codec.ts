/**
 * Bytes to text and back for masking, whatever the body's charset: UTF-8 (with or
 * without BOM), UTF-16LE/BE (BOM, `charset=utf-16…`, or sniffed from the NUL bytes of
 * ASCII-range text, as old JSON sniffing did), and every other charset as a latin1
 * byte view (one character per byte, so nothing is lost). A body whose declared type
 * is not text is sniffed: a BOM, UTF-16 NUL patterns, or valid UTF-8 without control
 * characters make it text; anything else is binary (binary-masking.ts).
 */
import { isUtf8 } from 'node:buffer';

export interface TextView {
  text: string;
  /** The text is a byte view (latin1) of UTF-8 data: the detectors decode UTF-8 sequences. */
  utf8Bytes: boolean;
  /** What a masked character becomes in this text (encoded by `encode` to the body's charset). */
  bullet: string;
  encode(text: string): Buffer;
}

const TEXT_TYPE = /^\s*(text\/|application\/([\w.+-]*\+)?(json|javascript|ecmascript|xml|x-www-form-urlencoded|graphql|x-ndjson|csv|yaml|x-yaml|sql)|image\/svg)/i;
/** Labels the WHATWG Encoding standard maps to windows-1252, where 0x95 is "•". */
const WINDOWS_1252 = new Set(['ansi_x3.4-1968', 'ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-8859-1', 'iso-ir-100',
  'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'latin1', 'us-ascii', 'windows-1252', 'x-cp1252']);
/** Control characters that plain text does not hold (tab, line feed, form feed, carriage return and escape excepted). */
const CONTROL = /[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]/;

export function isTextType(contentType: string): boolean {
  return TEXT_TYPE.test(contentType);
}

export function charsetOf(contentType: string): string | undefined {
  return /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1]?.toLowerCase();
}

/** The body as text, or undefined when it is binary. */
export function textView(bytes: Buffer, contentType: string): TextView | undefined {
  const declared = isTextType(contentType);
  const charset = charsetOf(contentType);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8View(bytes.subarray(3), Buffer.from([0xef, 0xbb, 0xbf]));
  if (bytes[0] === 0xff && bytes[1] === 0xfe && !(bytes[2] === 0 && bytes[3] === 0)) return utf16View(bytes.subarray(2), 'le', true);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16View(bytes.subarray(2), 'be', true);
  if (charset === 'utf-16be' || charset === 'unicodefffe') return utf16View(bytes, 'be', false);
  if (charset && /^(utf-16(le)?|ucs-2|unicode|csunicode|iso-10646-ucs-2)$/.test(charset)) return utf16View(bytes, 'le', false);
  const sniffed = sniffUtf16(bytes);
  if (sniffed) return utf16View(bytes, sniffed, false);
  const declaredOther = charset !== undefined && !/^(utf-?8|unicode-1-1-utf-8|x-unicode20utf8)$/.test(charset);
  if (!declaredOther && isUtf8(bytes)) {
    if (!declared && CONTROL.test(bytes.toString('latin1', 0, Math.min(bytes.length, 64 * 1024)))) return undefined;
    return utf8View(bytes);
  }
  if (!declared) return undefined;
  // Not valid UTF-8, or another charset: one character per byte keeps every byte.
  const bullet = declaredOther ? (WINDOWS_1252.has(charset!) ? '\x95' : '*') : '\xe2\x80\xa2';
  return { text: bytes.toString('latin1'), utf8Bytes: !declaredOther, bullet, encode: (t) => Buffer.from(t, 'latin1') };
}

function utf8View(bytes: Buffer, bom?: Buffer): TextView {
  return {
    text: bytes.toString('utf8'), utf8Bytes: false, bullet: '•',
    encode: (t) => (bom ? Buffer.concat([bom, Buffer.from(t, 'utf8')]) : Buffer.from(t, 'utf8')),
  };
}

function utf16View(bytes: Buffer, order: 'le' | 'be', bom: boolean): TextView {
  const even = bytes.length & ~1;
  const le = order === 'le' ? bytes.subarray(0, even) : Buffer.from(bytes.subarray(0, even)).swap16();
  const tail = bytes.subarray(even);
  return {
    text: le.toString('utf16le'), utf8Bytes: false, bullet: '•',
    encode: (t) => {
      const out = Buffer.from(t, 'utf16le');
      if (order === 'be') out.swap16();
      const head = bom ? (order === 'le' ? Buffer.from([0xff, 0xfe]) : Buffer.from([0xfe, 0xff])) : Buffer.alloc(0);
      return Buffer.concat([head, out, tail]);
    },
  };
}

/** UTF-16 without a BOM: most ASCII-range characters have a NUL high byte (JSON, XML, text). */
function sniffUtf16(bytes: Buffer): 'le' | 'be' | undefined {
  const n = Math.min(bytes.length, 1024) & ~1;
  if (n < 4) return undefined;
  // Two ASCII characters first, as JSON and XML always start (RFC 4627's detection).
  if (bytes[0] && !bytes[1] && bytes[2] && !bytes[3] && bytes[0] < 0x80 && bytes[2] < 0x80) return 'le';
  if (!bytes[0] && bytes[1] && !bytes[2] && bytes[3] && bytes[1] < 0x80 && bytes[3] < 0x80) return 'be';
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const units = n / 2;
  if (oddZero >= units * 0.3 && evenZero <= units * 0.05) return 'le';
  if (evenZero >= units * 0.3 && oddZero <= units * 0.05) return 'be';
  return undefined;
}
