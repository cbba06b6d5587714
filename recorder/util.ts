/** Small helpers shared by the recorder modules (kept tiny: every byte ships to every page). */

/** Upper bound on any string we put into a custom event. */
export const MAX_TEXT = 2048;

export const noop = (): void => {};

/** Random page id: a UUID (randomUUID exists only in secure contexts, so build one otherwise). */
export function randomId(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** UTF-8 byte length of a string, without allocating (JSON output has no lone surrogates). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // 0x80-0x7ff: 2 bytes; other BMP: 3; a surrogate pair (2 units): 4.
    if (c > 0x7f) n += c > 0x7ff && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

export function truncate(s: string, max = MAX_TEXT): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A short, never-throwing text for any thrown or logged value. */
export function describe(value: unknown): string {
  try {
    if (typeof value === 'string') return truncate(value);
    if (value instanceof Error) return truncate(`${value.name}: ${value.message}`);
    if (value && typeof value === 'object') {
      let json: string | undefined;
      try {
        json = JSON.stringify(value); // cyclic or hostile objects throw
      } catch {
        /* fall back to String() */
      }
      return truncate(json ?? String(value));
    }
    return truncate(String(value));
  } catch {
    return '[unprintable]';
  }
}

/** Stack of an Error-like value, truncated; undefined when there is none. */
export function stackOf(value: unknown): string | undefined {
  try {
    const stack = (value as { stack?: unknown } | null)?.stack;
    return typeof stack === 'string' ? truncate(stack) : undefined;
  } catch {
    return undefined;
  }
}
