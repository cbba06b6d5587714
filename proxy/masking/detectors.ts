/**
 * Built-in detectors for what must never reach disk: payment card numbers and
 * IBANs, in whatever encoding and layout they arrive (lexer.ts undoes the
 * encodings, char-classes.ts knows the digits, letters and separators), plus the
 * policy's own regexes. Dependency-free apart from the IBAN registry, pure, and
 * allocation-free on clean text: the proxy runs them on every captured body.
 *
 * The rules (docs/MASKING.md has them for people):
 * - A *run* is a sequence of digits and letters in which neighbours are at most
 *   MAX_GAP separators apart (spaces of any width, dashes, `+`, `_`, dots, slashes;
 *   zero-width characters are ignored). Anything else ends it.
 * - Card: within a run, 13-19 digits made of whole digit groups (groups are split by
 *   separators, and never by a letter), first digit 2-9 (epoch-ms timestamps start
 *   with 1), Luhn-valid. Across a dot or slash every group but the last must be 3-6
 *   digits long (card-like), so decimals, dates and paths are left alone.
 * - IBAN: two letters of a country in the registry (any case, full-width too), two
 *   digits, then exactly that country's length of letters and digits (single or
 *   double spaces or dashes between them), matching its BBAN structure, mod-97 valid,
 *   and not glued to other letters or digits on either side (inside base64 or a hash,
 *   a country's alphanumeric BBAN matches one position in 97). The country code stays visible.
 * - Typed text (form field values, text typed into contenteditable): every run of 7 or
 *   more digits (joined by spaces or dashes; dots and slashes make amounts and dates) is
 *   masked whatever Luhn says, because each keystroke is recorded and a
 *   card being typed is not yet Luhn-valid: at most six digits of a card ever show
 *   (PCI DSS allows the first six). An IBAN being typed is masked from its check digits
 *   on as soon as its country code and check digits are there.
 * - Text cut off at its end (a capture or message over the cap): the run at the end is
 *   treated as typed text, since a card cut in two is not Luhn-valid either.
 * Each text is read twice, once with escapes undone and once as written, so that an
 * escape cannot hide digits next to it (`%34111…` holds both "4111…" and "34111…").
 * Base64 tokens that decode to text are read decoded (`base64` option); one holding a value is masked whole.
 */
import { DIGIT, LETTER, OTHER, SEP, SKIP, WEAK } from './char-classes';
import { isUtf8 } from 'node:buffer';
import { candidateRegions } from './hints';
import { IBAN_FORMATS, ibanChecksumValid } from './iban-registry';
import { readUnit, unit } from './lexer';

export { ibanValid } from './iban-registry';

/** Every masked character becomes this, so a replay shows the value as masked. */
export const MASK_CHAR = '•';
/** Separators allowed between two digits (or IBAN characters) of one value. */
const MAX_GAP = 3;
const CARD_MIN = 13;
const CARD_MAX = 19;
const TYPED_MIN = 7;
const IBAN_MIN = 15;
/** Texts up to this length are read whole (no pre-check). */
const WHOLE_TEXT = 256;
/** How far back from a cut-off end a value may start. */
const TAIL = 1024;

export interface TextDetectors {
  cards: boolean;
  ibans: boolean;
  patterns: RegExp[];
}

