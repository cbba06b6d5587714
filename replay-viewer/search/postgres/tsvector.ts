/**
 * A hit's tokens (../hit-tokens.ts) as a tsvector literal: `token:position …`. Built here, not with
 * to_tsvector('simple', …): PostgreSQL's text-search parser splits some hex tokens (`12e3abc` is read as the number
 * `12e3` and the word `abc`; measured: 6.6% of random 20-hex tokens), which would break both matching and phrase
 * positions. The literal keeps every token whole, with what the 'simple' configuration would give otherwise: no
 * stemming, no stop words. Each column numbers its positions from 1: columns never share a token (each has its own tag
 * in the hash), so their positions cannot meet in a phrase.
 */
import type { FtsRow } from '../hit-tokens';

export function tsvectorOf(row: FtsRow): string {
  const out: string[] = [];
  for (const column of [row.words, row.field, row.loc]) {
    let pos = 0;
    for (const t of column.split(' ')) if (t) out.push(`${t}:${Math.min(++pos, MAX_POSITION)}`);
  }
  // Prefix tokens stand alone (never in a phrase): no positions.
  for (const t of row.wprefix.split(' ')) if (t) out.push(t);
  return out.join(' ');
}

/** tsvector positions stop at 16383 (a hit has at most 5,000 words: tokens.ts). */
const MAX_POSITION = 16_383;
