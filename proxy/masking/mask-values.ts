/**
 * Masking of structured text: JSON documents (detectors on every string and
 * number, whole values under sensitive field names or policy JSON paths) and
 * form bodies (application/x-www-form-urlencoded).
 */
import { MASK_CHAR, maskText, maskWhole } from './detectors';
import { isSensitiveField, type MaskingPolicy } from './policy';

/** Masks a parsed JSON value in place-free fashion; returns the (possibly new) value. */
export function maskJsonValue(policy: MaskingPolicy, value: unknown, path: string[] = [], sensitive = false): unknown {
  const hit = sensitive || matchesJsonPath(policy, path);
  if (typeof value === 'string') return hit ? maskWhole(value) : maskText(value, policy.detectors);
  if (typeof value === 'number') {
    if (hit) return MASK_CHAR.repeat(String(value).length);
    // A card number sent as a JSON number.
    const masked = maskText(String(value), policy.detectors);
    return masked === String(value) ? value : masked;
  }
  if (Array.isArray(value)) return value.map((v, i) => maskJsonValue(policy, v, [...path, String(i)], hit));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = maskJsonValue(policy, v, [...path, k], hit || isSensitiveField(policy, k));
    }
    return out;
  }
  return value;
}

function matchesJsonPath(policy: MaskingPolicy, path: string[]): boolean {
  if (!policy.jsonPaths.length || !path.length) return false;
  return policy.jsonPaths.some((p) => p.length === path.length && p.every((seg, i) => seg === '*' || seg === path[i]));
}

/** A JSON text masked; undefined when it does not parse (the caller falls back to plain text). */
export function maskJsonText(policy: MaskingPolicy, text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return JSON.stringify(maskJsonValue(policy, parsed));
}

/** application/x-www-form-urlencoded: sensitive fields masked whole, detectors on every value. */
export function maskFormText(policy: MaskingPolicy, text: string): string {
  return text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    const rawName = pair.slice(0, eq);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return `${rawName}=${encodeURIComponent(maskWhole(pair.slice(eq + 1)))}`;
    }
    const masked = isSensitiveField(policy, name) ? maskWhole(value) : maskText(value, policy.detectors);
    return masked === value ? pair : `${rawName}=${encodeURIComponent(masked)}`;
  }).join('&');
}

/** Any text: JSON and form bodies structurally, everything else with the detectors. */
export function maskByType(policy: MaskingPolicy, contentType: string, text: string): string {
  if (/json/i.test(contentType)) {
    const masked = maskJsonText(policy, text);
    if (masked !== undefined) return masked === text ? text : masked;
  }
  if (/x-www-form-urlencoded/i.test(contentType)) return maskFormText(policy, text);
  return maskText(text, policy.detectors);
}
