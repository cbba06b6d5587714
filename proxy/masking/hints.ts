/**
 * Cheap pre-checks that keep the character-by-character reading (detectors.ts) to
 * the few places of a text where a card number or IBAN could be. Two native
 * regular expressions with latin1 classes (fast on every string, which classes with
 * many Unicode ranges are not) find clusters of 13+ digits with at most four
 * separators between neighbours, and IBAN starts (two letters, two digits). They
 * run on a *skeleton* of the text that keeps every position:
 *  - only when the text has them, non-latin1 digits become `5`, non-latin1 separators a
 *    space, full-width letters `A` (one native replacement each);
 *  - only when an escape stands for a digit, or follows a digit (a separator between
 *    groups), every escape becomes what it stands for, padded with U+0001 to its raw
 *    length (the padded patterns then allow that padding after each token).
 * Regions around each hit (with a margin) are then read closely. Known gap: an IBAN
 * whose country letters are themselves escaped (`%44%45…`) is found only when its
 * digits make a card-like cluster.
 */
import { DIGIT, LETTER, SKIP } from './char-classes';
import { readUnit, unit } from './lexer';

const SEPARATORS = '[\\t +\\-_./\\u00a0\\u00ad\\u00b7]';
/** 13 digits, the first 2-9 (where a card starts), at most four separators between neighbours. */
const CLUSTER = new RegExp(`[2-9](?:${SEPARATORS}{0,4}\\d){12}`, 'g');
/**
 * The same with at most one separator between neighbours: three times faster on digit-heavy text
 * (each optional is one step), and enough unless two digits are several separators apart.
 */
const CLUSTER_SINGLE = new RegExp(`[2-9]${`${SEPARATORS}?\\d`.repeat(12)}`, 'g');
const MULTI_GAP = new RegExp(`\\d${SEPARATORS}{2,4}\\d`);
/** The rest of a cluster after a match (sticky). */
const CLUSTER_REST = new RegExp(`(?:${SEPARATORS}{0,4}\\d)*`, 'y');
const IBAN_START = /[A-Za-z]{2}\d\d/g;
/** The same over a skeleton with decoded escapes, whose padding (U+0001) follows a token. */
const PAD = '\\x01*';
const PADDED_CLUSTER = new RegExp(`[2-9]${PAD}(?:(?:${SEPARATORS}${PAD}){0,4}\\d${PAD}){12}`, 'g');
const PADDED_CLUSTER_REST = new RegExp(`(?:(?:${SEPARATORS}${PAD}){0,4}\\d${PAD})*`, 'y');
const PADDED_IBAN_START = new RegExp(`[A-Za-z]${PAD}[A-Za-z]${PAD}\\d${PAD}\\d`, 'g');

/** Separators beyond latin1 (char-classes.ts SEP, WEAK), and invisible characters (SKIP). */
const WIDE_SEPARATORS = /[\u1680\u2000-\u200a\u2010-\u2015\u2024\u202f\u2044\u205f\u2212\u2215\u3000\ufe58\ufe63\uff0b\uff0d-\uff0f\uff3f]/g;
const INVISIBLE = /[\u180e\u200b-\u200d\u2060\ufeff]/g;
/** The common non-ASCII digits: Arabic-Indic, Persian, Devanagari, full-width. */
const WIDE_DIGITS = /[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\uff10-\uff19]/g;
const WIDE_LETTERS = /[\uff21-\uff3a\uff41-\uff5a]/g;
/** Any of the above (never found in a one-byte string, so that test costs nothing there). */
const ANY_WIDE = /[\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u1680\u180e\u2000-\u2015\u2024\u202f\u2044\u205f\u2060\u2212\u2215\u3000\ufe58\ufe63\ufeff\uff0b-\uff5a]/;
/** Blocks that hold the other scripts' digits (a superset: their letters too), then the digits themselves. */
const RARE_BLOCKS = /[\u07c0-\u0965\u0970-\u1c59\ua620-\uabf9\ud801\ud803-\ud807\ud818\ud81a\ud81b\ud833\ud835\ud838-\ud83a]|\ud83e[\udff0-\udff9]/;
const RARE_DIGITS = /[\u07c0-\u07c9\u09e6-\u09ef\u0a66-\u0a6f\u0ae6-\u0aef\u0b66-\u0b6f\u0be6-\u0bef\u0c66-\u0c6f\u0ce6-\u0cef\u0d66-\u0d6f\u0de6-\u0def\u0e50-\u0e59\u0ed0-\u0ed9\u0f20-\u0f29\u1040-\u1049\u1090-\u1099\u17e0-\u17e9\u1810-\u1819\u1946-\u194f\u19d0-\u19d9\u1a80-\u1a89\u1a90-\u1a99\u1b50-\u1b59\u1bb0-\u1bb9\u1c40-\u1c49\u1c50-\u1c59\ua620-\ua629\ua8d0-\ua8d9\ua900-\ua909\ua9d0-\ua9d9\ua9f0-\ua9f9\uaa50-\uaa59\uabf0-\uabf9]/g;
/** Astral digits (rare scripts, mathematical and segmented digits): two code units, so a digit and a pad. */
const ASTRAL = /[\ud801\ud803-\ud807\ud818\ud81a\ud81b\ud833\ud835\ud838-\ud83a\ud83e][\udc00-\udfff]/g;

