/**
 * Reads one logical character ("unit") at a position of a raw text, undoing the
 * encodings a card number or IBAN can hide behind: percent-encoding (also double,
 * `%2534`, and UTF-8 sequences such as `%C2%A0` or `%EF%BC%94`), HTML character
 * references (`&#52;`, `&#x34;`, `&nbsp;`, also `&amp;#52;`), JSON/JS escapes
 * (`\u0034`, `\\u0034`, surrogate pairs, `\u{34}`, `\x34`, `\/`, `\t`) and CSS
 * escapes (`\34 `). In a byte view (a latin1 string of UTF-8 bytes: bodies that are
 * not valid UTF-8, binary payloads) UTF-8 sequences are decoded as well.
 *
 * The result is returned in module variables (no allocation per character): the
 * unit's class (char-classes.ts) is the return value, `unit.len` its raw length and
 * `unit.value` its digit value or letter code. `unit.decoded` is true when an
 * escape was undone.
 */
import { ASTRAL_DIGITS, CLASS, DIGIT, ESCAPE, OTHER, VALUE, classOf, valueOf } from './char-classes';

export const unit = { len: 1, value: 0, decoded: false };

/**
 * `decode`: undo percent, HTML, JSON/JS and CSS escapes (false: an escape's lead character is
 * just a character). `utf8Bytes`: the string is a byte view; decode UTF-8 sequences of latin1 characters.
 */
export function readUnit(s: string, i: number, decode: boolean, utf8Bytes: boolean): number {
  const c = s.charCodeAt(i);
  unit.decoded = false;
  if (c < 0x80) {
    const k = CLASS[c]!;
    if (k === ESCAPE) {
      if (decode) {
        const cp = c === 0x25 ? percent(s, i) : c === 0x26 ? entity(s, i) : backslash(s, i);
        if (cp >= 0) {
          const kind = classOf(cp);
          // An escape that stands for nothing the detectors use is read as its first character,
          // so digits after it stay visible (e.g. the "41" of "%41").
          if (kind !== OTHER && kind !== ESCAPE) {
            unit.value = valueOf(cp);
            unit.decoded = true;
            return kind;
          }
        }
      }
      unit.len = 1;
      return OTHER;
    }
    unit.len = 1;
    unit.value = VALUE[c]!;
    return k;
  }
  if (utf8Bytes) {
    const cp = utf8At(s, i);
    if (cp >= 0) {
      unit.value = valueOf(cp);
      return classOf(cp);
    }
    unit.len = 1;
    return OTHER;
  }
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const lo = s.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
      unit.len = 2;
      const v = ASTRAL_DIGITS.get(cp);
      if (v !== undefined) { unit.value = v; return DIGIT; }
      return OTHER;
    }
  }
  unit.len = 1;
  unit.value = VALUE[c]!;
  return CLASS[c]!;
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** One byte written as %XX, where each %25 in front adds a level of encoding. Sets pctLen. */
let pctLen = 0;
function percentByte(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x25) return -1;
  let j = i + 1;
  for (;;) {
    const h = hex(s.charCodeAt(j));
    const l = hex(s.charCodeAt(j + 1));
    if (h < 0 || l < 0) return -1;
    const b = (h << 4) | l;
    j += 2;
    // %25 followed by two more hex digits: the percent sign itself was encoded.
    if (b === 0x25 && hex(s.charCodeAt(j)) >= 0 && hex(s.charCodeAt(j + 1)) >= 0) continue;
    pctLen = j - i;
    return b;
  }
}

/** A percent-encoded character (UTF-8 sequences included); sets unit.len. */
function percent(s: string, i: number): number {
  const b0 = percentByte(s, i);
  if (b0 < 0) return -1;
  let len = pctLen;
  if (b0 < 0x80) { unit.len = len; return b0; }
  const extra = b0 >= 0xf0 && b0 <= 0xf4 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc2 && b0 <= 0xdf ? 1 : -1;
  if (extra < 0) return -1;
  let cp = b0 & (extra === 1 ? 0x1f : extra === 2 ? 0x0f : 0x07);
  for (let k = 0; k < extra; k++) {
    const b = percentByte(s, i + len);
    if (b < 0x80 || b > 0xbf) return -1;
    cp = (cp << 6) | (b & 0x3f);
    len += pctLen;
  }
  unit.len = len;
  return cp;
}

const NAMED: Record<string, number> = {
  nbsp: 0xa0, NonBreakingSpace: 0xa0, ensp: 0x2002, emsp: 0x2003, emsp13: 0x2004, emsp14: 0x2005, numsp: 0x2007,
  puncsp: 0x2008, thinsp: 0x2009, ThinSpace: 0x2009, hairsp: 0x200a, VeryThinSpace: 0x200a, MediumSpace: 0x205f,
  ZeroWidthSpace: 0x200b, NegativeThinSpace: 0x200b, zwnj: 0x200c, zwj: 0x200d, NoBreak: 0x2060, shy: 0xad,
  hyphen: 0x2010, dash: 0x2010, ndash: 0x2013, mdash: 0x2014, minus: 0x2212, plus: 0x2b, lowbar: 0x5f, UnderBar: 0x5f,
  period: 0x2e, sol: 0x2f, middot: 0xb7, centerdot: 0xb7, Tab: 0x09, excl: 0x21,
};

