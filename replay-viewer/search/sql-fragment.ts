/**
 * SQL text with its bound values, kept together: a fragment may be repeated (then sequences) and its values with it.
 * Placeholders are `?` in every backend; PostgreSQL's are numbered when a statement is run (postgres/pg-sql.ts).
 */
export interface Frag {
  sql: string;
  params: unknown[];
}

export const frag = (sql: string, params: unknown[] = []): Frag => ({ sql, params });

/** Joins fragments: `sql` tagged template-like, e.g. join(' AND ', a, b). */
export function join(sep: string, parts: Frag[]): Frag {
  return { sql: parts.map((p) => p.sql).join(sep), params: parts.flatMap((p) => p.params) };
}

/** `(a) <op> (b)` built from pieces of text and fragments. */
export function sql(...pieces: (string | Frag)[]): Frag {
  let text = '';
  const params: unknown[] = [];
  for (const p of pieces) {
    if (typeof p === 'string') text += p;
    else { text += p.sql; params.push(...p.params); }
  }
  return { sql: text, params };
}