const ESCAPE = '%(?:25)*[0-9A-Fa-f]{2}|&(?:amp;)*(?:#[xX]?[0-9A-Fa-f]{1,7};?|[A-Za-z][A-Za-z0-9]{1,23};)|\\\\+(?:u[0-9A-Fa-f]{4}|u\\{[0-9A-Fa-f]{1,6}\\}|x[0-9A-Fa-f]{2}|[0-9A-Fa-f]{1,6}\\s?|[/t])';
/** Every escape, percent-encoded UTF-8 sequences whole. */
const ESCAPES = new RegExp(`%(?:25)*[0-9A-Fa-f]{2}(?:%(?:25)*[89ABab][0-9A-Fa-f])*|${ESCAPE}`, 'g');
/** Escapes that stand for a separator (char-classes.ts SEP, WEAK, SKIP), as the lexer reads them. */
const SEPARATOR_ESCAPE = '%(?:25)*(?:2[0BbDdEeFf]|09|5[Ff]|[Cc]2%(?:25)*(?:[Aa][0Dd]|[Bb]7)|[Ee]2%(?:25)*8[0-2]%(?:25)*[89ABab][0-9A-Fa-f]'
  + '|[Ee]3%(?:25)*80%(?:25)*80|[Ee][Ff]%(?:25)*[Bb][BbCc]%(?:25)*[89ABab][0-9A-Fa-f])'
  + '|&(?:amp;)*(?:(?:nbsp|NonBreakingSpace|ensp|emsp|emsp13|emsp14|numsp|puncsp|thinsp|ThinSpace|hairsp|VeryThinSpace|MediumSpace'
  + '|ZeroWidthSpace|NegativeThinSpace|zwnj|zwj|NoBreak|shy|hyphen|dash|ndash|mdash|minus|plus|lowbar|UnderBar|period|sol|middot|centerdot|Tab);'
  + '|#(?:[xX]0*(?:20|9|2[bBdDeEfF]|5[fF]|[aA][0dD]|[bB]7|20[0-6][0-9a-fA-F]|221[25]|3000|[fF][eE][fF][fF]|[fF][eE]5[8]|[fF][eE]63|[fF][fF]0[bBdDeEfF]|1680|180[eE])'
  + '|0*(?:32|9|43|45|46|47|95|160|173|183|8[12]\\d\\d|872[25]|12288|65279));?)'
  + '|\\\\+(?:u(?:00(?:20|09|2[bBdDeEfF]|5[fF]|[aA][0dD]|[bB]7)|20[0-6][0-9a-fA-F]|221[25]|3000|[fF][eE][fF][fF]|[fF][fF]0[bBdDeEfF])'
  + '|x(?:20|09|2[bBdDeEfF]|5[fF]|[aA][0dD]|[bB]7)|[/t]|2[0dDeEfF]\\s?)';
/**
 * When escapes matter: one that stands for a digit (ASCII, full-width, Arabic-Indic, Persian,
 * Devanagari), or one that stands for a separator between two digits.
 */
