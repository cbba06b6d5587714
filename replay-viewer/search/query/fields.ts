/**
 * Field names → what kind of value they take, and the "did you mean" for a misspelt field.
 */
import { DURATION_FIELDS, KEYWORD_FIELDS, NUMBER_FIELDS, TEXT_FIELDS, TIME_FIELDS } from './ast';
import type { KeywordField, NumberField, TextField, TimeField } from './ast';

export type FieldInfo =
  | { kind: 'text'; field: TextField }
  | { kind: 'keyword'; field: KeywordField }
  | { kind: 'number'; field: NumberField; duration: boolean }
  | { kind: 'time'; field: TimeField };

const FIELDS = new Map<string, FieldInfo>();
for (const field of TEXT_FIELDS) FIELDS.set(field, { kind: 'text', field });
for (const field of KEYWORD_FIELDS) FIELDS.set(field, { kind: 'keyword', field });
for (const field of NUMBER_FIELDS) FIELDS.set(field, { kind: 'number', field, duration: false });
for (const field of DURATION_FIELDS) FIELDS.set(field, { kind: 'number', field, duration: true });
for (const field of TIME_FIELDS) FIELDS.set(field, { kind: 'time', field });

export const ALL_FIELDS: readonly string[] = [...FIELDS.keys()];

/** Ids are compared as recorded; every other keyword value is folded to lower case. */
export const CASE_SENSITIVE_FIELDS: ReadonlySet<KeywordField> = new Set<KeywordField>(['customer', 'session', 'terminal']);

/** Field names are case-insensitive. */
export function lookupField(name: string): FieldInfo | undefined {
  return FIELDS.get(name.toLowerCase());
}

/**
 * The known field closest to `name`, if any: optimal string alignment distance ≤ 1 for names up to 4 letters,
 * ≤ 2 beyond (`stauts` → `status`, `urll` → `url`; but `foo` is not `os`).
 */
export function closestField(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.length > 32) return undefined;
  let best: string | undefined;
  let bestDistance = lower.length <= 4 ? 2 : 3;
  for (const field of ALL_FIELDS) {
    const d = editDistance(lower, field);
    if (d < bestDistance) {
      best = field;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein plus adjacent transpositions; both inputs are at most 32 characters. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
    }
  }
  return rows[a.length][b.length];
}
