/** The words around the first query word found in a hit's text: what a result shows of its first match. */
import { words } from './tokens';

const SNIPPET_CHARS = 160;

export function snippetOf(text: string, queryWords: readonly string[]): string {
  if (text.length <= SNIPPET_CHARS) return text;
  let at = -1;
  if (queryWords.length) {
    const wanted = new Set(queryWords);
    for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
      const w = words(m[0])[0];
      if (w && (wanted.has(w) || [...wanted].some((q) => w.startsWith(q)))) { at = m.index; break; }
    }
  }
  const start = Math.max(0, at < 0 ? 0 : at - SNIPPET_CHARS / 3);
  const cut = text.slice(start, start + SNIPPET_CHARS);
  return `${start > 0 ? '…' : ''}${cut}${start + SNIPPET_CHARS < text.length ? '…' : ''}`;
}