export interface ScanOptions {
  /** Typed text: every run of 7+ digits, Luhn or not (see above). */
  typed?: boolean;
  /** The text was cut off at its end: the run at the end is read as typed text. */
  openEnd?: boolean;
  /** The string is a byte view (latin1) of UTF-8 or binary data. */
  utf8Bytes?: boolean;
  /** How many percent-encoding layers were undone already (internal). */
  layers?: number;
  /**
   * Also read base64 where it is worth it (JSON strings, parameter values, JWT parts, a whole
   * string): on for strings, JSON, forms and WebSocket text; off for HTML, scripts and styles,
   * where base64 is inlined images and fonts and looking costs a pass over every quote and `=`.
   */
  base64?: boolean;
  /**
   * Binary data: a card number may sit glued to bytes that happen to be digits (a length or tag
   * byte of 0x30-0x39). A digit run (up to 57 digits) holding any Luhn-valid 13-19 digit window,
   * whatever its grouping, is masked whole.
   */
  glued?: boolean;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Masks a whole field value: every character but whitespace. */
export function maskWhole(value: string): string {
  return value.replace(/\S/gu, MASK_CHAR);
}

/**
 * Raw [start, end) ranges of the characters to mask in `text`, as a flat sorted list
 * of pairs: one range per masked unit (a digit, a letter, or an escape standing for one).
 */
export function findSecrets(text: string, d: TextDetectors, options: ScanOptions = {}): number[] {
  const found: number[] = [];
  if (d.cards || d.ibans || options.typed) {
    const utf8 = options.utf8Bytes ?? false;
    const whole = options.typed || text.length <= WHOLE_TEXT;
    const regions = whole ? [0, text.length] : candidateRegions(text, { cards: d.cards, ibans: d.ibans, utf8Bytes: utf8 });
    if (options.openEnd && !whole) regions.push(Math.max(0, text.length - TAIL), text.length);
    for (let r = 0; r < regions.length; r += 2) {
      const from = regions[r]!;
      const to = regions[r + 1]!;
      const escaped = scan(text, from, to, d, options, true, utf8, found);
      // The escapes read as text: only needed when some escape stood for a digit, letter or separator.
      if (escaped) scan(text, from, to, d, options, false, utf8, found);
    }
  }
  // An escape inside percent-encoding (JSON or HTML escapes in a URL parameter, `%5Cu0034`):
  // read the percent-decoded text too, and map what it finds back.
  if ((d.cards || d.ibans) && (options.layers ?? 0) < 2 && LAYERED.test(text)) {
    const { decoded, map } = percentDecodeAscii(text);
    const inner = findSecrets(decoded, d, { ...options, layers: (options.layers ?? 0) + 1 });
    for (let i = 0; i < inner.length; i += 2) found.push(map[inner[i]!]!, map[inner[i + 1]!]!);
  }
  if (options.base64 && (d.cards || d.ibans) && !options.utf8Bytes && (options.layers ?? 0) < 2) base64Secrets(text, d, options, found);
  for (const p of d.patterns) {
    p.lastIndex = 0;
    for (const m of text.matchAll(p)) {
      const at = m.index ?? 0;
      for (let i = 0; i < m[0].length; i++) if (!/\s/.test(m[0][i]!)) found.push(at + i, at + i + 1);
    }
  }
  return normalise(found);
}

const LAYERED = /%(?:25)*(?:5[cC]|2[36])/;
/**
 * Where base64 worth decoding stands: a whole JSON string, a parameter value (after `=`, maybe
 * percent-encoded), a JWT part (`eyJ…`: base64 of `{"`), or the whole text. Each alternative starts
 * with a fixed character, so looking for them costs one fast pass.
 */
const BASE64_PLACES = /"([A-Za-z0-9+/_-]{20,4096}={0,2})"|=([A-Za-z0-9+/_%-]{20,4096}(?:=|%3[dD]){0,2})|(eyJ[A-Za-z0-9_-]{10,4096})/g;
const WHOLE_BASE64 = /^[A-Za-z0-9+/_-]{20,4096}={0,2}$/;
const TEXT_LIKE = /^[^\x00-\x08\x0e-\x1f\x7f]*$/;

/**
 * Base64 inside text: a token that decodes to text (valid UTF-8, no control characters) holding
 * a card number or IBAN is masked whole (a JWT payload, `{"data":"eyJwYW4iOi…"}`, `?state=…`).
 * Tokens that decode to binary (inlined images and fonts) are left alone.
 */
function base64Secrets(text: string, d: TextDetectors, options: ScanOptions, found: number[]): void {
  const check = (token: string, at: number) => {
    const raw = token.includes('%') ? safeUnescape(token) : token;
    // Needs digits and letters both (words and numbers are not base64 worth decoding).
    if (!/[0-9]/.test(raw) || !/[A-Za-z]/.test(raw)) return;
    const bytes = Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length < 13 || !isUtf8(bytes)) return;
    const decoded = bytes.toString('utf8');
    if (!TEXT_LIKE.test(decoded)) return;
    if (findSecrets(decoded, d, { ...options, layers: (options.layers ?? 0) + 1 }).length) {
      for (let i = 0; i < token.length; i++) found.push(at + i, at + i + 1);
    }
  };
  if (WHOLE_BASE64.test(text)) return check(text, 0);
  // matchAll works on a copy of the expression: the recursive findSecrets uses it too.
  for (const m of text.matchAll(BASE64_PLACES)) {
    const token = m[1] ?? m[2] ?? m[3]!;
    check(token, m.index! + m[0].indexOf(token));
  }
}

