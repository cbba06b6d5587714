/**
 * Binary data (bodies that are not text, WebSocket binary frames, close reasons):
 * the detectors read it as bytes (ASCII and UTF-8 sequences), and read every run of
 * UTF-16 text in it (LE and BE). What they find is overwritten in place with `*`
 * (as `*\0` in UTF-16), the same number of bytes, so offsets inside the format
 * (PDF cross-references, protobuf lengths, zip directories) stay valid and the file
 * still opens, with the value unreadable. Digits glued to a card number are often
 * just bytes (a length or tag of 0x30-0x39), so a digit run holding any Luhn-valid
 * 13-19 digit window is masked whole (detectors.ts `glued`): binary data is over-masked rather than
 * under-masked. Known limit: text inside compressed parts
 * of a format (PDF streams, zip entries, PNG zTXt) is not inflated and not read.
 */
import { findSecrets, type TextDetectors } from './detectors';

/**
 * UTF-16 code units the detectors can use, little-endian: ASCII and latin1 separators, U+20xx,
 * U+3000, U+FExx, U+FFxx (full-width), Arabic-Indic and Persian (U+066x, U+06Fx), Devanagari (U+096x).
 */
const UTF16LE_RUN = /(?:[\t\x20-\x7e\xa0\xad\xb7]\x00|[\x00-\x6f]\x20|\x00\x30|[\x00-\xff]\xff|\xff\xfe|[\x60-\x69\xf0-\xf9]\x06|[\x66-\x6f]\x09){13,}/g;
const UTF16BE_RUN = /(?:\x00[\t\x20-\x7e\xa0\xad\xb7]|\x20[\x00-\x6f]|\x30\x00|\xff[\x00-\xff]|\xfe\xff|\x06[\x60-\x69\xf0-\xf9]|\x09[\x66-\x6f]){13,}/g;
const STAR = 0x2a;
/** Two digits in a row in UTF-16 (ASCII, full-width, Arabic-Indic, Persian, Devanagari), either byte order: runs are read only then. */
const UTF16_DIGITS = /\d\x00\d\x00|\x00\d\x00\d|[\x10-\x19]\xff[\x10-\x19]\xff|\xff[\x10-\x19]\xff[\x10-\x19]|[\x60-\x69\xf0-\xf9]\x06[\x60-\x69\xf0-\xf9]\x06|\x06[\x60-\x69\xf0-\xf9]\x06[\x60-\x69\xf0-\xf9]|[\x66-\x6f]\x09[\x66-\x6f]\x09|\x09[\x66-\x6f]\x09[\x66-\x6f]/;

/** The bytes with every detected value overwritten, or undefined when nothing was found. */
export function maskBinary(bytes: Buffer, d: TextDetectors, openEnd = false): Buffer | undefined {
  if (!bytes.length) return undefined;
  const view = bytes.toString('latin1');
  let out: Buffer | undefined;
  const fill = (start: number, end: number, step: number) => {
    out ??= Buffer.from(bytes);
    for (let i = start; i < end; i += step) out[i] = STAR;
    if (step === 2) for (let i = start + 1; i < end; i += 2) out[i] = 0;
  };
  const spans = findSecrets(view, d, { utf8Bytes: true, openEnd, glued: true });
  for (let i = 0; i < spans.length; i += 2) fill(spans[i]!, spans[i + 1]!, 1);
  // Every card number and IBAN has two digits in a row (an IBAN's check digits).
  if (!UTF16_DIGITS.test(view)) return out;
  for (const [re, order] of [[UTF16LE_RUN, 'le'], [UTF16BE_RUN, 'be']] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(view); m; m = re.exec(view)) {
      const run = bytes.subarray(m.index, m.index + (m[0].length & ~1));
      const text = (order === 'le' ? run : Buffer.from(run).swap16()).toString('utf16le');
      const found = findSecrets(text, d, { openEnd: openEnd && m.index + run.length >= bytes.length - 1, glued: true });
      for (let i = 0; i < found.length; i += 2) {
        const start = m.index + found[i]! * 2;
        const end = m.index + found[i + 1]! * 2;
        if (order === 'le') fill(start, end, 2);
        else { out ??= Buffer.from(bytes); for (let b = start; b < end; b += 2) { out[b] = 0; out[b + 1] = STAR; } }
      }
    }
  }
  return out;
}
