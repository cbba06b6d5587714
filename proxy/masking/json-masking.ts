/**
 * JSON masked in its own text, never parsed and re-serialised: formatting, key order,
 * duplicate keys and number spelling stay as they were, and a 19-digit card number
 * sent as a JSON number is seen digit for digit (JSON.parse would round it to a
 * double and keep 16 of its digits). A small tokenizer tracks the key path:
 *  - a value under a sensitive field name (passwords, security codes, the policy's
 *    `fields`) or a policy JSON path is masked whole, objects and arrays included;
 *  - keys and values are masked wherever the detectors found something (their ranges
 *    come from the whole text, escapes included); a number that holds one becomes a
 *    string, so the document stays valid JSON.
 * Invalid or cut-off JSON is masked as far as it parses, then as plain text.
 * Several documents in a row (NDJSON) are read one after the other.
 */
import { type Edit, applyEdits } from './edits';
import { isSensitiveField, type MaskingPolicy } from './policy';

interface Frame {
  array: boolean;
  path: string[];
  sensitive: boolean;
  key: string | undefined;
  index: number;
  expectKey: boolean;
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** The masked JSON text, or undefined when nothing changed. */
export function maskJson(policy: MaskingPolicy, text: string, spans: number[], bullet: string): string | undefined {
  const walk = spans.length > 0 || policy.jsonPaths.length > 0 || policy.sensitiveKeyProbe.test(text);
  const edits = walk ? jsonEdits(policy, text, spans, bullet) : [];
  if (!edits.length && !spans.length) return undefined;
  const out = applyEdits(text, edits, spans, bullet);
  return out === text ? undefined : out;
}

function jsonEdits(policy: MaskingPolicy, text: string, spans: number[], bullet: string): Edit[] {
  const edits: Edit[] = [];
  const stack: Frame[] = [];
  let s = 0; // next detector range
  const overlaps = (start: number, end: number) => {
    while (s < spans.length && spans[s + 1]! <= start) s += 2;
    return s < spans.length && spans[s]! < end;
  };
  const maskedInside = (start: number, end: number) => {
    let out = '';
    let at = start;
    for (let k = s; k < spans.length && spans[k]! < end; k += 2) {
      out += text.slice(at, spans[k]) + bullet;
      at = spans[k + 1]!;
    }
    return out + text.slice(at, end);
  };
  const n = text.length;
  let i = 0;
  const valueContext = (): { path: string[]; hit: boolean } => {
    const top = stack[stack.length - 1];
    if (!top) return { path: [], hit: false };
    const seg = top.array ? String(top.index) : top.key ?? '';
    const path = [...top.path, seg];
    const hit = top.sensitive || (!top.array && isSensitiveField(policy, seg)) || matchesJsonPath(policy, path);
    return { path, hit };
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) { i++; continue; }
    const top = stack[stack.length - 1];
    if (c === 0x7b || c === 0x5b) {
      const { path, hit } = valueContext();
      stack.push({ array: c === 0x5b, path, sensitive: hit, key: undefined, index: 0, expectKey: c === 0x7b });
      i++;
      continue;
    }
    if (c === 0x7d || c === 0x5d) { stack.pop(); i++; continue; }
    if (c === 0x2c) {
      if (top) { if (top.array) top.index++; else top.expectKey = true; }
      i++;
      continue;
    }
    if (c === 0x3a) { if (top) top.expectKey = false; i++; continue; }
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (end < 0) break;
      if (top && !top.array && top.expectKey) {
        top.key = decodeString(text.slice(i, end));
      } else {
        const { hit } = valueContext();
        if (hit) {
          edits.push([i, end, JSON.stringify(maskWholeWith(decodeString(text.slice(i, end)), bullet))]);
        }
      }
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    LITERAL.lastIndex = i;
    const m = NUMBER.exec(text) ?? LITERAL.exec(text);
    if (!m) break; // not JSON (any more): the rest is masked as plain text
    const end = i + m[0].length;
    if (m[0][0] !== 't' && m[0][0] !== 'f' && m[0][0] !== 'n') {
      const { hit } = valueContext();
      if (hit) edits.push([i, end, `"${bullet.repeat(m[0].replace(/[^0-9]/g, '').length)}"`]);
      else if (overlaps(i, end)) edits.push([i, end, `"${maskedInside(i, end)}"`]);
    }
    i = end;
  }
  return edits;
}

/** End (exclusive) of the JSON string starting at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let j = start + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) return -1;
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function decodeString(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return token.slice(1, -1);
  }
}

function maskWholeWith(value: string, bullet: string): string {
  return value.replace(/\S/gu, bullet);
}

function matchesJsonPath(policy: MaskingPolicy, path: string[]): boolean {
  if (!policy.jsonPaths.length || !path.length) return false;
  return policy.jsonPaths.some((p) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === path[i]));
}
