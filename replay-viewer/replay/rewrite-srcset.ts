/**
 * Rewrites the candidate URLs of a `srcset` / `imagesrcset` value, keeping the
 * descriptors and the original spacing. Follows the HTML parsing rules closely
 * enough for data: URLs (which contain commas) to survive. Pure.
 */
import type { UrlMapper } from './rewrite-css';

export function rewriteSrcset(value: string, map: UrlMapper): string {
  let out = '';
  let i = 0;
  const n = value.length;
  while (i < n) {
    const start = i;
    while (i < n && (/\s/.test(value[i]!) || value[i] === ',')) i++;
    out += value.slice(start, i);
    if (i >= n) break;

    const urlStart = i;
    while (i < n && !/\s/.test(value[i]!)) i++;
    let urlEnd = i;
    // A URL glued to the next candidate by commas ends the candidate ("a.png,b.png 2x").
    let trailingCommas = false;
    while (urlEnd > urlStart && value[urlEnd - 1] === ',') {
      urlEnd--;
      trailingCommas = true;
    }
    const url = value.slice(urlStart, urlEnd);
    out += map(url) ?? url;
    out += value.slice(urlEnd, i);
    if (trailingCommas) continue;

    // Descriptors run to the next comma outside parentheses.
    const descStart = i;
    let parens = 0;
    while (i < n) {
      const c = value[i]!;
      if (c === '(') parens++;
      else if (c === ')') parens = Math.max(0, parens - 1);
      else if (c === ',' && parens === 0) break;
      i++;
    }
    out += value.slice(descStart, i);
  }
  return out;
}