function safeUnescape(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * %XX of ASCII characters undone; map[i] is the raw position of decoded character i (map[length] = raw length).
 * Typed arrays rather than string concatenation: this runs over whole bodies (200 KB of binary read as latin1 holds
 * `%5c` by chance), where building the result a character at a time cost 10 ms and more.
 */
function percentDecodeAscii(text: string): { decoded: string; map: Uint32Array } {
  const n = text.length;
  const codes = new Uint16Array(n);
  const map = new Uint32Array(n + 1);
  let j = 0;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < n) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && hi <= 7 && lo >= 0) {
        codes[j] = hi * 16 + lo;
        map[j++] = i;
        i += 3;
        continue;
      }
    }
    codes[j] = c;
    map[j++] = i;
    i++;
  }
  map[j] = n;
  let decoded = '';
  for (let k = 0; k < j; k += 8192) decoded += String.fromCharCode.apply(null, codes.subarray(k, Math.min(j, k + 8192)) as unknown as number[]);
  return { decoded, map: map.subarray(0, j + 1) };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Returns `text` with every detected value masked (the same string when nothing matched). */
export function maskText(text: string, d: TextDetectors, options?: ScanOptions): string {
  const spans = findSecrets(text, d, options);
  return spans.length ? applySpans(text, spans, MASK_CHAR) : text;
}

/** Typed text (form field values, contenteditable): see the rules above. */
export function maskTyped(text: string, d: TextDetectors): string {
  return maskText(text, d, { typed: true });
}

/**
 * Replaces each range with `replacement`, or, when `replacement` is a number, with that
 * character repeated over the range's length (binary data keeps its offsets).
 */
export function applySpans(text: string, spans: number[], replacement: string | number): string {
  let out = '';
  let at = 0;
  for (let i = 0; i < spans.length; i += 2) {
    const start = spans[i]!;
    const end = spans[i + 1]!;
    out += text.slice(at, start);
    out += typeof replacement === 'number' ? String.fromCharCode(replacement).repeat(end - start) : replacement;
    at = end;
  }
  return out + text.slice(at);
}

/** Sorts ranges and merges overlapping ones (adjacent ones stay apart: one mask character per unit). */
function normalise(spans: number[]): number[] {
  if (spans.length <= 2) return spans;
  const pairs: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s < out[last]!) out[last] = Math.max(out[last]!, e);
    else out.push(s, e);
  }
  return out;
}

/**
 * One reading of the text: finds runs cheaply (counters only) and looks closely only at
 * a run that has 13 digits in a row of groups, or the start of an IBAN and 11 more
 * characters. Returns whether an escape stood for something the detectors read.
 */
