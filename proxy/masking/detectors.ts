/**
 * Built-in detectors for what must never reach disk: payment card numbers
 * (Luhn-checked, spaces or dashes allowed between digits) and IBANs (mod-97
 * checked), plus the policy's own regexes. Dependency-free and pure: the
 * proxy runs them on recorder events, captured bodies and request bodies.
 */

/** Every masked character becomes this, so a replay shows the value as masked. */
export const MASK_CHAR = '•';

/**
 * 13-19 digits, optionally one space or dash between any two, not glued to other
 * digits, starting with 2-6 (Mir, Visa, Mastercard, Amex, JCB, Diners, Discover,
 * UnionPay, Maestro): epoch-millisecond timestamps (which start with 1) stay intact.
 */
const CARD = /(?<![\d])[2-6](?:[ -]?\d){12,18}(?![\d])/g;
/** Two letters, two check digits, 11-30 alphanumerics (spaces allowed every so often). */
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])/g;
/** Cheap pre-checks: nothing to do unless the text has a long digit run or an IBAN-like start. */
const CARD_HINT = /[2-6][ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d[ -]?\d/;
const IBAN_HINT = /[A-Z]{2}\d{2} ?[A-Z0-9]{4}/;

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

export function ibanValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : ch;
    for (const digit of value) rest = (rest * 10 + digit.charCodeAt(0) - 48) % 97;
  }
  return rest === 1;
}

/** Masks every letter and digit of `value`, keeping separators (so the shape stays readable). */
export function maskChars(value: string): string {
  return value.replace(/[A-Za-z0-9]/g, MASK_CHAR);
}

/** Masks a whole field value: every character but whitespace. */
export function maskWhole(value: string): string {
  return value.replace(/\S/g, MASK_CHAR);
}

/** 7+ digits (separators allowed): in a form field this may be a card number being typed. */
const TYPED_DIGITS = /\d(?:[ -]?\d){6,}/g;

/**
 * For form field values only: every keystroke is recorded, so a card number is seen
 * partly typed (not yet Luhn-valid). Masking any run of 7+ digits leaves at most the
 * first six digits of a card visible at any moment (PCI DSS allows first 6 / last 4).
 */
export function maskTypedDigits(value: string): string {
  return value.replace(TYPED_DIGITS, (m) => maskChars(m));
}

export interface TextDetectors {
  cards: boolean;
  ibans: boolean;
  patterns: RegExp[];
}

/** True when some detector might match: callers skip decoding and re-encoding otherwise. */
export function couldMatch(text: string, d: TextDetectors): boolean {
  if (d.cards && CARD_HINT.test(text)) return true;
  if (d.ibans && IBAN_HINT.test(text)) return true;
  for (const p of d.patterns) {
    p.lastIndex = 0;
    if (p.test(text)) return true;
  }
  return false;
}

/** Returns `text` with every detected value masked (the same string when nothing matched). */
export function maskText(text: string, d: TextDetectors): string {
  if (!couldMatch(text, d)) return text;
  let out = text;
  if (d.cards) {
    out = out.replace(CARD, (m) => (luhnValid(m.replace(/[ -]/g, '')) ? maskChars(m) : m));
  }
  if (d.ibans) {
    out = out.replace(IBAN, (m) => (ibanValid(m.replace(/ /g, '')) ? m.slice(0, 2) + maskChars(m.slice(2)) : m));
  }
  for (const p of d.patterns) {
    p.lastIndex = 0;
    out = out.replace(p, (m) => maskWhole(m));
  }
  return out;
}
