/**
 * Card numbers and IBANs to push through the masker and the ingest routes, every
 * way they can be written, and a finder that looks for them in whatever comes out,
 * undoing the same encodings independently of the masker's own lexer.
 */

/** Luhn-valid numbers of several brands and lengths (public test numbers where they exist). */
export const PANS = {
  visa: '4111111111111111',
  visa13: '4222222222222',
  mastercard: '5555555555554444',
  mastercard2: '2223003122003222',
  amex: '378282246310005',
  discover: '6011111111111117',
  diners: '36227206271667',
  jcb: '3530111333300000',
  unionpay19: withLuhn('622126000000000000'),
  maestro: withLuhn('675964982643845'),
  mir: withLuhn('220070000000000'),
};

/** Valid IBANs of several countries (registry examples), compact. */
export const IBANS = {
  de: 'DE89370400440532013000',
  gb: 'GB82WEST12345698765432',
  fr: 'FR1420041010050500013M02606',
  nl: 'NL91ABNA0417164300',
  es: 'ES9121000418450200051332',
  it: 'IT60X0542811101000000123456',
  be: 'BE68539007547034',
  ch: 'CH9300762011623852957',
  pl: 'PL61109010140000071219812874',
  no: 'NO9386011117947',
};

export function withLuhn(body: string): string {
  for (let d = 0; d < 10; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

export function luhn(digits: string): boolean {
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

/** Card-style groups: Amex 4-6-5, Diners 4-6-4, else fours. */
function groups(pan: string): string[] {
  if (pan.length === 15 && pan.startsWith('3')) return [pan.slice(0, 4), pan.slice(4, 10), pan.slice(10)];
  if (pan.length === 14) return [pan.slice(0, 4), pan.slice(4, 10), pan.slice(10)];
  return pan.match(/.{1,4}/g)!;
}

const fullWidth = (s: string) => s.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const arabicIndic = (s: string) => s.replace(/[0-9]/g, (c) => String.fromCharCode(0x660 + Number(c)));
const perChar = (s: string, f: (c: string) => string) => [...s].map((c) => (/[0-9A-Za-z]/.test(c) ? f(c) : c)).join('');

/** Every way a value is written that the masker must see through: name → text. */
export function encodings(value: string, kind: 'pan' | 'iban'): Record<string, string> {
  const g = kind === 'pan' ? groups(value) : value.match(/.{1,4}/g)!;
  const joined = (sep: string) => g.join(sep);
  const out: Record<string, string> = {
    plain: value,
    spaces: joined(' '),
    dashes: joined('-'),
    'double spaces': joined('  '),
    nbsp: joined('\u00a0'),
    'thin space': joined('\u2009'),
    'plus (URL space)': joined('+'),
    '%20': joined('%20'),
    '%2520 (double)': joined('%2520'),
    '%C2%A0': joined('%C2%A0'),
    '&nbsp;': joined('&nbsp;'),
    '\\u00a0 (JSON)': joined('\\u00a0'),
    'full-width': fullWidth(joined(' ')),
    'full-width, ideographic space': fullWidth(joined('\u3000')),
    'zero-width spaces': [...value].join('\u200b'),
    'every character %XX': perChar(value, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    'every character &#NN;': perChar(joined(' '), (c) => `&#${c.charCodeAt(0)};`),
    'every character &#xHH;': perChar(joined(' '), (c) => `&#x${c.charCodeAt(0).toString(16)};`),
    'every character \\u00XX': perChar(value, (c) => `\\u00${c.charCodeAt(0).toString(16)}`),
    'every character &amp;#NN;': perChar(value, (c) => `&amp;#${c.charCodeAt(0)};`),
  };
  if (kind === 'pan') {
    out.dots = joined('.');
    out.slashes = joined('/');
    out['arabic-indic digits'] = arabicIndic(joined(' '));
    out['full-width %-encoded'] = perChar(value, (c) => encodeURIComponent(fullWidth(c)));
  } else {
    out.lower = value.toLowerCase();
    out['lower, spaces'] = joined(' ').toLowerCase();
    out['mixed case'] = [...value].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
    out['lower %20'] = joined('%20').toLowerCase();
    out['lower +'] = joined('+').toLowerCase();
  }
  return out;
}

/** All (value, encoding name, encoded text) triples. */
export function allEncoded(pans = Object.values(PANS), ibans = Object.values(IBANS)): { value: string; kind: 'pan' | 'iban'; encoding: string; text: string }[] {
  const out: { value: string; kind: 'pan' | 'iban'; encoding: string; text: string }[] = [];
  for (const value of pans) for (const [encoding, text] of Object.entries(encodings(value, 'pan'))) out.push({ value, kind: 'pan', encoding, text });
  for (const value of ibans) for (const [encoding, text] of Object.entries(encodings(value, 'iban'))) out.push({ value, kind: 'iban', encoding, text });
  return out;
}

const NAMED: Record<string, string> = { nbsp: ' ', amp: '&', thinsp: ' ', ensp: ' ', emsp: ' ', ndash: '-', mdash: '-', quot: '"', lt: '<', gt: '>', apos: "'" };

/**
 * The text with every encoding undone (percent, HTML, JSON escapes, repeatedly), Unicode
 * compatibility forms folded (full-width), other scripts' digits made ASCII, every
 * separator and invisible character removed, and letters upper-cased: a value written
 * any way shows up as its compact form.
 */
export function canonical(text: string): string {
  let t = text;
  for (let round = 0; round < 4; round++) {
    const before = t;
    t = t.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
      const bytes = Buffer.from(m.replace(/%/g, ''), 'hex');
      const s = bytes.toString('utf8');
      return s.includes('\ufffd') ? bytes.toString('latin1') : s;
    });
    t = t.replace(/&#[xX]([0-9A-Fa-f]+);?|&#(\d+);?|&([A-Za-z]+);/g, (m, hex, dec, name) => {
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      if (dec) return String.fromCodePoint(Number(dec));
      return NAMED[name] ?? m;
    });
    t = t.replace(/\\+u([0-9A-Fa-f]{4})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    if (t === before) break;
  }
  // Base64 (and base64url) that decodes to text is searched decoded too.
  const decoded: string[] = [];
  for (const m of t.matchAll(/[A-Za-z0-9+/_-]{20,}={0,2}/g)) {
    const bytes = Buffer.from(m[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    const s = bytes.toString('utf8');
    if (bytes.length >= 13 && !s.includes('\ufffd')) decoded.push(canonical(s));
  }
  t = t.normalize('NFKC').replace(/\p{Nd}/gu, (d) => {
    const cp = d.codePointAt(0)!;
    for (let z = cp; z > cp - 10; z--) if (!/\p{Nd}/u.test(String.fromCodePoint(z - 1))) return String((cp - z) % 10);
    return d;
  });
  return [t.replace(/[\s\p{Zs}\p{Cf}\u00ad+\-\u2010-\u2015\u2212_./]/gu, '').toUpperCase(), ...decoded].join('\n');
}

/** Values found in `text` (any encoding); `prefixes` also reports any 7+ digit start of a card (typed text). */
export function findSecrets(text: string, values: string[], prefixes = false): string[] {
  return findInCanonical(canonical(text), values, prefixes);
}

/** findSecrets over a text already made canonical (search one text for many value sets). */
export function findInCanonical(c: string, values: string[], prefixes = false): string[] {
  const found: string[] = [];
  for (const v of values) {
    if (c.includes(v.toUpperCase())) found.push(v);
    else if (prefixes && /^\d+$/.test(v)) {
      for (let k = v.length - 1; k >= 7; k--) if (c.includes(v.slice(0, k))) { found.push(`${v.slice(0, k)}… (prefix of ${v})`); break; }
    }
  }
  return found;
}

/** A deterministic digit stream (so every run pushes the same values). */
function digits(seed: number, n: number): string {
  let x = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out += String((x >>> 24) % 10);
  }
  return out;
}

/** An IBAN with its mod-97 check digits computed. */
export function makeIban(country: string, bban: string): string {
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of numeric) rest = (rest * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rest).padStart(2, '0')}${bban}`;
}

/** Card numbers (several brands and lengths) and IBANs (several countries) that only route `route` uses. */
export function secretsFor(route: number): { pans: string[]; ibans: string[] } {
  const brands: [string, number][] = [['4', 16], ['51', 16], ['2221', 16], ['37', 15], ['6011', 16], ['36', 14], ['3530', 16], ['62', 19], ['2200', 16], ['4', 13]];
  const pans = brands.map(([prefix, length], i) => withLuhn(prefix + digits(route * 100 + i, length - prefix.length - 1)));
  const s = (i: number, n: number) => digits(route * 1000 + i, n);
  const ibans = [
    makeIban('DE', s(1, 18)),
    makeIban('GB', 'WEST' + s(2, 14)),
    makeIban('NL', 'ABNA' + s(3, 10)),
    makeIban('FR', s(4, 10) + 'A1B2C3D4E5F' + s(5, 2)),
    makeIban('NO', s(6, 11)),
    makeIban('ES', s(7, 20)),
  ];
  return { pans, ibans };
}