const DIGIT_ESCAPE = new RegExp('%(?:25)*(?:3\\d|[eE][fF]%(?:25)*[bB][cC]|[dD][9bB]%(?:25)*[aAbB]|[eE]0%(?:25)*[aA]5)'
  + '|&(?:amp;)*#(?:[xX]0*(?:3\\d|[fF][fF][1-5]|6[6fF]\\d|96[6-9a-fA-F])|0*(?:4[89]|5[0-7]|65(?:29[6-9]|30[0-5])|16(?:3[2-9]|4[01])|17(?:7[6-9]|8[0-5])|24(?:0[6-9]|1[0-5])))'
  + '|\\\\+(?:u(?:003|[fF][fF][1-5]|06[6fF]|096)|x3\\d|3\\d)');
/** A separator escape followed by a digit (the digit before it is checked in code: a lookbehind would slow the search). */
const SEPARATOR_ESCAPE_BEFORE_DIGIT = new RegExp(`(?:${SEPARATOR_ESCAPE})(?:${SEPARATORS}|${SEPARATOR_ESCAPE}){0,2}\\d`, 'g');
const DIGIT_BEFORE = new RegExp(`\\d${SEPARATORS}{0,2}$`);

/**
 * When escapes matter: one that stands for a digit (ASCII, full-width, Arabic-Indic, Persian,
 * Devanagari), or one that stands for a separator between two digits.
 */
function escapesMatter(s: string): boolean {
  if (DIGIT_ESCAPE.test(s)) return true;
  SEPARATOR_ESCAPE_BEFORE_DIGIT.lastIndex = 0;
  for (let m = SEPARATOR_ESCAPE_BEFORE_DIGIT.exec(s); m; m = SEPARATOR_ESCAPE_BEFORE_DIGIT.exec(s)) {
    if (DIGIT_BEFORE.test(s.slice(Math.max(0, m.index - 3), m.index))) return true;
    SEPARATOR_ESCAPE_BEFORE_DIGIT.lastIndex = m.index + 1;
  }
  return false;
}

const MARGIN = 64;
/** Longest raw IBAN looked at after its start: 34 characters with separators, or with escapes. */
const IBAN_PLAIN = 80;
const IBAN_REACH = 640;

export interface HintOptions {
  cards: boolean;
  ibans: boolean;
  /** The text is a byte view of UTF-8: multi-byte separators, digits and letters are byte sequences. */
  utf8Bytes?: boolean;
}

/** In a byte view: UTF-8 sequences of the characters above, replaced by what they are plus padding. */
const UTF8_INVISIBLE = /\xe2\x80[\x8b-\x8d]|\xe2\x81\xa0|\xef\xbb\xbf/g;
const UTF8_SEPARATORS_3 = /\xe2\x80[\x80-\x8a\x90-\x95\xa4\xaf]|\xe2\x81[\x84\x9f]|\xe2\x88[\x92\x95]|\xe3\x80\x80|\xef\xbc[\x8b\x8d-\x8f]|\xef\xb9[\x98\xa3]/g;
const UTF8_SEPARATORS_2 = /\xc2[\xa0\xad\xb7]/g;
const UTF8_DIGITS_2 = /\xd9[\xa0-\xa9]|\xdb[\xb0-\xb9]/g;
const UTF8_DIGITS_3 = /\xef\xbc[\x90-\x99]|\xe0\xa5[\xa6-\xaf]/g;
const UTF8_LETTERS_3 = /\xef\xbc[\xa1-\xba]|\xef\xbd[\x81-\x9a]/g;
/** UTF-8 separators (in a byte view); the replacements above are needed only where one stands next to a digit… */
const UTF8_SEPARATOR = /\xc2[\xa0\xad\xb7]|\xe2[\x80\x81\x88][\x80-\xbf]|\xe3\x80\x80|\xef[\xbb\xbc\xb9][\x80-\xbf]/g;
/** …or where two multi-byte digits or full-width letters stand in a row. */
const UTF8_DIGITS_OR_LETTERS = /(?:\xef\xbc[\x90-\x99]|\xd9[\xa0-\xa9]|\xdb[\xb0-\xb9]|\xe0\xa5[\xa6-\xaf]){2}|(?:\xef\xbc[\xa1-\xba]|\xef\xbd[\x81-\x9a]){2}/;
const BEFORE = /[0-9A-Za-z][\t +\-_./]{0,3}$/;
const AFTER = /^[\t +\-_./]{0,3}[0-9A-Za-z]/;

