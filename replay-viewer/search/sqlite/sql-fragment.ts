/** SQL fragments (../sql-fragment.ts) and SQLite's spelling of true and false. */
import { frag } from '../sql-fragment';

export { frag, join, sql, type Frag } from '../sql-fragment';

export const TRUE = frag('1');
export const FALSE = frag('0');
