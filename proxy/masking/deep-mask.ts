/**
 * Masks every string of a JSON-like value (rrweb events, page context): values and
 * object keys alike, and numbers long enough to be a card number (a modified client
 * can send one as a number). A number beyond 2^53 has lost digits already (JSON.parse
 * rounds it), so what it prints is not what was sent: it is masked whole.
 * Returns the same value when nothing changed, so clean events are not copied.
 */
import { MASK_CHAR } from './detectors';

export function deepMask(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (typeof value === 'number') {
    if (!(Math.abs(value) >= 1e12) || !Number.isFinite(value)) return value;
    const printed = String(value);
    if (!Number.isSafeInteger(value)) return MASK_CHAR.repeat(printed.replace(/[^0-9]/g, '').length);
    const masked = fn(printed);
    return masked === printed ? value : masked;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => { const m = deepMask(v, fn); if (m !== v) changed = true; return m; });
    return changed ? out : value;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const key = fn(k);
      const m = deepMask(v, fn);
      if (m !== v || key !== k) changed = true;
      out[key] = m;
    }
    return changed ? out : value;
  }
  return value;
}