function scan(text: string, from: number, to: number, d: TextDetectors, options: ScanOptions,
  decode: boolean, utf8: boolean, out: number[]): boolean {
  const n = to;
  const typed = options.typed ?? false;
  const segMin = typed ? TYPED_MIN : d.cards ? CARD_MIN : Infinity;
  let escaped = false;
  let runStart = -1;
  let runEnd = 0;
  let gap = 0;
  let seg = 0;
  let prev = OTHER;
  let letters = 0;
  let checkDigits = 0;
  let sinceIban = -1;
  let hit = false;
  const flush = (atEnd: boolean) => {
    const tail = atEnd && n === text.length && (options.openEnd ?? false);
    if (hit || (tail && (seg >= TYPED_MIN || sinceIban >= 0))) inspect(text, runStart, runEnd, d, typed, tail, decode, utf8, out, options.glued ?? false);
    runStart = -1;
  };
  for (let i = from; i < n;) {
    const k = readUnit(text, i, decode, utf8);
    const len = unit.len;
    if (unit.decoded) escaped = true;
    if (k === DIGIT || k === LETTER) {
      const glued = runStart >= 0 && gap === 0;
      if (runStart < 0) {
        runStart = i;
        seg = 0;
        sinceIban = -1;
        hit = false;
        letters = 0;
        checkDigits = 0;
      }
      if (k === DIGIT) {
        if (++seg >= segMin) hit = true;
        if (glued && prev === LETTER && letters >= 2) checkDigits = 1;
        else if (glued && prev === DIGIT && checkDigits === 1) { checkDigits = 0; if (sinceIban < 0) sinceIban = 0; }
        else checkDigits = 0;
        letters = 0;
      } else {
        seg = 0;
        letters = glued && prev === LETTER ? letters + 1 : 1;
        checkDigits = 0;
      }
      if (sinceIban >= 0 && d.ibans && ++sinceIban >= IBAN_MIN - 3) hit = true;
      else if (sinceIban >= 0 && typed) hit = true;
      runEnd = i + len;
      gap = 0;
      prev = k;
    } else if (k === SEP || k === WEAK) {
      if (runStart >= 0 && ++gap > MAX_GAP) flush(false);
      prev = k;
    } else if (k !== SKIP) {
      if (runStart >= 0) flush(false);
      prev = OTHER;
    }
    i += len;
  }
  if (runStart >= 0) flush(true);
  return escaped;
}

// Scratch arrays for inspect(): the units of one run.
let cap = 1024;
let kinds = new Uint8Array(cap);
let values = new Uint8Array(cap);
let starts = new Uint32Array(cap);
let ends = new Uint32Array(cap);
let gaps = new Uint8Array(cap);
let weak = new Uint8Array(cap);
let marks = new Uint8Array(cap);

function grow(need: number): void {
  if (need <= cap) return;
  while (cap < need) cap *= 2;
  kinds = new Uint8Array(cap); values = new Uint8Array(cap); starts = new Uint32Array(cap); ends = new Uint32Array(cap);
  gaps = new Uint8Array(cap); weak = new Uint8Array(cap); marks = new Uint8Array(cap);
}

/** Looks closely at one run: its digits and letters with the separators before each. */
function inspect(text: string, from: number, to: number, d: TextDetectors, typed: boolean, tail: boolean,
  decode: boolean, utf8: boolean, out: number[], glued: boolean): void {
  grow(to - from);
  let m = 0;
  let gapCount = 0;
  let sawWeak = 0;
  for (let i = from; i < to;) {
    const k = readUnit(text, i, decode, utf8);
    if (k === DIGIT || k === LETTER) {
      kinds[m] = k; values[m] = unit.value; starts[m] = i; ends[m] = i + unit.len;
      gaps[m] = gapCount > 255 ? 255 : gapCount; weak[m] = sawWeak; marks[m] = 0;
      m++;
      gapCount = 0;
      sawWeak = 0;
    } else if (k === SEP) gapCount++;
    else if (k === WEAK) { gapCount++; sawWeak = 1; }
    i += unit.len;
  }
  if (d.cards || typed || tail) markCards(m, typed, tail, glued);
  if (d.ibans || typed || tail) markIbans(m, d.ibans, typed, tail);
  for (let u = 0; u < m; u++) if (marks[u]) out.push(starts[u]!, ends[u]!);
}

