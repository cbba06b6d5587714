/**
 * SQL fragments (../sql-fragment.ts) for PostgreSQL: its true and false, and `?` placeholders numbered `$1…` when a
 * statement runs. Every value is a placeholder, never spliced text, so a `?` in the SQL is always one.
 */
import type { QueryConfig } from 'pg';
import { frag, type Frag } from '../sql-fragment';

export { frag, join, sql, type Frag } from '../sql-fragment';

export const TRUE = frag('TRUE');
export const FALSE = frag('FALSE');

export function toQuery(q: Frag): QueryConfig {
  let n = 0;
  const text = q.sql.replace(/\?/g, () => `$${++n}`);
  if (n !== q.params.length) throw new Error(`SQL has ${n} placeholders for ${q.params.length} values`);
  return { text, values: q.params };
}