/** An HTML character reference (`&amp;` in front adds a level of escaping); sets unit.len. */
function entity(s: string, i: number): number {
  let j = i + 1;
  while (s.startsWith('amp;', j)) j += 4;
  if (s.charCodeAt(j) === 0x23) {
    // &#NNN; or &#xHHH; (the semicolon is optional in HTML).
    let k = j + 1;
    const isHex = (s.charCodeAt(k) | 0x20) === 0x78;
    if (isHex) k++;
    const start = k;
    let cp = 0;
    for (; k < s.length && k - start < 8; k++) {
      const d = isHex ? hex(s.charCodeAt(k)) : (s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39 ? s.charCodeAt(k) - 0x30 : -1);
      if (d < 0) break;
      cp = cp * (isHex ? 16 : 10) + d;
    }
    if (k === start || cp > 0x10ffff) return -1;
    if (s.charCodeAt(k) === 0x3b) k++;
    unit.len = k - i;
    return cp;
  }
  let k = j;
  while (k < s.length && k - j < 24) {
    const c = s.charCodeAt(k);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) break;
    k++;
  }
  if (s.charCodeAt(k) !== 0x3b || k === j) return -1;
  const cp = NAMED[s.slice(j, k)];
  if (cp === undefined) return -1;
  unit.len = k + 1 - i;
  return cp;
}

/** JSON/JS/CSS escapes behind any number of backslashes (an escape inside an escaped string); sets unit.len. */
function backslash(s: string, i: number): number {
  let j = i;
  while (s.charCodeAt(j) === 0x5c) j++;
  const slashes = j - i;
  const c = s.charCodeAt(j);
  if (c === 0x75) {
    // \uXXXX (a surrogate pair as two escapes), or \u{X…}.
    if (s.charCodeAt(j + 1) === 0x7b) {
      let k = j + 2;
      let cp = 0;
      for (; k < s.length && k - j < 9; k++) {
        const d = hex(s.charCodeAt(k));
        if (d < 0) break;
        cp = cp * 16 + d;
      }
      if (s.charCodeAt(k) !== 0x7d || k === j + 2 || cp > 0x10ffff) return -1;
      unit.len = k + 1 - i;
      return cp;
    }
    const cu = hex4(s, j + 1);
    if (cu < 0) return -1;
    let len = j + 5 - i;
    if (cu >= 0xd800 && cu <= 0xdbff) {
      // The low half follows behind as many backslashes.
      let k = i + len;
      let n = 0;
      while (s.charCodeAt(k + n) === 0x5c) n++;
      if (n === slashes && s.charCodeAt(k + n) === 0x75) {
        const lo = hex4(s, k + n + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          len += n + 5;
          unit.len = len;
          return 0x10000 + ((cu - 0xd800) << 10) + (lo - 0xdc00);
        }
      }
      return -1;
    }
    unit.len = len;
    return cu;
  }
  if (c === 0x78) {
    const h = hex(s.charCodeAt(j + 1));
    const l = hex(s.charCodeAt(j + 2));
    if (h < 0 || l < 0) return -1;
    unit.len = j + 3 - i;
    return (h << 4) | l;
  }
  if (c === 0x2f) { unit.len = j + 1 - i; return 0x2f; }
  if (c === 0x74) { unit.len = j + 1 - i; return 0x09; }
  // CSS: \ then 1-6 hex digits, then one optional white space.
  if (slashes === 1 && hex(c) >= 0) {
    let k = j;
    let cp = 0;
    while (k < s.length && k - j < 6 && hex(s.charCodeAt(k)) >= 0) cp = cp * 16 + hex(s.charCodeAt(k++));
    if (cp > 0x10ffff) return -1;
    const after = s.charCodeAt(k);
    if (after === 0x20 || after === 0x09 || after === 0x0a) k++;
    unit.len = k - i;
    return cp;
  }
  return -1;
}

function hex4(s: string, i: number): number {
  const a = hex(s.charCodeAt(i));
  const b = hex(s.charCodeAt(i + 1));
  const c = hex(s.charCodeAt(i + 2));
  const d = hex(s.charCodeAt(i + 3));
  if (a < 0 || b < 0 || c < 0 || d < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** A UTF-8 sequence in a byte view (latin1 characters); sets unit.len, -1 when not well-formed. */
function utf8At(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  const extra = b0 >= 0xf0 && b0 <= 0xf4 ? 3 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xc2 && b0 <= 0xdf ? 1 : -1;
  if (extra < 0 || i + extra >= s.length) return -1;
  let cp = b0 & (extra === 1 ? 0x1f : extra === 2 ? 0x0f : 0x07);
  for (let k = 1; k <= extra; k++) {
    const b = s.charCodeAt(i + k);
    if (!(b >= 0x80 && b <= 0xbf)) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  unit.len = extra + 1;
  return cp;
}
