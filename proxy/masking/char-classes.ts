/**
 * What each character is to the detectors: a digit (with its value: ASCII,
 * full-width, Arabic-Indic, Devanagari… every Unicode decimal digit), a letter
 * (ASCII or full-width, as its upper-case ASCII code), a separator people put
 * between digit groups (spaces of every width incl. NBSP and thin space, dashes,
 * `+` and `_`), a weak separator (dot, slash: allowed only between card-like
 * groups), an invisible character (zero-width space, soft hyphen: ignored), the
 * lead character of an escape (`%`, `&`, `\`), or anything else.
 * Tables for the BMP are built once at load (well under a millisecond); astral
 * digits (e.g. mathematical digits) are looked up in a small map.
 */
export const OTHER = 0;
export const DIGIT = 1;
export const LETTER = 2;
export const SEP = 3;
export const WEAK = 4;
export const SKIP = 5;
export const ESCAPE = 6;

/** Class of each BMP code unit. */
export const CLASS = new Uint8Array(0x10000);
/** Digit value, or the upper-case ASCII code of a letter. */
export const VALUE = new Uint8Array(0x10000);
/** Astral decimal digits: code point → value. */
export const ASTRAL_DIGITS = new Map<number, number>();

function set(from: number, to: number, cls: number): void {
  for (let c = from; c <= to; c++) CLASS[c] = cls;
}

/**
 * The zero of every run of Unicode decimal digits (General Category Nd, Unicode 17): each
 * run is 0 to 9 in order, a stability guarantee of the standard. Generated with
 * /\p{Nd}/u over all code points; masking.test.ts checks the list against the running ICU.
 */
export const DIGIT_ZEROS = [
  0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20,
  0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900,
  0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x10d40, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450,
  0x114d0, 0x11650, 0x116c0, 0x116d0, 0x116da, 0x11730, 0x118e0, 0x11950, 0x11bf0, 0x11c50, 0x11d50, 0x11da0, 0x11de0,
  0x11f50, 0x16130, 0x16a60, 0x16ac0, 0x16b50, 0x16d70, 0x1ccf0, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140,
  0x1e2f0, 0x1e4f0, 0x1e5f1, 0x1e950, 0x1fbf0,
];
for (const zero of DIGIT_ZEROS) {
  for (let v = 0; v < 10; v++) {
    const cp = zero + v;
    if (cp < 0x10000) { CLASS[cp] = DIGIT; VALUE[cp] = v; } else ASTRAL_DIGITS.set(cp, v);
  }
}

for (let c = 0x41; c <= 0x5a; c++) { CLASS[c] = LETTER; VALUE[c] = c; CLASS[c + 0x20] = LETTER; VALUE[c + 0x20] = c; }
// Full-width Latin letters (Ａ-Ｚ, ａ-ｚ).
for (let i = 0; i < 26; i++) {
  CLASS[0xff21 + i] = LETTER; VALUE[0xff21 + i] = 0x41 + i;
  CLASS[0xff41 + i] = LETTER; VALUE[0xff41 + i] = 0x41 + i;
}
// Separators: spaces of every width, dashes, plus (a space in URLs and forms), underscore (JS numeric separators).
for (const c of [0x20, 0x09, 0x2b, 0x2d, 0x5f, 0xa0, 0x1680, 0x202f, 0x205f, 0x3000, 0x2212, 0xfe58, 0xfe63, 0xff0d, 0xff0b, 0xff3f]) CLASS[c] = SEP;
set(0x2000, 0x200a, SEP);
set(0x2010, 0x2015, SEP);
// Weak separators: dots and slashes also separate decimals, dates and paths.
for (const c of [0x2e, 0x2f, 0xb7, 0x2024, 0x2044, 0x2215, 0xff0e, 0xff0f]) CLASS[c] = WEAK;
// Invisible: zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator.
for (const c of [0xad, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff]) CLASS[c] = SKIP;
for (const c of [0x25, 0x26, 0x5c]) CLASS[c] = ESCAPE;

/** Class of any code point (escapes decode to code points). */
export function classOf(cp: number): number {
  if (cp < 0x10000) return CLASS[cp]!;
  return ASTRAL_DIGITS.has(cp) ? DIGIT : OTHER;
}

/** Value of any code point (digit value or letter code). */
export function valueOf(cp: number): number {
  if (cp < 0x10000) return VALUE[cp]!;
  return ASTRAL_DIGITS.get(cp) ?? 0;
}