/** A separator between two letters or digits, one of them a digit (as in a card number or an IBAN). */
function utf8Needed(s: string): boolean {
  if (UTF8_DIGITS_OR_LETTERS.test(s)) return true;
  UTF8_SEPARATOR.lastIndex = 0;
  for (let m = UTF8_SEPARATOR.exec(s); m; m = UTF8_SEPARATOR.exec(s)) {
    const end = m.index + m[0].length;
    const before = BEFORE.exec(s.slice(Math.max(0, m.index - 4), m.index));
    const after = before && AFTER.exec(s.slice(end, end + 4));
    if (after && /\d/.test(before[0][0]! + after[0][after[0].length - 1]!)) return true;
  }
  return false;
}

/** Regions (flat [start, end) pairs, sorted, merged) of `text` to read closely. */
export function candidateRegions(text: string, o: HintOptions): number[] {
  let s = text;
  let padded = false;
  if (o.utf8Bytes && utf8Needed(s)) {
    const before = s;
    s = s.replace(UTF8_INVISIBLE, '\x01\x01\x01').replace(UTF8_SEPARATORS_3, ' \x01\x01').replace(UTF8_SEPARATORS_2, ' \x01')
      .replace(UTF8_DIGITS_2, '5\x01').replace(UTF8_DIGITS_3, '5\x01\x01').replace(UTF8_LETTERS_3, 'A\x01\x01');
    padded = s !== before;
  }
  if (ANY_WIDE.test(s)) {
    s = s.replace(WIDE_SEPARATORS, ' ').replace(WIDE_DIGITS, '5').replace(WIDE_LETTERS, 'A');
    const visible = s;
    s = s.replace(INVISIBLE, '\x01');
    padded ||= s !== visible;
  }
  if (RARE_BLOCKS.test(s)) { s = s.replace(RARE_DIGITS, '5').replace(ASTRAL, '5\x01'); padded = true; }
  if (escapesMatter(s)) { s = s.replace(ESCAPES, decodeEscape); padded = true; }
  const found: number[] = [];
  if (o.cards) {
    const cluster = padded ? PADDED_CLUSTER : MULTI_GAP.test(s) ? CLUSTER : CLUSTER_SINGLE;
    const rest = padded ? PADDED_CLUSTER_REST : CLUSTER_REST;
    cluster.lastIndex = 0;
    for (let m = cluster.exec(s); m; m = cluster.exec(s)) {
      rest.lastIndex = m.index + m[0].length;
      rest.test(s);
      found.push(Math.max(0, m.index - MARGIN), Math.min(s.length, rest.lastIndex + MARGIN));
      cluster.lastIndex = Math.max(rest.lastIndex, m.index + 1);
    }
  }
  if (o.ibans) {
    const iban = padded ? PADDED_IBAN_START : IBAN_START;
    iban.lastIndex = 0;
    for (let m = iban.exec(s); m; m = iban.exec(s)) {
      // 34 characters and their separators; escapes can make that ten times longer.
      const reach = padded || /[%&\\]/.test(text.slice(m.index, m.index + IBAN_PLAIN)) ? IBAN_REACH : IBAN_PLAIN;
      found.push(Math.max(0, m.index - 8), Math.min(s.length, m.index + reach));
    }
  }
  return merge(found);
}

/** An escape as what the lexer reads in it, unit by unit, each padded to its raw length. */
function decodeEscape(m: string): string {
  let out = '';
  for (let i = 0; i < m.length;) {
    const k = readUnit(m, i, true, false);
    const len = unit.len;
    if (!unit.decoded) out += m.slice(i, i + len);
    else if (k === SKIP) out += '\x01'.repeat(len);
    else out += (k === DIGIT ? '5' : k === LETTER ? 'A' : ' ') + '\x01'.repeat(len - 1);
    i += len;
  }
  return out;
}

function merge(spans: number[]): number[] {
  if (spans.length <= 2) return spans;
  const pairs: [number, number][] = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s <= out[last]!) out[last] = Math.max(out[last]!, e);
    else out.push(s, e);
  }
  return out;
}