function markCards(m: number, typed: boolean, tail: boolean, glued: boolean): void {
  let u = 0;
  while (u < m) {
    if (kinds[u] !== DIGIT) { u++; continue; }
    let b = u;
    while (b < m && kinds[b] === DIGIT) b++;
    const total = b - u;
    if (typed || (tail && b === m)) {
      // Digits joined by dots or slashes are amounts and dates ("1.500.000"), not a card being typed.
      for (let p = u; p < b;) {
        let q = p + 1;
        while (q < b && !weak[q]) q++;
        if (q - p >= TYPED_MIN) for (let x = p; x < q; x++) marks[x] = 1;
        p = q;
      }
    }
    if (total >= CARD_MIN) markCardWindows(u, b);
    if (glued && total >= CARD_MIN + 1) markGluedGroups(u, b);
    u = b;
  }
}

/**
 * Binary data: a card number with stray digit bytes glued to it (before or after, spaced or not):
 * any 13-19 digit window of the segment, group boundaries aside, that is Luhn-valid masks the segment.
 */
function markGluedGroups(a: number, b: number): void {
  if (b - a > 3 * CARD_MAX) return;
  for (let s = a; s + CARD_MIN <= b; s++) {
    if (values[s]! < 2) continue;
    for (let e = s + CARD_MIN; e <= Math.min(b, s + CARD_MAX); e++) {
      if (luhnUnits(s, e)) {
        for (let x = a; x < b; x++) marks[x] = 1;
        return;
      }
    }
  }
}

/** Windows of whole groups within the digit segment [a, b). */
function markCardWindows(a: number, b: number): void {
  for (let g = a; g < b; g = nextGroup(g, b)) {
    if (values[g]! < 2) continue;
    let crossesWeak = false;
    let groupsCardLike = true;
    for (let h = g; h < b; h = nextGroup(h, b)) {
      const end = nextGroup(h, b);
      const size = end - h;
      if (h > g && weak[h]) crossesWeak = true;
      const total = end - g;
      if (total > CARD_MAX) break;
      // The last group of a card may be short (4-4-4-1 for 13 digits); every other one is 3-6 long.
      if (total >= CARD_MIN && (!crossesWeak || (groupsCardLike && size <= 6)) && luhnUnits(g, end)) {
        for (let x = g; x < end; x++) marks[x] = 1;
      }
      if (size < 3 || size > 6) groupsCardLike = false;
    }
  }
}

function nextGroup(u: number, b: number): number {
  let x = u + 1;
  while (x < b && gaps[x] === 0) x++;
  return x;
}

function luhnUnits(a: number, b: number): boolean {
  let sum = 0;
  let double = false;
  for (let x = b - 1; x >= a; x--) {
    let v = values[x]!;
    if (double) { v *= 2; if (v > 9) v -= 9; }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

function markIbans(m: number, complete: boolean, typed: boolean, tail: boolean): void {
  for (let u = 0; u + 3 < m; u++) {
    if (kinds[u] !== LETTER || kinds[u + 1] !== LETTER || kinds[u + 2] !== DIGIT || kinds[u + 3] !== DIGIT) continue;
    if (gaps[u + 1] || gaps[u + 2] || gaps[u + 3]) continue;
    const format = IBAN_FORMATS.get(String.fromCharCode(values[u]!, values[u + 1]!));
    if (!format) continue;
    let end = u + 4;
    while (end < u + format.length && end < m && gaps[end]! <= 2 && !weak[end]) end++;
    // Delimited on both sides: inside a longer run of letters and digits (base64, hashes, ids) it is not an IBAN.
    const delimited = (u === 0 || gaps[u]! > 0) && (end === m || gaps[end]! > 0);
    if (end === u + format.length && complete && delimited) {
      let compact = String.fromCharCode(values[u]!, values[u + 1]!);
      for (let x = u + 2; x < end; x++) compact += kinds[x] === DIGIT ? String.fromCharCode(48 + values[x]!) : String.fromCharCode(values[x]!);
      if (format.bban.test(compact.slice(4)) && ibanChecksumValid(compact)) {
        for (let x = u + 2; x < end; x++) marks[x] = 1;
        u = end - 1;
        continue;
      }
    }
    // Being typed, or cut off at the end: the country code and check digits are enough.
    if (typed || (tail && end === m)) {
      for (let x = u + 2; x < end; x++) marks[x] = 1;
      u = end - 1;
    }
  }
}
