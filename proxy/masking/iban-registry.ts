/**
 * IBAN country formats from ibantools' registry (length and BBAN structure per
 * country), with our own mod-97 check. The national check digits ibantools also
 * verifies are left out on purpose: a value with the right country, length,
 * structure and ISO 7064 check is masked even if a national checksum is wrong
 * (a bank would rather over-mask a mistyped IBAN than store it).
 */
import { getCountrySpecifications } from 'ibantools';

export interface IbanFormat {
  length: number;
  bban: RegExp;
}

export const IBAN_FORMATS = new Map<string, IbanFormat>();
for (const [country, spec] of Object.entries(getCountrySpecifications())) {
  if (spec.chars && spec.bban_regexp) IBAN_FORMATS.set(country, { length: spec.chars, bban: new RegExp(spec.bban_regexp) });
}

/** ISO 7064 mod 97-10 over an upper-case compact IBAN. */
export function ibanChecksumValid(compact: string): boolean {
  let rest = 0;
  const n = compact.length;
  for (let i = 0; i < n; i++) {
    const code = compact.charCodeAt((i + 4) % n);
    if (code >= 65) rest = (rest * 100 + code - 55) % 97;
    else rest = (rest * 10 + code - 48) % 97;
  }
  return rest === 1;
}

/** Upper-case compact IBAN (no spaces): right country, length, BBAN structure and mod-97. */
export function ibanValid(compact: string): boolean {
  const format = IBAN_FORMATS.get(compact.slice(0, 2));
  if (!format || compact.length !== format.length || !/^\d\d$/.test(compact.slice(2, 4))) return false;
  return format.bban.test(compact.slice(4)) && ibanChecksumValid(compact);
}
