/**
 * Masking of text by its kind: JSON (json-masking.ts), form bodies
 * (application/x-www-form-urlencoded: sensitive fields masked whole, detectors on
 * names and values in any encoding) and everything else with the detectors.
 */
import { findSecrets, MASK_CHAR, maskWhole, type ScanOptions } from './detectors';
import { type Edit, applyEdits } from './edits';
import { maskJson } from './json-masking';
import { isSensitiveField, type MaskingPolicy } from './policy';

export type TextKind = 'json' | 'form' | 'text';

/** What a text is, from its content type, or sniffed when the type says nothing useful. */
export function kindOf(contentType: string, text: string): TextKind {
  if (/json/i.test(contentType)) return 'json';
  if (/x-www-form-urlencoded/i.test(contentType)) return 'form';
  if (!/^\s*(text\/|application\/([\w.+-]*\+)?(javascript|ecmascript|xml)|image\/svg)/i.test(contentType) && /^[\s\ufeff]*[[{]/.test(text)) return 'json';
  return 'text';
}

/**
 * `text` masked as its kind; `bullet` is what one masked character becomes (the body's
 * charset decides, text-codec.ts). Returns the same string when nothing was masked.
 */
export function maskByKind(policy: MaskingPolicy, kind: TextKind, text: string, bullet = MASK_CHAR, options: ScanOptions = {}): string {
  const spans = findSecrets(text, policy.detectors, { ...options, base64: options.base64 ?? kind !== 'text' });
  if (kind === 'json') return maskJson(policy, text, spans, bullet) ?? text;
  if (kind === 'form') return maskFormText(policy, text, spans);
  return spans.length ? applyEdits(text, [], spans, bullet) : text;
}

/** Any text by content type (kept for callers of the old name). */
export function maskByType(policy: MaskingPolicy, contentType: string, text: string): string {
  return maskByKind(policy, kindOf(contentType, text), text);
}

const ENCODED_BULLET = encodeURIComponent(MASK_CHAR);

/** application/x-www-form-urlencoded: sensitive fields masked whole; detector ranges become an encoded "•". */
export function maskFormText(policy: MaskingPolicy, text: string, spans = findSecrets(text, policy.detectors, { base64: true })): string {
  const edits: Edit[] = [];
  let at = 0;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && isSensitiveField(policy, safeDecode(pair.slice(0, eq)))) {
      const value = pair.slice(eq + 1);
      if (value) edits.push([at + eq + 1, at + pair.length, encodeURIComponent(maskWhole(safeDecode(value)))]);
    }
    at += pair.length + 1;
  }
  if (!edits.length && !spans.length) return text;
  return applyEdits(text, edits, spans, ENCODED_BULLET);
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** `name=value` pairs in URLs, cookies and form-like strings. */
const PAIR = /(^|[?&;#\s])([^=&;#?\s"'<>]{1,64})=([^&;#\s"'<>]*)/g;

/** The field rule: values of sensitive `name=value` pairs (query strings, cookies) masked whole. */
export function maskFields(policy: MaskingPolicy, s: string): string {
  if (!s.includes('=')) return s;
  return s.replace(PAIR, (m, lead: string, name: string, value: string) =>
    value && isSensitiveField(policy, safeDecode(name)) ? `${lead}${name}=${MASK_CHAR.repeat(Math.max(1, safeDecode(value).replace(/\s/g, '').length))}` : m);
}
