/** Applying masks: whole-token replacements (sensitive JSON values, form values) and detector ranges together. */

/** [start, end, replacement] */
export type Edit = [number, number, string];

/**
 * `text` with each edit applied and, outside the edits, each detector range replaced by
 * `bullet`. Edits must be sorted and disjoint; ranges are sorted (detectors.ts).
 */
export function applyEdits(text: string, edits: Edit[], spans: number[], bullet: string): string {
  let out = '';
  let at = 0;
  let e = 0;
  let s = 0;
  const emitSpansUpTo = (limit: number) => {
    while (s < spans.length && spans[s]! < limit) {
      const start = spans[s]!;
      const end = spans[s + 1]!;
      s += 2;
      if (start < at) continue;
      out += text.slice(at, start) + bullet;
      at = Math.min(end, limit);
    }
  };
  while (e < edits.length) {
    const [start, end, replacement] = edits[e++]!;
    emitSpansUpTo(start);
    out += text.slice(at, start) + replacement;
    at = end;
    // Ranges inside an edit are covered by it.
    while (s < spans.length && spans[s]! < end) s += 2;
  }
  emitSpansUpTo(text.length);
  return out + text.slice(at);
}
