/**
 * Words as the index sees them. The same normalisation runs on what is indexed and on what is searched, so a query
 * word meets its stored form: Unicode NFKD without accents, lower case, split on anything but letters and digits.
 * Each column of the FTS table gets its own tag in the token hash, so a word typed never matches a word seen
 * through the wrong column even if a query forgot the column filter.
 */

/** Longer words are cut: hostile pages send megabyte "words". */
const MAX_WORD = 64;
/** Word prefixes indexed for `pay*` on text fields: lengths 3..8 (a longer query prefix is cut to 8). */
export const WORD_PREFIX_MIN = 3;
export const WORD_PREFIX_MAX = 8;
/** Path prefixes indexed for `url:/pay*`, by character: up to this length (a longer query prefix is cut to it). */
export const PATH_PREFIX_MAX = 64;
/** At most this many words of one hit are indexed (a page's text is bounded by the extractor too). */
export const MAX_WORDS_PER_HIT = 5_000;

export function words(text: string): string[] {
  const out: string[] = [];
  const normal = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  for (const m of normal.matchAll(/[\p{L}\p{N}]+/gu)) {
    out.push(m[0].slice(0, MAX_WORD));
    if (out.length >= MAX_WORDS_PER_HIT) break;
  }
  return out;
}

export function wordPrefixes(word: string): string[] {
  const out: string[] = [];
  for (let n = WORD_PREFIX_MIN; n < word.length && n <= WORD_PREFIX_MAX; n++) out.push(word.slice(0, n));
  return out;
}

/** A URL's path as prefixes match it: lower case, no query or fragment. */
export function normalPath(path: string): string {
  const cut = path.search(/[?#]/);
  return (cut < 0 ? path : path.slice(0, cut)).toLowerCase();
}

export function pathPrefixes(path: string): string[] {
  const p = normalPath(path);
  const out: string[] = [];
  for (let n = 1; n <= p.length && n <= PATH_PREFIX_MAX; n++) out.push(p.slice(0, n));
  return out;
}

/** Host and path of a URL-ish string (`https://h/p`, `h/p`, `/p`); undefined parts when absent. */
export function splitUrl(value: string): { host?: string; path?: string } {
  const v = value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  if (v.startsWith('/')) return { path: v };
  const slash = v.indexOf('/');
  if (slash < 0) return { host: v.toLowerCase() };
  return { host: v.slice(0, slash).toLowerCase(), path: v.slice(slash) };
}
